package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"
)

// LotUse is one preparation a lot went into, for a recall.
type LotUse struct {
	PreparationID int64      `db:"preparation_id" json:"preparation_id"`
	Status        string     `db:"status" json:"status"`
	Drug          string     `db:"drug" json:"drug"`
	Dose          string     `db:"dose" json:"dose"`
	PatientName   string     `db:"patient_name" json:"patient_name"`
	PatientMRN    string     `db:"patient_mrn" json:"patient_mrn"`
	Location      string     `db:"patient_location" json:"patient_location"`
	ProductID     *int64     `db:"product_id" json:"product_id"`
	Product       *string    `db:"product" json:"product"`
	NDC           *string    `db:"ndc" json:"ndc"`
	Lot           string     `db:"lot" json:"lot"`
	ScannedAt     time.Time  `db:"scanned_at" json:"scanned_at"`
	Containers    int64      `db:"containers" json:"containers"`
	PreparedBy    string     `db:"prepared_by" json:"prepared_by"`
	ReleasedAt    *time.Time `db:"released_at" json:"released_at"`
	ReleasedBy    string     `db:"released_by" json:"released_by"`
	BUD           *time.Time `db:"bud" json:"bud"`
}

// LotUses lists every preparation an accepted scan of lot went into, newest
// first.
func (s *Store) LotUses(ctx context.Context, lot string) ([]LotUse, error) {
	out := []LotUse{}
	if err := s.DB.SelectContext(ctx, &out, s.q.SafetyLotPreparations, lot); err != nil {
		return nil, Translate(err)
	}
	for i := range out {
		out[i].ScannedAt = out[i].ScannedAt.UTC()
	}
	return out, nil
}

// OverrideRow is a pharmacist's override with what it was for.
type OverrideRow struct {
	ID            int64           `db:"id" json:"id"`
	PreparationID int64           `db:"preparation_id" json:"preparation_id"`
	At            time.Time       `db:"at" json:"at"`
	Pharmacist    string          `db:"pharmacist" json:"pharmacist"`
	Reason        string          `db:"reason" json:"reason"`
	Holds         json.RawMessage `db:"holds" json:"holds"`
	Drug          string          `db:"drug" json:"drug"`
	Dose          string          `db:"dose" json:"dose"`
	PatientName   string          `db:"patient_name" json:"patient_name"`
	PatientMRN    string          `db:"patient_mrn" json:"patient_mrn"`
	Status        string          `db:"status" json:"status"`
}

// OverridesBetween lists the pharmacists' overrides in [from, to), newest
// first.
func (s *Store) OverridesBetween(ctx context.Context, from, to time.Time) ([]OverrideRow, error) {
	out := []OverrideRow{}
	if err := s.DB.SelectContext(ctx, &out, s.q.SafetyOverrides, from, to); err != nil {
		return nil, Translate(err)
	}
	for i := range out {
		out[i].At = out[i].At.UTC()
	}
	return out, nil
}

// UserCount is a count for one person ("" when the person is unknown).
type UserCount struct {
	Username string `db:"username"`
	N        int64  `db:"n"`
}

// TypedCount is how many scans and weights one person typed instead of
// having a device read them.
type TypedCount struct {
	Username string `db:"username"`
	Scans    int64  `db:"scans"`
	Weights  int64  `db:"weights"`
}

// CaughtCount is how many errors of one kind (a refusal code,
// out_of_tolerance or rejected) one technician made that were caught.
type CaughtCount struct {
	Code     string `db:"code"`
	Username string `db:"username"`
	N        int64  `db:"n"`
}

// Turnaround is the time from order to release of one priority's doses.
type Turnaround struct {
	Priority string `db:"priority"`
	N        int64  `db:"n"`
	MedianS  int64  `db:"median_s"`
	P90S     int64  `db:"p90_s"`
}

// WasteCount is the waste recorded for one reason.
type WasteCount struct {
	Reason     string `db:"reason"`
	Doses      int64  `db:"doses"`
	Containers int64  `db:"containers"`
	Remakes    int64  `db:"remakes"`
}

// SafetyNumbers are the counts behind the safety dashboard for a period.
type SafetyNumbers struct {
	Doses      []UserCount
	Caught     []CaughtCount
	Typed      []TypedCount
	Turnaround []Turnaround
	Waste      []WasteCount
	Overrides  []OverrideRow
}

// SafetyNumbersBetween aggregates the period [from, to) in PostgreSQL, in
// one read-only snapshot so that the numbers agree with each other.
func (s *Store) SafetyNumbersBetween(ctx context.Context, from, to time.Time) (SafetyNumbers, error) {
	var n SafetyNumbers
	tx, err := s.DB.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return n, Translate(err)
	}
	defer tx.Rollback()
	for _, q := range []struct {
		dst any
		sql string
	}{
		{&n.Doses, s.q.SafetyDoses}, {&n.Caught, s.q.SafetyCaught}, {&n.Typed, s.q.SafetyTyped},
		{&n.Turnaround, s.q.SafetyTurnaround}, {&n.Waste, s.q.SafetyWaste}, {&n.Overrides, s.q.SafetyOverrides},
	} {
		if err := tx.SelectContext(ctx, q.dst, q.sql, from, to); err != nil {
			return n, Translate(err)
		}
	}
	for i := range n.Overrides {
		n.Overrides[i].At = n.Overrides[i].At.UTC()
	}
	return n, tx.Commit()
}
