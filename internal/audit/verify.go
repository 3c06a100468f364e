package audit

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Report is the outcome of Verify, shaped as the API's JSON.
type Report struct {
	OK bool `json:"ok"`
	// Checked is how many events were read.
	Checked int64 `json:"checked"`
	// Checkpoints is how many signed checkpoints the log was checked against.
	Checkpoints int `json:"checkpoints"`
	// FirstBad is the first event at which the chain does not hold.
	FirstBad *BadEvent `json:"first_bad_event,omitempty"`
}

// BadEvent names an event that breaks the chain and says how.
type BadEvent struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
	// Checkpoint is the 1-based line of the checkpoint contradicted, if any.
	Checkpoint int `json:"checkpoint,omitempty"`
}

// Verify recomputes the whole chain in id order from one consistent
// snapshot and reports the first event that does not hold: one whose
// content no longer matches its hash (altered), one whose prev_hash is not
// its predecessor's hash (an event before it removed, inserted or
// rehashed), or a head that records more events than remain (events removed
// from the end).
func Verify(ctx context.Context, db *sqlx.DB) (Report, error) {
	return VerifyAgainst(ctx, db, Anchors{})
}

// VerifyAgainst is Verify that also checks the log against signed
// checkpoints: each must be signed by one of the keys, and the log must
// still hold the event each names, with the same hash, time and count.
// That catches what the chain alone cannot: a rewritten event with every
// later hash recomputed, or a removed tail with the head moved back. From
// the first checkpoint on, event times must not go backwards, and no event
// after a checkpoint may be dated before it (a back-dated insertion).
func VerifyAgainst(ctx context.Context, db *sqlx.DB, an Anchors) (Report, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return Report{}, fmt.Errorf("verify the audit chain: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	var head struct {
		lastID int64
		hash   string
		events int64
	}
	q, err := sqlText()
	if err != nil {
		return Report{}, err
	}
	if err := tx.QueryRowxContext(ctx, q.Head).Scan(&head.lastID, &head.hash, &head.events); err != nil {
		return Report{}, fmt.Errorf("read the audit chain head: %w", err)
	}
	rows, err := tx.QueryContext(ctx, q.Chain)
	if err != nil {
		return Report{}, fmt.Errorf("read the audit chain: %w", err)
	}
	defer rows.Close()

	rep := Report{OK: true, Checkpoints: len(an.Checkpoints)}
	bad := func(id int64, cp int, format string, args ...any) {
		if rep.FirstBad == nil {
			rep.OK = false
			rep.FirstBad = &BadEvent{ID: id, Checkpoint: cp, Reason: fmt.Sprintf(format, args...)}
		}
	}
	anchors := newAnchorCheck(an, bad)
	var (
		prevID   int64
		prevHash = GenesisHash
		buf      = make([]byte, 0, 1024)
		// Scan targets reused across rows.
		id               int64
		typ              string
		actor, prep      sql.NullInt64
		at               time.Time
		payload          sql.RawBytes
		rowPrev, rowHash string
	)
	for rows.Next() {
		if err := rows.Scan(&id, &typ, &actor, &at, &prep, &payload, &rowPrev, &rowHash); err != nil {
			return Report{}, fmt.Errorf("read audit event after %d: %w", prevID, err)
		}
		rep.Checked++
		want := hashRecord(buf[:0], id, typ, nullable(actor), at, nullable(prep), payload, rowPrev)
		switch {
		case want != rowHash:
			bad(id, 0, "event %d was altered: its content no longer matches its hash", id)
		case rowPrev != prevHash && prevID == 0:
			bad(id, 0, "event %d does not start from the beginning of the chain: the events before it were removed", id)
		case rowPrev != prevHash && id != prevID+1:
			bad(id, 0, "events %d to %d are missing: event %d's prev_hash is not the hash of event %d", prevID+1, id-1, id, prevID)
		case rowPrev != prevHash:
			bad(id, 0, "event %d's prev_hash is not the hash of event %d: an event between them was removed, inserted or rewritten", id, prevID)
		case id != prevID+1:
			bad(id, 0, "events %d to %d are missing yet event %d chains to event %d: the chain was rewritten", prevID+1, id-1, id, prevID)
		}
		anchors.event(id, at, rowHash, rep.Checked)
		// Carry on from the stored hash so that one break is reported
		// once and the count covers the whole log.
		prevID, prevHash = id, rowHash
	}
	if err := rows.Err(); err != nil {
		return Report{}, fmt.Errorf("read the audit chain: %w", err)
	}
	anchors.end(prevID)
	if head.lastID != prevID || head.hash != prevHash || head.events != rep.Checked {
		bad(head.lastID, 0, "the chain head records %d events ending at event %d, but the log holds %d ending at event %d: events were removed from the end or the head was rewritten",
			head.events, head.lastID, rep.Checked, prevID)
	}
	return rep, nil
}

func nullable(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}
