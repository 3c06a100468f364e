package compounding

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
)

// Key is the Idempotency-Key of a request that may be retried: whose, on
// which route, the client's key, and a hash of the request it came with.
// The first answer is stored in the transaction of the change it made.
type Key struct {
	UserID      int64
	Route       string
	Key         string
	RequestHash string
}

func (k *Key) id() store.IdemKey { return store.IdemKey{UserID: k.UserID, Route: k.Route, Key: k.Key} }

// Done is a use case's answer. Replayed is true when it is the stored
// answer to an earlier request with the same Key; the error returned with
// it is then the refusal recorded the first time, if any.
type Done[T any] struct {
	Value    T
	Replayed bool
}

// refusal is a refusal as stored with an answer.
type refusal struct {
	Kind    apperr.Kind       `json:"kind"`
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message"`
	Field   string            `json:"field,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// encodeAnswer stores a typed answer: the value as JSON and the refusal
// committed with it (nil for none).
func encodeAnswer(value any, refused error) (result, ref []byte, err error) {
	if result, err = json.Marshal(value); err != nil {
		return nil, nil, apperr.Wrap(err, "encode the stored answer")
	}
	if refused == nil {
		return result, nil, nil
	}
	var e *apperr.Error
	if !errors.As(refused, &e) {
		e = apperr.Wrap(refused, "refusal")
	}
	ref, err = json.Marshal(refusal{Kind: e.Kind, Code: e.Code, Message: e.Message, Field: e.Field, Fields: e.Fields})
	if err != nil {
		return nil, nil, apperr.Wrap(err, "encode the stored refusal")
	}
	return result, ref, nil
}

// decodeAnswer turns a stored answer back into the typed one.
func decodeAnswer[T any](a store.IdemAnswer, requestHash string) (Done[T], error) {
	if a.RequestHash != requestHash {
		return Done[T]{}, apperr.WithCode(apperr.Conflict, "idempotency_key_reused",
			"this Idempotency-Key was already used for a different request; use a new key for a new request")
	}
	d := Done[T]{Replayed: true}
	if len(a.Result) > 0 {
		if err := json.Unmarshal(a.Result, &d.Value); err != nil {
			return Done[T]{}, apperr.Wrap(err, "decode the stored answer")
		}
	}
	if len(a.Refusal) == 0 {
		return d, nil
	}
	var r refusal
	if err := json.Unmarshal(a.Refusal, &r); err != nil {
		return Done[T]{}, apperr.Wrap(err, "decode the stored refusal")
	}
	return d, &apperr.Error{Kind: r.Kind, Code: r.Code, Message: r.Message, Field: r.Field, Fields: r.Fields}
}

// Replay returns the stored answer to key, if there is one (Done.Replayed
// is then true). A transport calls it before work that must not be
// repeated for a retry, such as checking a re-entered password; every use
// case replays by itself too.
func Replay[T any](ctx context.Context, s *Service, key *Key) (Done[T], error) {
	if key == nil {
		return Done[T]{}, nil
	}
	a, found, err := s.st.IdemAnswer(ctx, key.id())
	if err != nil || !found {
		return Done[T]{}, err
	}
	return decodeAnswer[T](a, key.RequestHash)
}

// replayAfterClaim reads the answer of a key another request holds: its
// transaction has committed by the time the claim returns.
func replayAfterClaim[T any](ctx context.Context, s *Service, key *Key) (Done[T], error) {
	a, found, err := s.st.IdemAnswer(ctx, key.id())
	if err != nil {
		return Done[T]{}, err
	}
	if !found {
		return Done[T]{}, apperr.WithCode(apperr.Conflict, "retry", "a request with this Idempotency-Key is still running; try again")
	}
	return decodeAnswer[T](a, key.RequestHash)
}
