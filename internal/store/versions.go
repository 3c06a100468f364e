package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/versioned"
)

// The BUD rule table, the guard table, the dose evidence policy and the
// competency rules are each a table of effective-dated versions that are
// only ever added (see package versioned): the same columns, the same
// reads and the same way in. What differs from kind to kind is the
// document, its checks and its words; this file holds the rest once.

// versionTable is the SQL of one table of versions, and the words its
// refusals and internal errors use. A kind sets the queries it runs.
type versionTable struct {
	// all lists every version, oldest first; at reads the one in force
	// at $1. Both return versionRow's columns.
	all, at string
	// atPrepared is at prepared when the store opened, for a kind read on
	// every scan (the BUD rules); nil runs the text.
	atPrepared *prepared
	// lock queues writers; latest reads the latest version's name and
	// start (NULL when there is none) and the database's clock after the
	// lock; exists tells whether the version name $1 is taken; insert
	// writes ($1 version, $2 start, $3 document, $4 author) returning id
	// and created_at.
	lock, latest, exists, insert string
	// name is the kind in an internal error ("BUD rule" in "stored BUD
	// rule version …"); what is the message of that error ("BUD rule
	// table"); noun is the document in a refusal ("table", "policy").
	name, what, noun string
}

// versionRow is a row of a table of versions as scanned: the document is
// in the column rules (the dose evidence policy's query renames its own).
type versionRow struct {
	ID            int64         `db:"id"`
	Version       string        `db:"version"`
	EffectiveFrom time.Time     `db:"effective_from"`
	Doc           []byte        `db:"rules"`
	CreatedBy     sql.NullInt64 `db:"created_by"`
	CreatedAt     time.Time     `db:"created_at"`
}

// createdBy is the author, nil for a version shipped by a migration.
func (r versionRow) createdBy() *int64 {
	if !r.CreatedBy.Valid {
		return nil
	}
	id := r.CreatedBy.Int64
	return &id
}

// versionsAll lists every version of t on q, oldest first, each decoded.
func versionsAll[V any](ctx context.Context, q sqlx.QueryerContext, t versionTable, decode func(versionRow) (V, error)) ([]V, error) {
	var rows []versionRow
	if err := sqlx.SelectContext(ctx, q, &rows, t.all); err != nil {
		return nil, Translate(err)
	}
	out := make([]V, 0, len(rows))
	for _, r := range rows {
		v, err := decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// versionAt reads on q the version of t in force at at, decoded; with none
// in force the error is none's.
func versionAt[V any](ctx context.Context, q sqlx.QueryerContext, t versionTable, at time.Time, decode func(versionRow) (V, error), none func() error) (V, error) {
	var (
		row  versionRow
		zero V
	)
	var err error
	if tx, ok := q.(*sqlx.Tx); ok && t.atPrepared != nil {
		err = t.atPrepared.in(ctx, tx).GetContext(ctx, &row, at)
	} else {
		err = sqlx.GetContext(ctx, q, &row, t.at, at)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return zero, none()
	}
	if err != nil {
		return zero, Translate(err)
	}
	return decode(row)
}

// decodeRules parses a stored rule table with parse and checks it agrees
// with its row's version and start columns (head points at the table's
// own); the start comes back in UTC. A stored version that no longer
// parses or disagrees with its columns is a defect of the database or of
// a code change, never of the request, so it is an internal error.
func decodeRules[D any](r versionRow, t versionTable, parse func([]byte) (D, error), head func(*D) (*string, *time.Time)) (D, error) {
	var zero D
	d, err := parse(r.Doc)
	if err != nil {
		return zero, apperr.Wrap(fmt.Errorf("stored %s version %q (id %d) is invalid: %w", t.name, r.Version, r.ID, err), t.what)
	}
	version, from := head(&d)
	if *version != r.Version || !from.Equal(r.EffectiveFrom) {
		return zero, apperr.Wrap(fmt.Errorf("stored %s version %q (id %d) disagrees with its columns", t.name, r.Version, r.ID), t.what)
	}
	*from = from.UTC()
	return d, nil
}

// versionHead is what a writer reads once it holds the table's lock: the
// latest version (invalid when there is none) and the database's clock.
type versionHead struct {
	Latest     sql.NullString
	LatestFrom sql.NullTime
	Now        time.Time
}

// latestStart is the latest version's start, zero when there is none.
func (h versionHead) latestStart() time.Time {
	if !h.LatestFrom.Valid {
		return time.Time{}
	}
	return h.LatestFrom.Time
}

// lockVersions takes t's writers' lock for the rest of tx and reads the
// head after it, so a writer that waited compares against what it writes
// after.
func lockVersions(ctx context.Context, tx *sqlx.Tx, t versionTable) (versionHead, error) {
	var h versionHead
	if _, err := tx.ExecContext(ctx, t.lock); err != nil {
		return h, Translate(err)
	}
	if err := tx.QueryRowxContext(ctx, t.latest).Scan(&h.Latest, &h.LatestFrom, &h.Now); err != nil {
		return h, Translate(err)
	}
	return h, nil
}

// newVersion is a version on its way into its table.
type newVersion struct {
	// version is its name; from points at its start, which addVersion
	// sets to the database's now when it is zero.
	version string
	from    *time.Time
	// check judges it against the head before anything is written.
	check func(versionHead) error
	// insert writes it (and its audit event, last) once the name is
	// known to be new.
	insert func(*sqlx.Tx, versionHead) error
}

// addVersion adds v to t in one transaction: under t's lock, a zero start
// becomes now, v.check judges it, a version name already taken is a
// conflict, and v.insert writes it.
func (s *Store) addVersion(ctx context.Context, t versionTable, v newVersion) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		h, err := lockVersions(ctx, tx, t)
		if err != nil {
			return err
		}
		if v.from.IsZero() {
			*v.from = h.Now.UTC().Truncate(time.Microsecond)
		}
		if err := v.check(h); err != nil {
			return err
		}
		var exists bool
		if err := tx.GetContext(ctx, &exists, t.exists, v.version); err != nil {
			return Translate(err)
		}
		if exists {
			return &apperr.Error{Kind: apperr.Conflict, Code: "version_exists", Field: "version",
				Message: fmt.Sprintf("version %q already exists; versions are never changed, so give the new %s a new version name", v.version, t.noun)}
		}
		return v.insert(tx, h)
	})
}

