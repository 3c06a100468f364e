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
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Tx is one transaction on the store. A service opens it with Begin, loads
// and saves through its methods, appends the log's events last and
// commits; the store itself decides nothing. This file holds everything a
// scan does in the database, in the order it does it: claim the
// Idempotency-Key, lock the preparation, count the step's scans, open or
// lock the container, insert the scan, append to the log, commit.
type Tx struct {
	s  *Store
	tx *sqlx.Tx
	// logged is set once an event is appended: the commit then waits
	// for the seal that chains it.
	logged bool
}

// Begin opens a transaction.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, Translate(err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Commit commits the transaction and, when it appended to the log,
// returns once its events are in the chain.
func (t *Tx) Commit(ctx context.Context) error {
	sealed, err := t.CommitBeforeSeal()
	if err != nil {
		return err
	}
	return sealed(ctx)
}

// CommitBeforeSeal commits the transaction and returns the wait for the
// seal of its log events, for a caller that has something to release in
// between (a write slot): the change is durable when it returns, and in
// the chain once sealed returns nil. Without events sealed returns at
// once.
func (t *Tx) CommitBeforeSeal() (sealed func(context.Context) error, err error) {
	if err := t.tx.Commit(); err != nil {
		return nil, Translate(err)
	}
	if !t.logged {
		return func(context.Context) error { return nil }, nil
	}
	return t.s.SealLog, nil
}

// Rollback abandons the transaction; after Commit it does nothing.
func (t *Tx) Rollback() { _ = t.tx.Rollback() }

// Append appends the events to the compounding log, in order; Commit
// returns once they are sealed into the chain (see package audit).
func (t *Tx) Append(ctx context.Context, events ...workflow.Event) error {
	for _, ev := range events {
		t.logged = true
		payload, err := json.Marshal(ev.Payload)
		if err != nil {
			return apperr.Wrap(err, "encode a log event")
		}
		e := audit.Event{Type: ev.Type, Payload: payload}
		if ev.Actor != 0 {
			actor := ev.Actor
			e.ActorID = &actor
		}
		if ev.PreparationID != 0 {
			prep := ev.PreparationID
			e.PreparationID = &prep
		}
		if _, err := audit.AppendPrepared(ctx, t.tx, t.s.st.auditEnqueue.stmt, e); err != nil {
			return apperr.Wrap(err, "append to the compounding log")
		}
	}
	return nil
}

// GuardRuleVersionAt is the guard table in force at at, read in the
// transaction: an admin's new version applies at once.
func (t *Tx) GuardRuleVersionAt(ctx context.Context, at time.Time) (GuardRuleVersion, error) {
	return t.s.guardRuleVersionAt(ctx, t.tx, at)
}

// BUDRuleVersionAt is the BUD rule version in force at at, read in the
// transaction: an admin's new version applies at once.
func (t *Tx) BUDRuleVersionAt(ctx context.Context, at time.Time) (BUDRuleVersion, error) {
	return t.s.budRuleVersionAt(ctx, t.tx, at)
}

// ClaimIdem claims k for this transaction. claimed is false when another
// request holds it; a concurrent duplicate waits here on the key's primary
// key until the first one commits or rolls back.
func (t *Tx) ClaimIdem(ctx context.Context, k IdemKey, requestHash string) (claimed bool, err error) {
	var uid int64
	err = t.s.getHot(ctx, t.tx, &uid, &t.s.st.idemClaim, k.UserID, k.Route, k.Key, requestHash)
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
	return Translate(t.s.execHot(ctx, t.tx, &t.s.st.idemSave, k.UserID, k.Route, k.Key, result, refusal))
}

// prepColumns is a preparations row joined with its order. The columns
// land in the domain's Preparation directly; only its two JSON documents
// (the worksheet and the final BUD) are decoded after the scan.
type prepColumns struct {
	workflow.Preparation
	WorksheetJSON []byte `db:"worksheet"`
	BUDJSON       []byte `db:"bud_result"`
}

func (r *prepColumns) decode() (*workflow.Preparation, error) {
	p := &r.Preparation
	p.DueAt, p.CreatedAt = p.DueAt.UTC(), p.CreatedAt.UTC()
	if err := json.Unmarshal(r.WorksheetJSON, &p.Worksheet); err != nil {
		return nil, apperr.Wrap(fmt.Errorf("preparation %d worksheet: %w", p.ID, err), "stored worksheet is unreadable")
	}
	if len(r.BUDJSON) > 0 {
		var b bud.Result
		if err := json.Unmarshal(r.BUDJSON, &b); err != nil {
			return nil, apperr.Wrap(fmt.Errorf("preparation %d BUD: %w", p.ID, err), "stored BUD is unreadable")
		}
		p.BUD = &b
	}
	return p, nil
}

// LockPreparation loads a preparation and locks its row until the
// transaction ends.
func (t *Tx) LockPreparation(ctx context.Context, id int64) (*workflow.Preparation, error) {
	var row prepColumns
	if err := t.s.getHot(ctx, t.tx, &row, &t.s.st.prepLock, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "no preparation %d", id)
		}
		return nil, Translate(err)
	}
	return row.decode()
}

