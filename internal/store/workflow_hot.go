package store

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// hotQueries are the queries of a scan, the request a tablet sends most.
// They run as prepared statements: database/sql prepares each once per
// pooled connection and PostgreSQL then skips parsing and, after a few
// runs, planning, which is most of their cost (a scan's product lookup
// plans in about a millisecond and runs in a tenth of one).
var hotQueries = []string{
	"wf-catalog-scan", "wf-prep-lock", "wf-accepted-scans", "wf-container-lock", "wf-container-insert",
	"wf-scan-insert", "wf-idem-claim", "wf-idem-save", "wf-bud-rules-latest",
}

// hotSet is one store's prepared hot statements.
type hotSet struct {
	once  sync.Once
	stmts map[string]*sqlx.Stmt
	err   error
}

// hotSets maps a Store to its prepared statements. It is a cache keyed by
// the store, kept here rather than in Store so the workflow's tuning stays
// in the workflow's files; a statement whose connection is gone is
// re-prepared by database/sql.
var hotSets sync.Map

// hot returns the named query as a prepared statement, bound to tx when
// one is given. When preparing fails it returns nil, and the caller runs
// the query unprepared.
func (s *Store) hot(ctx context.Context, tx *sqlx.Tx, name string) *sqlx.Stmt {
	v, _ := hotSets.LoadOrStore(s, &hotSet{})
	h := v.(*hotSet)
	h.once.Do(func() {
		h.stmts = map[string]*sqlx.Stmt{}
		for _, n := range hotQueries {
			st, err := s.DB.PreparexContext(context.WithoutCancel(ctx), s.Query(n))
			if err != nil {
				h.err = err
				return
			}
			h.stmts[n] = st
		}
	})
	st := h.stmts[name]
	if h.err != nil || st == nil {
		return nil
	}
	if tx != nil {
		return tx.StmtxContext(ctx, st)
	}
	return st
}

// getHot runs a hot query returning one row into dest.
func (s *Store) getHot(ctx context.Context, tx *sqlx.Tx, dest any, name string, args ...any) error {
	if st := s.hot(ctx, tx, name); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	if tx != nil {
		return tx.GetContext(ctx, dest, s.Query(name), args...)
	}
	return s.DB.GetContext(ctx, dest, s.Query(name), args...)
}

// execHot runs a hot statement.
func (s *Store) execHot(ctx context.Context, tx *sqlx.Tx, name string, args ...any) error {
	if st := s.hot(ctx, tx, name); st != nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	_, err := tx.ExecContext(ctx, s.Query(name), args...)
	return err
}

// writeSlots bounds the workflow transactions running at once in this
// process. Every one of them ends by appending to the compounding log,
// whose chain head admits one writer at a time; letting forty wait on it
// inside PostgreSQL (as lock waiters, each holding a connection) is slower
// than queueing them here, and leaves connections free for reads and logins.
const writeSlots = 6

var writeSems sync.Map

// writeSlot takes a slot for a workflow transaction and returns its release.
func (s *Store) writeSlot(ctx context.Context) (func(), error) {
	v, _ := writeSems.LoadOrStore(s, make(chan struct{}, writeSlots))
	sem := v.(chan struct{})
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, Translate(ctx.Err())
	}
}
