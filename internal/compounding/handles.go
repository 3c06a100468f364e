package compounding

import (
	"errors"

	"context"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Store is the database the services are built on. The handlers hold one
// only to build their services with it; they call none of its methods.
type Store = store.Store

// The filters and rows the preparation service's reads take and return,
// named here so that a handler needs no import of the store.
type (
	// RecipeFilter narrows Recipes to a drug or to current versions.
	RecipeFilter = store.RecipeFilter
	// QueueFilter narrows QueueWindow to a page of the queue.
	QueueFilter = store.QueueFilter
	// Override is a pharmacist's override of a dose limit.
	Override = store.Override
	// Approval is a pharmacist's approval of a preparation.
	Approval = store.Approval
	// Hold is an open hold the ordering system put on a preparation.
	Hold = store.Hold
)

// DowntimeRecord returns the paper record of a preparation made during
// downtime, nil when it was not.
func (s *Service) DowntimeRecord(ctx context.Context, prepID int64) (*workflow.DowntimeRecord, error) {
	return s.st.DowntimeRecord(ctx, prepID)
}

// OpenHold returns the open hold on a preparation, nil when there is none.
func (s *Service) OpenHold(ctx context.Context, prepID int64) (*Hold, error) {
	return s.st.OpenHold(ctx, prepID)
}

// OpenHolds lists every preparation on hold.
func (s *Service) OpenHolds(ctx context.Context) ([]Hold, error) {
	return s.st.OpenHolds(ctx)
}

// Ready reports whether the database answers and its schema is current:
// an apperr Unavailable error with code database_unavailable or
// schema_behind when not.
func (s *Service) Ready(ctx context.Context) error {
	if err := s.st.DB.PingContext(ctx); err != nil {
		return &apperr.Error{Kind: apperr.Unavailable, Code: "database_unavailable", Message: "the database cannot be reached", Err: err}
	}
	if err := store.CheckSchema(ctx, s.st.DB.DB); err != nil {
		if errors.Is(err, store.ErrSchemaBehind) {
			return &apperr.Error{Kind: apperr.Unavailable, Code: "schema_behind", Message: err.Error()}
		}
		return &apperr.Error{Kind: apperr.Unavailable, Code: "database_unavailable", Message: "the database schema cannot be read", Err: err}
	}
	return nil
}

// LostConnection returns the answer for an error caused by a lost or
// refused database connection (503 database_unavailable: try again), and
// nil for any other error.
func LostConnection(err error) *apperr.Error {
	if !store.Unavailable(err) {
		return nil
	}
	return store.ErrUnavailable(err)
}