// startError words what versioned.CheckStart found wrong with a rule
// table's start: appliesTo says what a change applies to, afterLatest is
// added to the refusal of a start not after the latest version's, and
// invalidCode is the kind's code of an invalid table.
func startError(p versioned.Problem, from time.Time, h versionHead, appliesTo, afterLatest, invalidCode string) error {
	switch p {
	case versioned.StartPast:
		return &apperr.Error{Kind: apperr.Invalid, Code: "effective_from_past", Field: "effective_from",
			Message: fmt.Sprintf("%s is before now (%s): %s; give a future time, or leave effective_from out to apply from now",
				from.UTC().Format(time.RFC3339Nano), h.Now.UTC().Format(time.RFC3339), appliesTo)}
	case versioned.StartNotAfterLatest:
		return &apperr.Error{Kind: apperr.Conflict, Code: "effective_from_not_after_latest", Field: "effective_from",
			Message: fmt.Sprintf("%s is not after %s, when the latest version %q takes effect%s",
				from.UTC().Format(time.RFC3339Nano), h.LatestFrom.Time.UTC().Format(time.RFC3339Nano), h.Latest.String, afterLatest)}
	case versioned.StartTooPrecise:
		return &apperr.Error{Kind: apperr.Invalid, Code: invalidCode, Field: "effective_from",
			Message: "has more than microsecond precision, which the database cannot keep; round it to whole microseconds"}
	}
	return nil
}

// actorRef is the author of a change: nil for none (actorID 0).
func actorRef(actorID int64) *int64 {
	if actorID == 0 {
		return nil
	}
	return &actorID
}

// rulesChanged is the payload of a rule table's audit event: the whole
// table, so the log alone shows what every version said.
type rulesChanged[D any] struct {
	ID              int64     `json:"id"`
	Version         string    `json:"version"`
	EffectiveFrom   time.Time `json:"effective_from"`
	PreviousVersion string    `json:"previous_version,omitempty"`
	Rules           D         `json:"rules"`
}

// insertRules writes a rule table's version into t and then its audit
// event of type event (last: audit.Append holds the chain lock until
// commit). It returns the table with its start in UTC, the row's id and
// its creation time.
func insertRules[D any](ctx context.Context, tx *sqlx.Tx, t versionTable, event string, actor *int64, rules D, head func(*D) (*string, *time.Time), prev string) (D, int64, time.Time, error) {
	var (
		zero    D
		id      int64
		created time.Time
	)
	doc, err := json.Marshal(rules)
	if err != nil {
		return zero, 0, created, apperr.Wrap(err, "encode "+t.what)
	}
	version, from := head(&rules)
	if err := tx.QueryRowxContext(ctx, t.insert, *version, *from, string(doc), actor).Scan(&id, &created); err != nil {
		return zero, 0, created, Translate(err)
	}
	*from = from.UTC()
	payload, err := json.Marshal(rulesChanged[D]{ID: id, Version: *version, EffectiveFrom: *from, PreviousVersion: prev, Rules: rules})
	if err != nil {
		return zero, 0, created, apperr.Wrap(err, "encode "+t.name+" audit event")
	}
	if _, err := audit.Append(ctx, tx, audit.Event{Type: event, ActorID: actor, Payload: payload}); err != nil {
		return zero, 0, created, Translate(err)
	}
	return rules, id, created.UTC(), nil
}
