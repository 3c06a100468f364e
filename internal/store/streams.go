package store

import (
	"sync"

	"github.com/jmoiron/sqlx"
)

// StreamPool is how many connections long streaming reads (the log's CSV
// export) may hold at once, apart from the main pool: a client reading
// slowly holds its connection for as long as it reads, and must not take
// the connections that scans, the queue and /readyz need.
const StreamPool = 2

// streams is the store's second, small pool, opened on first use.
type streams struct {
	once sync.Once
	db   *sqlx.DB
	err  error
}

// Streams returns the pool for long streaming reads (at most StreamPool
// connections, separate from DB).
func (s *Store) Streams() (*sqlx.DB, error) {
	s.streams.once.Do(func() {
		s.streams.db, s.streams.err = sqlx.Open("postgres", s.dsn)
		if s.streams.err == nil {
			s.streams.db.SetMaxOpenConns(StreamPool)
			s.streams.db.SetMaxIdleConns(1)
		}
	})
	return s.streams.db, s.streams.err
}

// closeStreams closes the streaming pool if it was opened.
func (s *Store) closeStreams() error {
	s.streams.once.Do(func() {}) // nothing opens it after Close
	if s.streams.db != nil {
		return s.streams.db.Close()
	}
	return nil
}
