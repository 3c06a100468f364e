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
	err = s.DB.GetContext(ctx, &a, s.Query("wf-idem-get"), k.UserID, k.Route, k.Key)
	if errors.Is(err, sql.ErrNoRows) {
		return IdemAnswer{}, false, nil
	}
	if err != nil {
		return IdemAnswer{}, false, Translate(err)
	}
	return a, true, nil
}

// ClaimIdem claims k for this transaction. claimed is false when another
// request holds it; a concurrent duplicate waits here on the key's primary
// key until the first one commits or rolls back.
func (t *Tx) ClaimIdem(ctx context.Context, k IdemKey, requestHash string) (claimed bool, err error) {
	var uid int64
	err = t.s.getHot(ctx, t.tx, &uid, "wf-idem-claim", k.UserID, k.Route, k.Key, requestHash)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, Translate(err)
	}
	return true, nil
}

// SaveIdem stores the answer of a claimed key.
func (t *Tx) SaveIdem(ctx context.Context, k IdemKey, result, refusal []byte) error {
	return Translate(t.s.execHot(ctx, t.tx, "wf-idem-save", k.UserID, k.Route, k.Key, result, refusal))
}
