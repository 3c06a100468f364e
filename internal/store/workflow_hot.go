package store

import (
	"context"
	"runtime"
	"sync"
	"weak"

	"github.com/jmoiron/sqlx"
)

// hotQueries are the queries of a scan, the request a tablet sends most.
// They run as prepared statements: database/sql prepares each once per
// pooled connection and PostgreSQL then skips parsing and, after a few
// runs, planning.
var hotQueries = []string{
	"wf-prep-lock", "wf-accepted-scans", "wf-container-lock", "wf-container-insert",
	"wf-scan-insert", "wf-idem-claim", "wf-idem-save",
	// The formulary lookups of a scan's resolution.
	"product-by-gtin", "product-by-ndc10", "product-codes", "product-reconstitutions", "get-lot",
}

// wfState is one Store's prepared hot statements.
type wfState struct {
	once  sync.Once
	stmts map[string]*sqlx.Stmt
	err   error
}

// wfStates maps a Store to its state. The key is a weak pointer, so the map
// does not keep a Store alive, a new Store never inherits the state of an
// old one at the same address, and the entry (with its statements) goes
// when the Store is collected. It lives here rather than in Store so the
// workflow's tuning stays in the workflow's files.
var wfStates sync.Map // weak.Pointer[Store] → *wfState

// state returns the Store's workflow state, creating it on first use.
func (s *Store) state() *wfState {
	key := weak.Make(s)
	if v, ok := wfStates.Load(key); ok {
		return v.(*wfState)
	}
	v, loaded := wfStates.LoadOrStore(key, &wfState{})
	if !loaded {
		runtime.AddCleanup(s, dropState, key)
	}
	return v.(*wfState)
}

// dropState forgets a collected Store's state and closes its statements.
func dropState(key weak.Pointer[Store]) {
	v, ok := wfStates.LoadAndDelete(key)
	if !ok {
		return
	}
	for _, st := range v.(*wfState).stmts {
		_ = st.Close()
	}
}

// hot returns the named query as a prepared statement, bound to tx when
// one is given. When preparing fails it returns nil, and the caller runs
// the query unprepared; a statement whose connection is gone is
// re-prepared by database/sql.
func (s *Store) hot(ctx context.Context, tx *sqlx.Tx, name string) *sqlx.Stmt {
	h := s.state()
	h.once.Do(func() {
		stmts := map[string]*sqlx.Stmt{}
		for _, n := range hotQueries {
			st, err := s.DB.PreparexContext(context.WithoutCancel(ctx), s.Query(n))
			if err != nil {
				for _, p := range stmts {
					_ = p.Close()
				}
				h.err = err
				return
			}
			stmts[n] = st
		}
		h.stmts = stmts
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

// selectHot runs a hot query returning rows into dest, on q: the pool, a
// transaction, or anything else (then unprepared).
func (s *Store) selectHot(ctx context.Context, q sqlx.QueryerContext, dest any, name string, args ...any) error {
	var tx *sqlx.Tx
	switch v := q.(type) {
	case *sqlx.DB:
		if v != s.DB {
			return sqlx.SelectContext(ctx, q, dest, s.Query(name), args...)
		}
	case *sqlx.Tx:
		tx = v
	default:
		return sqlx.SelectContext(ctx, q, dest, s.Query(name), args...)
	}
	if st := s.hot(ctx, tx, name); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return sqlx.SelectContext(ctx, q, dest, s.Query(name), args...)
}

// execHot runs a hot statement in tx.
func (s *Store) execHot(ctx context.Context, tx *sqlx.Tx, name string, args ...any) error {
	if st := s.hot(ctx, tx, name); st != nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	_, err := tx.ExecContext(ctx, s.Query(name), args...)
	return err
}
