package audit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Seal chains every queued event whose transaction has committed, in one
// short transaction of its own, and returns how many it chained. Any
// server may seal any server's events; sealers take turns, and one that
// finds the queue already empty writes nothing.
func Seal(ctx context.Context, db sqlx.QueryerContext) (int, error) {
	q, err := sqlText()
	if err != nil {
		return 0, err
	}
	var n int
	if err := sqlx.GetContext(ctx, db, &n, q.Seal); err != nil {
		return 0, fmt.Errorf("seal the compounding log: %w", err)
	}
	return n, nil
}

// Sealer lets many committed changes share one seal. Sync returns once a
// seal that began after Sync was called has finished, so the events its
// caller committed before calling are in the chain. While a seal runs,
// the callers that arrive meanwhile wait together for the next one: under
// load each seal chains the events of many changes with one WAL flush,
// and at most one seal per server runs at a time.
type Sealer struct {
	seal func(context.Context) error
	// Timeout bounds one seal; a caller whose context ends earlier stops
	// waiting, and its events are chained by the next seal all the same.
	Timeout time.Duration

	mu      sync.Mutex
	next    *round // the seal callers join; it has not begun yet
	running bool
}

// round is one seal and the callers waiting for it.
type round struct {
	done    chan struct{}
	err     error
	waiters int
}

// NewSealer seals through db, with the seal's statement prepared on first
// use (a seal follows every change).
func NewSealer(db *sqlx.DB) *Sealer {
	var (
		once sync.Once
		stmt *sqlx.Stmt
	)
	return NewSealerFunc(func(ctx context.Context) error {
		once.Do(func() {
			if q, err := sqlText(); err == nil {
				stmt, _ = db.PreparexContext(ctx, q.Seal) // nil: the text below
			}
		})
		if stmt == nil {
			_, err := Seal(ctx, db)
			return err
		}
		var n int
		if err := stmt.GetContext(ctx, &n); err != nil {
			return fmt.Errorf("seal the compounding log: %w", err)
		}
		return nil
	})
}

// NewSealerFunc seals with seal (tests count and delay seals with it).
func NewSealerFunc(seal func(context.Context) error) *Sealer {
	return &Sealer{seal: seal, Timeout: 30 * time.Second}
}

// Sync waits until a seal that began after this call has finished and
// returns its error.
func (s *Sealer) Sync(ctx context.Context) error {
	s.mu.Lock()
	if s.next == nil {
		s.next = &round{done: make(chan struct{})}
	}
	r := s.next
	r.waiters++
	if !s.running {
		s.running = true
		go s.run()
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Waiting is how many callers wait for the seal that has not begun yet.
func (s *Sealer) Waiting() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next == nil {
		return 0
	}
	return s.next.waiters
}

// run seals round after round while callers keep joining.
func (s *Sealer) run() {
	for {
		s.mu.Lock()
		r := s.next
		s.next = nil
		if r == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
		r.err = s.seal(ctx)
		cancel()
		close(r.done)
	}
}
