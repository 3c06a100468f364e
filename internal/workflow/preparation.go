package workflow

import (
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
)

// Preparation is one preparation of an order: its status, who did what
// when, the worksheet it follows and everything recorded against it. The
// db tags name its columns; the store scans rows straight into it.
type Preparation struct {
	ID       int64  `db:"id"`
	OrderID  int64  `db:"order_id"`
	RemakeOf *int64 `db:"remake_of"`
	// RemakeReason is why the preparation this one remakes was rejected
	// (read with the preparation, never saved from it).
	RemakeReason string     `db:"remake_reason"`
	RecipeID     int64      `db:"recipe_id"`
	Status       Status     `db:"status"`
	Version      int        `db:"version"`
	BatchKey     string     `db:"batch_key"`
	Priority     Priority   `db:"priority"`
	DueAt        time.Time  `db:"due_at"`
	ClaimedBy    *int64     `db:"claimed_by"`
	ClaimedAt    *time.Time `db:"claimed_at"`
	StartedAt    *time.Time `db:"started_at"`
	PreparedBy   *int64     `db:"prepared_by"`
	CompletedAt  *time.Time `db:"completed_at"`
	VerifiedBy   *int64     `db:"verified_by"`
	VerifiedAt   *time.Time `db:"verified_at"`
	ReleasedBy   *int64     `db:"released_by"`
	ReleasedAt   *time.Time `db:"released_at"`
	// BUD is final once the preparation is completed.
	BUD       *bud.Result `db:"-"`
	LabelSeq  int         `db:"label_seq"`
	CreatedAt time.Time   `db:"created_at"`
	Worksheet Worksheet   `db:"-"`
	Progress  Progress    `db:"-"`
}

// Actor is who acts: a user and whether they hold the admin role (an admin
// may release another person's claim).
type Actor struct {
	UserID int64
	Admin  bool
}
