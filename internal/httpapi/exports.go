package httpapi

import (
	"sync"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// exportLimit counts the log exports each person is streaming, so that no
// one can open a dozen and leave them unread.
type exportLimit struct {
	mu     sync.Mutex
	byUser map[int64]int
}

// acquire admits one more export for user, or says why not; release it
// when the export ends.
func (l *exportLimit) acquire(user int64, max int) (release func(), err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byUser == nil {
		l.byUser = map[int64]int{}
	}
	if l.byUser[user] >= max {
		return nil, &apperr.Error{Kind: apperr.TooMany, Code: "too_many_exports", RetryAfter: 30,
			Message: "you are already downloading the log; wait for that download to finish (or cancel it) and try again"}
	}
	l.byUser[user]++
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.byUser[user]--; l.byUser[user] <= 0 {
			delete(l.byUser, user)
		}
	}, nil
}
