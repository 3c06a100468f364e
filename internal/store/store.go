// Package store is Laminar's PostgreSQL storage: it loads and saves, and
// decides nothing. SQL lives in queries/*.sql, one file per aggregate, as
// named queries bound to the queries struct at start-up; database
// errors are translated into apperr errors here so that lib/pq never leaks
// out of this package.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/namedsql"
	"github.com/laminar-rx/laminar/migrations"
)

//go:embed queries/*.sql
var queryFS embed.FS

// Store is the database, its queries and the scan's prepared statements.
type Store struct {
	DB *sqlx.DB
	q  queries
	// all holds every named query, for Prepare.
	all map[string]string
	st  statements
	dsn string
	// streams is the small pool of long streaming reads (streams.go).
	streams streams
	// sealer chains the log events of committed changes (SealLog).
	sealer *audit.Sealer
	// budByID keeps decoded BUD rule versions by id (int64 → BUDRuleVersion):
	// a stored version never changes (the table refuses updates and
	// deletes), so a scan decodes the table in force once, not every time.
	budByID sync.Map
}

// DSN is the connection string the store was opened with (it holds the
// role's password: never log it). The live listener connects with it.
func (s *Store) DSN() string { return s.dsn }

// Open connects to dsn, loads the named queries, checks that the schema is
// current and prepares the scan's statements. A missing, unused or broken
// query is an error naming it: start-up fails rather than a request.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return open(ctx, dsn, queryFS)
}

func open(ctx context.Context, dsn string, fsys fs.FS) (*Store, error) {
	s := &Store{dsn: dsn}
	all, err := namedsql.Load(fsys, "queries/*.sql")
	if err == nil {
		err = namedsql.Bind(all, &s.q)
	}
	if err == nil {
		err = audit.CheckQueries()
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	s.all = all
	if s.DB, err = sqlx.Open("postgres", dsn); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s.DB.SetMaxOpenConns(DefaultPool)
	s.DB.SetMaxIdleConns(DefaultPool)
	s.sealer = audit.NewSealer(s.DB)
	if err := s.DB.PingContext(ctx); err != nil {
		s.DB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := CheckSchema(ctx, s.DB.DB); err != nil {
		s.DB.Close()
		return nil, err
	}
	if err := s.prepareStatements(ctx); err != nil {
		s.DB.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	return s, nil
}

// DefaultPool is the pool size of a Store until SetPool changes it: the
// command line and tests keep this generous one, the server sets its
// configured LAMINAR_DB_POOL.
const DefaultPool = 40

// SetPool sets how many connections the pool opens and keeps idle: the
// same number, so that connections warmed at start-up are never closed
// as surplus idle ones and re-opened cold under load.
func (s *Store) SetPool(n int) {
	s.DB.SetMaxOpenConns(n)
	s.DB.SetMaxIdleConns(n)
}

// Warm opens n connections and prepares the scan's statements on each,
// so the first requests after start-up do not pay for new backends,
// their catalog caches and the statements' parsing: without it, the first
// second of 50 tablets scanning had a p99 of about a second.
// Each connection is held in an idle transaction while the next is
// opened (so the pool cannot hand the same one out twice), then all are
// returned to the pool.
func (s *Store) Warm(ctx context.Context, n int) error {
	txs := make([]*sqlx.Tx, 0, n)
	defer func() {
		for _, tx := range txs {
			_ = tx.Rollback()
		}
	}()
	for range n {
		tx, err := s.DB.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs)+1, n, err)
		}
		txs = append(txs, tx)
		for _, p := range s.st.all() {
			// Binding the statement to the transaction prepares it on
			// the transaction's connection, and database/sql keeps it
			// there for later uses of the statement.
			p.in(ctx, tx)
		}
		// Every request looks its session up, and every write reads the
		// chain head: run both once to load their tables' catalog entries.
		if _, err := tx.ExecContext(ctx, s.q.GetSessionByToken, []byte{}); err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs), n, err)
		}
		if err := audit.Touch(ctx, tx); err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs), n, err)
		}
	}
	return nil
}