// SavePreparation writes a preparation's changeable fields and bumps its
// version; a row changed by someone else since it was loaded is a 409
// retry.
func (t *Tx) SavePreparation(ctx context.Context, p *workflow.Preparation) error {
	ws, err := json.Marshal(p.Worksheet)
	if err != nil {
		return apperr.Wrap(err, "encode worksheet")
	}
	var budJSON []byte
	var budAt *time.Time
	if p.BUD != nil {
		if budJSON, err = json.Marshal(p.BUD); err != nil {
			return apperr.Wrap(err, "encode BUD")
		}
		t := p.BUD.BUD
		budAt = &t
	}
	res, err := t.tx.ExecContext(ctx, t.s.q.WfPrepSave, p.ID, p.Version, string(p.Status),
		p.ClaimedBy, p.ClaimedAt, p.StartedAt, p.PreparedBy, p.CompletedAt, p.VerifiedBy, p.VerifiedAt,
		p.ReleasedBy, p.ReleasedAt, budAt, budJSON, p.LabelSeq, ws)
	if err != nil {
		return Translate(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.WithCode(apperr.Conflict, "retry", "preparation %d changed while you were working on it; try again", p.ID)
	}
	p.Version++
	return nil
}

// AcceptedScans counts the accepted scans of one step of a preparation.
func (t *Tx) AcceptedScans(ctx context.Context, prepID int64, stepID string) (int, error) {
	var n int
	if err := t.s.getHot(ctx, t.tx, &n, &t.s.st.acceptedScans, prepID, stepID); err != nil {
		return 0, Translate(err)
	}
	return n, nil
}

// ScanFacts is what a scan's decision reads about its preparation once
// the preparation is locked, read in one round trip (LockedScanFacts).
type ScanFacts struct {
	// Held is true when the preparation has an open hold (OpenHold reads it).
	Held bool
	// AcceptedInStep counts the step's accepted scans.
	AcceptedInStep int
	// ScansOfGTIN are the preparation's accepted scans of the scanned GTIN.
	ScansOfGTIN []workflow.ScanRecord
	// budID and budVersion name the BUD rule version in force at the
	// scan (none when no version is); BUDRules reads it.
	budID      sql.NullInt64
	budVersion sql.NullString
}

// LockedScanFacts reads a locked preparation's ScanFacts for a scan of gtin
// for stepID at at. It runs after LockPreparation, as a statement of its
// own, so it sees every change committed by a transaction that held the
// preparation's lock before.
func (t *Tx) LockedScanFacts(ctx context.Context, prepID int64, stepID, gtin string, at time.Time) (ScanFacts, error) {
	var row struct {
		Held           bool           `db:"held"`
		AcceptedInStep int            `db:"accepted_in_step"`
		GTINScans      []byte         `db:"gtin_scans"`
		BUDID          sql.NullInt64  `db:"bud_rules_id"`
		BUDVersion     sql.NullString `db:"bud_rules_version"`
	}
	if err := t.s.getHot(ctx, t.tx, &row, &t.s.st.scanFacts, prepID, stepID, gtin, at); err != nil {
		return ScanFacts{}, Translate(err)
	}
	f := ScanFacts{Held: row.Held, AcceptedInStep: row.AcceptedInStep, budID: row.BUDID, budVersion: row.BUDVersion}
	if err := json.Unmarshal(row.GTINScans, &f.ScansOfGTIN); err != nil {
		return ScanFacts{}, apperr.Wrap(err, "read the preparation's scans")
	}
	return f, nil
}

// BUDRules is the BUD rule version in force at the scan the facts were
// read for (with none, the refusal of BUDRuleVersionAt). A version is
// decoded once per process: stored versions never change.
func (t *Tx) BUDRules(ctx context.Context, f ScanFacts, at time.Time) (BUDRuleVersion, error) {
	if !f.budID.Valid {
		return BUDRuleVersion{}, noBUDRulesAt(at)
	}
	if v, ok := t.s.budByID.Load(f.budID.Int64); ok {
		if rv := v.(BUDRuleVersion); rv.Rules.Version == f.budVersion.String {
			return rv, nil
		}
	}
	var row versionRow
	if err := t.tx.GetContext(ctx, &row, t.s.q.BUDRulesByID, f.budID.Int64); err != nil {
		return BUDRuleVersion{}, Translate(err)
	}
	rv, err := t.s.decodeBUD(row)
	if err != nil {
		return BUDRuleVersion{}, err
	}
	t.s.budByID.Store(rv.ID, rv)
	return rv, nil
}

// InsertScan records a scan, accepted or refused, and sets its id.
func (t *Tx) InsertScan(ctx context.Context, prepID int64, rec *workflow.ScanRecord) error {
	return Translate(t.s.getHot(ctx, t.tx, &rec.ID, &t.s.st.scanInsert, prepID, rec.StepID, rec.UserID, rec.Data,
		rec.Accepted, rec.Code, rec.Message, rec.ProductID, rec.GTIN, rec.Lot, rec.Serial, rec.ExpiresAt,
		rec.ContainerID, rec.Warning, rec.At, rec.ContainerNo, rec.Source, rec.TypedReason, rec.WitnessID))
}

// OpenContainer records a serialised container as opened now, inside
// ISO 5, by the preparation, and returns its id. opened is false (and the
// id 0) when the container was opened before: then LockContainer reads it.
func (t *Tx) OpenContainer(ctx context.Context, r workflow.Resolved, prepID, actor int64, now time.Time) (id int64, opened bool, err error) {
	err = t.s.getHot(ctx, t.tx, &id, &t.s.st.containerInsert, r.Product.ID, r.GTIN, r.Lot, r.Serial,
		string(r.Product.Container), now, actor, prepID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, Translate(err)
	}
	return id, true, nil
}

// LockContainer reads an opened container and locks it until the
// transaction ends.
func (t *Tx) LockContainer(ctx context.Context, gtin, lot, serial string) (*workflow.OpenedContainer, error) {
	var oc workflow.OpenedContainer
	if err := t.s.getHot(ctx, t.tx, &oc, &t.s.st.containerLock, gtin, lot, serial); err != nil {
		return nil, Translate(err)
	}
	return &oc, nil
}
