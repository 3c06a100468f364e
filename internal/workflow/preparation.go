package workflow

import (
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
)

// Preparation is one preparation of an order: its status, who did what
// when, the worksheet it follows and everything recorded against it.
type Preparation struct {
	ID          int64
	OrderID     int64
	RemakeOf    *int64
	RecipeID    int64
	Status      Status
	Version     int
	BatchKey    string
	Priority    Priority
	DueAt       time.Time
	ClaimedBy   *int64
	ClaimedAt   *time.Time
	StartedAt   *time.Time
	PreparedBy  *int64
	CompletedAt *time.Time
	VerifiedBy  *int64
	VerifiedAt  *time.Time
	ReleasedBy  *int64
	ReleasedAt  *time.Time
	// BUD is final once the preparation is completed.
	BUD       *bud.Result
	LabelSeq  int
	CreatedAt time.Time
	Worksheet Worksheet
	Progress  Progress
}

// Actor is who acts: a user and whether they hold the admin role (an admin
// may release another person's claim).
type Actor struct {
	UserID int64
	Admin  bool
}