// Close closes the prepared statements and the connection pool.
func (s *Store) Close() error {
	s.closeStatements()
	return errors.Join(s.closeStreams(), s.DB.Close())
}

// Prepare parses every named query on the server, so a broken query stops
// the boot rather than a technician's scan.
func (s *Store) Prepare(ctx context.Context) error {
	conn, err := s.DB.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	names := make([]string, 0, len(s.all))
	for name := range s.all {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		st, err := conn.PreparexContext(ctx, s.all[name])
		if err != nil {
			return fmt.Errorf("query %s: %w", name, err)
		}
		st.Close()
	}
	return nil
}

// provider reads the embedded migrations. Applying them holds a
// PostgreSQL advisory lock, so `laminar migrate` run from several places
// at once (instances starting together, a deploy job) applies each
// migration once while the others wait.
func provider(db *sql.DB) (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration.
func Migrate(ctx context.Context, db *sql.DB, log *slog.Logger) error {
	p, err := provider(db)
	if err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// SchemaVersion returns the database's and the binary's schema versions.
func SchemaVersion(ctx context.Context, db *sql.DB) (current, target int64, err error) {
	p, err := provider(db)
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}

// ErrSchemaBehind means the database needs `laminar migrate`.
var ErrSchemaBehind = errors.New("database schema is behind")

// CheckSchema returns ErrSchemaBehind (wrapped with the versions) when
// migrations are pending.
func CheckSchema(ctx context.Context, db *sql.DB) error {
	cur, target, err := SchemaVersion(ctx, db)
	if err != nil {
		return err
	}
	if cur < target {
		return fmt.Errorf("%w: it is at version %d and this Laminar needs %d; run `laminar migrate`", ErrSchemaBehind, cur, target)
	}
	return nil
}

// InTx runs fn in a transaction, committing when it returns nil, and
// returns once the log events fn appended are in the chain (SealLog).
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return Translate(err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return Translate(err)
	}
	return s.SealLog(ctx)
}

// SealLog returns once every log event committed before the call is in
// the chain, and durable. A transaction that appended to the log calls it
// after its commit and before it answers: concurrent changes commit side
// by side without waiting for the disk and share one seal, whose flush
// makes them all durable (see package audit). If the seal fails, the
// caller is not told the change succeeded: it may send the request again
// (with the same Idempotency-Key the first answer is given, once sealed).
func (s *Store) SealLog(ctx context.Context) error {
	if err := s.sealer.Sync(ctx); err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "retry", Err: err,
			Message: "the change is not confirmed: its entry in the compounding log could not be sealed; send it again"}
	}
	return nil
}

// Translate turns database errors into apperr errors.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.NotFound, "not found")
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return &apperr.Error{Kind: apperr.Conflict, Code: "conflict", Message: "already exists (" + pe.Constraint + ")", Err: err}
		case "23503":
			return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_reference", Message: "refers to something that does not exist (" + pe.Constraint + ")", Err: err}
		case "23514", "23502":
			return &apperr.Error{Kind: apperr.Invalid, Message: "a value breaks a rule of the database (" + pe.Constraint + ")", Err: err}
		case "40001", "40P01":
			return &apperr.Error{Kind: apperr.Conflict, Code: "retry", Message: "a concurrent change got there first; try again", Err: err}
		}
	}
	if Unavailable(err) {
		return ErrUnavailable(err)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &apperr.Error{Kind: apperr.Unavailable, Message: "the database did not answer in time", Err: err}
	}
	return apperr.Wrap(err, "database error")
}

// Meta reads a site_meta value ("" when absent).
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.DB.GetContext(ctx, &v, s.q.GetMeta, key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, Translate(err)
}

// SetMeta writes a site_meta value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.DB.ExecContext(ctx, s.q.SetMeta, key, value)
	return Translate(err)
}
