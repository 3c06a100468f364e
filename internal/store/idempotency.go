package store

import (
	"context"
	"database/sql"
	"errors"
)

// IdemKey names a stored answer: the user, the route and the client's key.
type IdemKey struct {
	UserID int64
	Route  string
	Key    string
}

// IdemAnswer is the stored first answer of an idempotent request: the hash
// of the request it answered, its result as JSON, and the refusal recorded
// with it (JSON, or nil).
type IdemAnswer struct {
	RequestHash string `db:"request_hash"`
	Result      []byte `db:"result"`
	Refusal     []byte `db:"refusal"`
}

// IdemAnswer returns the stored answer of k; found is false when k is new.
func (s *Store) IdemAnswer(ctx context.Context, k IdemKey) (a IdemAnswer, found bool, err error) {
	err = s.DB.GetContext(ctx, &a, s.q.WfIdemGet, k.UserID, k.Route, k.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return IdemAnswer{}, false, nil
	}
	if err != nil {
		return IdemAnswer{}, false, Translate(err)
	}
	return a, true, nil
}
