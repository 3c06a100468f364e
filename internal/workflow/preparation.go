package workflow

import (
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
)

// Preparation is one preparation of an order: its status, who did what
// when, the worksheet it follows and everything recorded against it. The
// db tags name its columns; the store scans rows straight into it.
type Preparation struct {
	ID       int64  `db:"id" json:"id"`
	OrderID  int64  `db:"order_id" json:"order_id"`
	RemakeOf *int64 `db:"remake_of" json:"remake_of,omitempty"`
	// RemakeReason is why the preparation this one remakes was rejected
	// (read with the preparation, never saved from it).
	RemakeReason string     `db:"remake_reason" json:"remake_reason,omitempty"`
	RecipeID     int64      `db:"recipe_id" json:"-"`
	Status       Status     `db:"status" json:"status"`
	Version      int        `db:"version" json:"version"`
	BatchKey     string     `db:"batch_key" json:"batch_key"`
	Priority     Priority   `db:"priority" json:"priority"`
	DueAt        time.Time  `db:"due_at" json:"due_at"`
	ClaimedBy    *int64     `db:"claimed_by" json:"claimed_by,omitempty"`
	ClaimedAt    *time.Time `db:"claimed_at" json:"-"`
	StartedAt    *time.Time `db:"started_at" json:"started_at,omitempty"`
	PreparedBy   *int64     `db:"prepared_by" json:"prepared_by,omitempty"`
	CompletedAt  *time.Time `db:"completed_at" json:"completed_at,omitempty"`
	VerifiedBy   *int64     `db:"verified_by" json:"verified_by,omitempty"`
	VerifiedAt   *time.Time `db:"verified_at" json:"verified_at,omitempty"`
	ReleasedBy   *int64     `db:"released_by" json:"released_by,omitempty"`
	ReleasedAt   *time.Time `db:"released_at" json:"released_at,omitempty"`
	// BUD is final once the preparation is completed (the worksheet
	// carries it in the API's answer).
	BUD       *bud.Result `db:"-" json:"-"`
	LabelSeq  int         `db:"label_seq" json:"label_seq"`
	CreatedAt time.Time   `db:"created_at" json:"-"`
	// Worksheet and Progress are spread beside the fields above in the
	// API's answer.
	Worksheet Worksheet `db:"-" json:"-"`
	Progress  Progress  `db:"-" json:"-"`
}

// Actor is who acts: a user and whether they hold the admin role (an admin
// may release another person's claim).
type Actor struct {
	UserID int64
	Admin  bool
}
