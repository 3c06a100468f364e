// Package store is Laminar's PostgreSQL storage. SQL lives in queries/*.sql,
// one file per aggregate, as named queries parsed at start-up; database
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
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/migrations"
)

//go:embed queries/*.sql
var queryFS embed.FS

// Store is the database and its named queries.
type Store struct {
	DB  *sqlx.DB
	q   Queries
	dsn string
}

// DSN is the connection string the store was opened with (it holds the
// role's password: never log it). The live listener connects with it.
func (s *Store) DSN() string { return s.dsn }

// Open connects to dsn, checks the connection and loads the named queries.
func Open(ctx context.Context, dsn string) (*Store, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(DefaultPool)
	db.SetMaxIdleConns(DefaultPool)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	q, err := LoadQueries(queryFS)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Store{DB: db, q: q, dsn: dsn}, nil
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

// Warm opens n connections and prepares the scan's hot statements on each,
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
	// The statements are first prepared on whichever connection is free;
	// doing it inside the loop would wait forever for a second connection
	// with a pool of one.
	s.hot(ctx, nil, hotQueries[0])
	for range n {
		tx, err := s.DB.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs)+1, n, err)
		}
		txs = append(txs, tx)
		for _, name := range hotQueries {
			// hot prepares the statement on the transaction's
			// connection and remembers it for later transactions.
			if s.hot(ctx, tx, name) == nil {
				// Preparing failed: Prepare reports the broken query;
				// the workflow falls back to unprepared queries.
				break
			}
		}
		// Every request looks its session up, and every write reads the
		// chain head: run both once to load their tables' catalog entries.
		if _, err := tx.ExecContext(ctx, s.Query("get-session-by-token"), []byte{}); err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs), n, err)
		}
		if _, err := tx.ExecContext(ctx, audit.QueryNames()["audit-head"]); err != nil {
			return fmt.Errorf("warm connection %d of %d: %w", len(txs), n, err)
		}
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.DB.Close() }

// Query returns the named query; a missing name is a programming error and
// is caught by the start-up test that loads every name used.
func (s *Store) Query(name string) string {
	q, ok := s.q[name]
	if !ok {
		panic("store: no query named " + name)
	}
	return q
}

// Queries maps a query name to its SQL.
type Queries map[string]string

// LoadQueries parses every "-- name: x" block of the .sql files in fsys.
func LoadQueries(fsys fs.FS) (Queries, error) {
	q := Queries{}
	files, err := fs.Glob(fsys, "queries/*.sql")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		var name string
		var body strings.Builder
		flush := func() error {
			if name == "" {
				return nil
			}
			text := strings.TrimSpace(body.String())
			if text == "" {
				return fmt.Errorf("%s: query %s is empty", f, name)
			}
			if _, dup := q[name]; dup {
				return fmt.Errorf("%s: query %s defined twice", f, name)
			}
			q[name] = text
			body.Reset()
			return nil
		}
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				name = strings.TrimSpace(rest)
				continue
			}
			if name != "" {
				body.WriteString(line)
				body.WriteByte('\n')
			}
		}
		if err := flush(); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// Names lists the loaded query names, sorted.
func (q Queries) Names() []string {
	out := make([]string, 0, len(q))
	for k := range q {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Prepare parses every named query on the server, so a broken query stops
// the boot rather than a technician's scan.
func (s *Store) Prepare(ctx context.Context) error {
	conn, err := s.DB.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, name := range s.q.Names() {
		st, err := conn.PreparexContext(ctx, s.q[name])
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

// InTx runs fn in a transaction, committing when it returns nil.
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
	err := s.DB.GetContext(ctx, &v, s.Query("get-meta"), key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, Translate(err)
}

// SetMeta writes a site_meta value.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.DB.ExecContext(ctx, s.Query("set-meta"), key, value)
	return Translate(err)
}
