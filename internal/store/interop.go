package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// InboxMessage is one message received from the hospital's systems.
type InboxMessage struct {
	ID           int64      `db:"id" json:"id"`
	Channel      string     `db:"channel" json:"channel"`
	Sender       string     `db:"sender" json:"sender"`
	ControlID    string     `db:"control_id" json:"control_id"`
	MessageType  string     `db:"message_type" json:"message_type"`
	Body         []byte     `db:"body" json:"-"`
	Status       string     `db:"status" json:"status"`
	AckCode      string     `db:"ack_code" json:"ack_code"`
	Ack          []byte     `db:"ack" json:"-"`
	ErrorCode    string     `db:"error_code" json:"error_code,omitempty"`
	ErrorField   string     `db:"error_field" json:"error_field,omitempty"`
	ErrorMessage string     `db:"error_message" json:"error_message,omitempty"`
	OrderID      *int64     `db:"order_id" json:"order_id,omitempty"`
	ReceivedAt   time.Time  `db:"received_at" json:"received_at"`
	AppliedAt    *time.Time `db:"applied_at" json:"applied_at,omitempty"`
	Attempts     int        `db:"attempts" json:"attempts"`
	ReplayedBy   *int64     `db:"replayed_by" json:"replayed_by,omitempty"`
	ReplayedAt   *time.Time `db:"replayed_at" json:"replayed_at,omitempty"`
}

// InboxReceive stores a message before it is applied. When the same
// control ID from the same sender is already stored, it returns that
// message instead and created is false.
func (s *Store) InboxReceive(ctx context.Context, m InboxMessage) (got InboxMessage, created bool, err error) {
	var id int64
	err = s.DB.GetContext(ctx, &id, s.q.IfaceInboxInsert, m.Channel, m.Sender, m.ControlID, m.MessageType, m.Body, m.ReceivedAt)
	switch {
	case err == nil:
		m.ID, m.Status = id, "received"
		return m, true, nil
	case errors.Is(err, sql.ErrNoRows):
		err = s.DB.GetContext(ctx, &got, s.q.IfaceInboxByKey, m.Channel, m.Sender, m.ControlID)
		return got, false, Translate(err)
	}
	return InboxMessage{}, false, Translate(err)
}

// InboxReject stores a message that could not be read, with the
// rejection sent, and returns its ID.
func (s *Store) InboxReject(ctx context.Context, m InboxMessage) (int64, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, s.q.IfaceInboxInsertRejected, m.Channel, m.Sender, m.ControlID, m.MessageType,
		m.Body, m.Ack, m.ErrorCode, m.ErrorField, m.ErrorMessage, m.ReceivedAt)
	return id, Translate(err)
}

// InboxOutcome is how a stored message ended.
type InboxOutcome struct {
	Status                string // applied, error, rejected
	AckCode               string
	Ack                   []byte
	ErrorCode, ErrorField string
	ErrorMessage          string
	OrderID               *int64
	At                    time.Time
}

// InboxFinish records how a message ended and the acknowledgment sent.
func (s *Store) InboxFinish(ctx context.Context, id int64, o InboxOutcome) error {
	var applied *time.Time
	if o.Status == "applied" {
		applied = &o.At
	}
	_, err := s.DB.ExecContext(ctx, s.q.IfaceInboxFinish, id, o.Status, o.AckCode, o.Ack,
		o.ErrorCode, o.ErrorField, o.ErrorMessage, o.OrderID, applied)
	return Translate(err)
}

// InboxMessageByID returns one stored message.
func (s *Store) InboxMessageByID(ctx context.Context, id int64) (InboxMessage, error) {
	var m InboxMessage
	if err := s.DB.GetContext(ctx, &m, s.q.IfaceInboxGet, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, apperr.New(apperr.NotFound, "no interface message %d", id)
		}
		return m, Translate(err)
	}
	return m, nil
}

// InboxMarkReplayed records who replayed a message.
func (s *Store) InboxMarkReplayed(ctx context.Context, id, by int64, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceInboxReplayed, id, by, at)
	return Translate(err)
}

// InboxPending lists messages stored but never finished (the server
// stopped in between), oldest first.
func (s *Store) InboxPending(ctx context.Context, limit int) ([]int64, error) {
	var ids []int64
	err := s.DB.SelectContext(ctx, &ids, s.q.IfaceInboxPending, limit)
	return ids, Translate(err)
}

// InboxFilter narrows the inbox listing.
type InboxFilter struct {
	Status string // "" for all
	Before int64  // list ids below this (paging); 0 for the newest
	Limit  int
}

// Inbox lists messages, newest first.
func (s *Store) Inbox(ctx context.Context, f InboxFilter) ([]InboxMessage, error) {
	q := "SELECT * FROM interface_inbox WHERE true"
	var args []any
	if f.Status != "" {
		args = append(args, f.Status)
		q += " AND status = $1"
	}
	if f.Before > 0 {
		args = append(args, f.Before)
		q += " AND id < $" + itoa(len(args))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	args = append(args, f.Limit)
	q += " ORDER BY id DESC LIMIT $" + itoa(len(args))
	var out []InboxMessage
	err := s.DB.SelectContext(ctx, &out, q, args...)
	return out, Translate(err)
}

func itoa(n int) string { return strconv.Itoa(n) }

// InboxCounts counts messages by status.
func (s *Store) InboxCounts(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.DB.SelectContext(ctx, &rows, s.q.IfaceInboxCounts); err != nil {
		return nil, Translate(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// ExternalOrder links a sender's order number to a Laminar order version.
type ExternalOrder struct {
	Sender    string    `db:"sender"`
	Placer    string    `db:"placer"`
	Version   int       `db:"version"`
	OrderID   int64     `db:"order_id"`
	State     string    `db:"state"`
	InboxID   *int64    `db:"inbox_id"`
	CreatedAt time.Time `db:"created_at"`
}

// LatestExternalOrder returns the newest version of a sender's order not
// created by inbox message notBy (so that applying a message again sees
// the order as it was before), or a NotFound error.
func (s *Store) LatestExternalOrder(ctx context.Context, sender, placer string, notBy int64) (ExternalOrder, error) {
	var e ExternalOrder
	if err := s.DB.GetContext(ctx, &e, s.q.IfaceExternalOrderLatest, sender, placer, notBy); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, apperr.New(apperr.NotFound, "no order %s from %s", placer, sender)
		}
		return e, Translate(err)
	}
	return e, nil
}

// ExternalOrderOf returns the sender's order number of a Laminar order, or
// a NotFound error for an order typed into Laminar.
func (s *Store) ExternalOrderOf(ctx context.Context, orderID int64) (ExternalOrder, error) {
	var e ExternalOrder
	if err := s.DB.GetContext(ctx, &e, s.q.IfaceExternalOrderByOrder, orderID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return e, apperr.New(apperr.NotFound, "order %d did not come from an interface", orderID)
		}
		return e, Translate(err)
	}
	return e, nil
}

// LinkExternalOrder records that a sender's order (this version) became a
// Laminar order. Linking the same order again changes nothing.
func (s *Store) LinkExternalOrder(ctx context.Context, e ExternalOrder) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceExternalOrderInsert, e.Sender, e.Placer, e.Version, e.OrderID, e.InboxID, e.CreatedAt)
	return Translate(err)
}

// SetExternalOrderState records the sender's view of an order: active,
// held or stopped.
func (s *Store) SetExternalOrderState(ctx context.Context, orderID int64, state string) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceExternalOrderState, orderID, state)
	return Translate(err)
}

// KnownPatient is what the interfaces last said about a patient.
type KnownPatient struct {
	MRN         string           `db:"mrn"`
	Name        string           `db:"name"`
	BirthDate   *time.Time       `db:"birth_date"`
	WeightValue *decimal.Decimal `db:"weight_value"`
	WeightUnit  *string          `db:"weight_unit"`
	HeightValue *decimal.Decimal `db:"height_value"`
	HeightUnit  *string          `db:"height_unit"`
	Location    string           `db:"location"`
	Discharged  bool             `db:"discharged"`
}

// PatientUpdate is a change to a known patient; nil values keep the old.
type PatientUpdate struct {
	MRN, Name, Location string
	BirthDate           *time.Time
	WeightValue         *decimal.Decimal
	WeightUnit          *string
	HeightValue         *decimal.Decimal
	HeightUnit          *string
	Discharged          bool
	At                  time.Time
}

// UpsertPatient records what a message said about a patient and moves the
// patient's open orders to the new location.
func (s *Store) UpsertPatient(ctx context.Context, u PatientUpdate) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.IfacePatientUpsert, u.MRN, u.Name, u.BirthDate, u.WeightValue, u.WeightUnit,
			u.HeightValue, u.HeightUnit, u.Location, u.Discharged, u.At); err != nil {
			return Translate(err)
		}
		_, err := tx.ExecContext(ctx, s.q.IfaceOrdersSetLocation, u.MRN, u.Location)
		return Translate(err)
	})
}

// KnownPatient returns what the interfaces last said about a patient, or a
// NotFound error.
func (s *Store) KnownPatient(ctx context.Context, mrn string) (KnownPatient, error) {
	var p KnownPatient
	if err := s.DB.GetContext(ctx, &p, s.q.IfacePatientGet, mrn); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return p, apperr.New(apperr.NotFound, "no patient %s", mrn)
		}
		return p, Translate(err)
	}
	return p, nil
}

// OpenOrdersOfPatient lists the IDs of a patient's open orders.
func (s *Store) OpenOrdersOfPatient(ctx context.Context, mrn string) ([]int64, error) {
	var ids []int64
	err := s.DB.SelectContext(ctx, &ids, s.q.IfaceOrdersOpenOfPatient, mrn)
	return ids, Translate(err)
}

// CodeMapping maps a site's drug code to a formulary drug.
type CodeMapping struct {
	System    string    `db:"system" json:"system"`
	Code      string    `db:"code" json:"code"`
	Drug      string    `db:"drug" json:"drug"`
	Note      string    `db:"note" json:"note"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// MappedDrug returns the drug a code maps to in system (or in any system,
// for a mapping stored with system ""), or a NotFound error.
func (s *Store) MappedDrug(ctx context.Context, system, code string) (CodeMapping, error) {
	var m CodeMapping
	if err := s.DB.GetContext(ctx, &m, s.q.IfaceCodeMapGet, system, code); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return m, apperr.New(apperr.NotFound, "no mapping for code %s", code)
		}
		return m, Translate(err)
	}
	return m, nil
}

// CodeMappings lists the mapping table.
func (s *Store) CodeMappings(ctx context.Context) ([]CodeMapping, error) {
	out := []CodeMapping{}
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceCodeMapList)
	return out, Translate(err)
}

// PutCodeMapping adds or replaces a mapping.
func (s *Store) PutCodeMapping(ctx context.Context, m CodeMapping, by int64) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceCodeMapPut, m.System, m.Code, m.Drug, m.Note, nullID(by), m.UpdatedAt)
	return Translate(err)
}

// DeleteCodeMapping removes a mapping.
func (s *Store) DeleteCodeMapping(ctx context.Context, system, code string) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceCodeMapDelete, system, code)
	return Translate(err)
}

// RecipeDrugs lists every drug that has a master formulation record.
func (s *Store) RecipeDrugs(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceRecipeDrugs)
	return out, Translate(err)
}

// FormularyDrugNames lists every drug name of the formulary, lower-case.
func (s *Store) FormularyDrugNames(ctx context.Context) ([]string, error) {
	var out []string
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceFormularyDrugNames)
	return out, Translate(err)
}

// APIKey is a long-lived key of an interface account (never the key itself).
type APIKey struct {
	ID         int64      `db:"id" json:"id"`
	UserID     int64      `db:"user_id" json:"user_id"`
	Username   string     `db:"username" json:"username"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
}

// CreateAPIKey stores the hash of a new key and returns its ID.
func (s *Store) CreateAPIKey(ctx context.Context, userID int64, name, prefix string, hash []byte, by int64, at time.Time) (int64, error) {
	var id int64
	err := s.DB.GetContext(ctx, &id, s.q.IfaceAPIKeyInsert, userID, name, prefix, hash, nullID(by), at)
	return id, Translate(err)
}

// APIKeys lists every key, revoked ones too.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	out := []APIKey{}
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceAPIKeyList)
	return out, Translate(err)
}

// RevokeAPIKey ends a key; a key already revoked or unknown is NotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, id, by int64, at time.Time) error {
	res, err := s.DB.ExecContext(ctx, s.q.IfaceAPIKeyRevoke, id, at, nullID(by))
	if err != nil {
		return Translate(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.New(apperr.NotFound, "no live API key %d", id)
	}
	return nil
}

// APIKeyUser is the account behind a live key.
type APIKeyUser struct {
	KeyID      int64          `db:"id"`
	UserID     int64          `db:"user_id"`
	Username   string         `db:"username"`
	Roles      pq.StringArray `db:"roles"`
	Active     bool           `db:"active"`
	LastUsedAt *time.Time     `db:"last_used_at"`
}

// APIKeyByHash returns the account of a live key, or a NotFound error.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (APIKeyUser, error) {
	var u APIKeyUser
	if err := s.DB.GetContext(ctx, &u, s.q.IfaceAPIKeyByHash, hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return u, apperr.New(apperr.NotFound, "unknown API key")
		}
		return u, Translate(err)
	}
	return u, nil
}

// TouchAPIKey records when a key was last used.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	_, err := s.DB.ExecContext(ctx, s.q.IfaceAPIKeyTouch, id, at)
	return Translate(err)
}

// DispensedRow is a released preparation with its order, for dispense
// reports.
type DispensedRow struct {
	PreparationID    int64            `db:"preparation_id"`
	OrderID          int64            `db:"order_id"`
	Status           string           `db:"status"`
	ReleasedAt       *time.Time       `db:"released_at"`
	MRN              string           `db:"patient_mrn"`
	Name             string           `db:"patient_name"`
	BirthDate        time.Time        `db:"patient_birth_date"`
	Location         string           `db:"patient_location"`
	Drug             string           `db:"drug"`
	DoseValue        decimal.Decimal  `db:"dose_value"`
	DoseUnit         string           `db:"dose_unit"`
	Route            string           `db:"route"`
	FinalVolumeValue *decimal.Decimal `db:"final_volume_value"`
	FinalVolumeUnit  *string          `db:"final_volume_unit"`
	Placer           string           `db:"placer"`
	Sender           string           `db:"sender"`
}

// DispensedOfPatient lists a patient's released preparations, oldest first.
func (s *Store) DispensedOfPatient(ctx context.Context, mrn string) ([]DispensedRow, error) {
	out := []DispensedRow{}
	err := s.DB.SelectContext(ctx, &out, s.q.IfaceDispensedOfPatient, mrn)
	return out, Translate(err)
}

// FirstPreparationOf returns the first preparation queued for an order.
func (s *Store) FirstPreparationOf(ctx context.Context, orderID int64) (int64, error) {
	var id int64
	if err := s.DB.GetContext(ctx, &id, s.q.IfaceFirstPreparationOfOrder, orderID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, apperr.New(apperr.NotFound, "order %d has no preparation", orderID)
		}
		return 0, Translate(err)
	}
	return id, nil
}

type orderRow struct {
	ID          int64            `db:"id"`
	MRN         string           `db:"patient_mrn"`
	Name        string           `db:"patient_name"`
	BirthDate   time.Time        `db:"patient_birth_date"`
	WeightValue *decimal.Decimal `db:"weight_value"`
	WeightUnit  *string          `db:"weight_unit"`
	HeightValue *decimal.Decimal `db:"height_value"`
	HeightUnit  *string          `db:"height_unit"`
	Location    string           `db:"patient_location"`
	Drug        string           `db:"drug"`
	DoseValue   decimal.Decimal  `db:"dose_value"`
	DoseUnit    string           `db:"dose_unit"`
	Route       string           `db:"route"`
	Diluent     string           `db:"diluent"`
	FVValue     *decimal.Decimal `db:"final_volume_value"`
	FVUnit      *string          `db:"final_volume_unit"`
	InfuseOver  string           `db:"infuse_over"`
	DueAt       time.Time        `db:"due_at"`
	Priority    string           `db:"priority"`
	Status      string           `db:"status"`
	CreatedAt   time.Time        `db:"created_at"`
}

func quantityOf(v *decimal.Decimal, u *string) (*calc.Quantity, error) {
	if v == nil || u == nil {
		return nil, nil
	}
	q, err := calc.Parse(calc.Quantity{Value: *v}.String() + " " + *u)
	if err != nil {
		return nil, apperr.Wrap(err, "stored quantity is unreadable")
	}
	return &q, nil
}

// OrderByID returns an order as stored.
func (s *Store) OrderByID(ctx context.Context, id int64) (workflow.Order, error) {
	var r orderRow
	if err := s.DB.GetContext(ctx, &r, s.q.IfaceOrderGet, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Order{}, apperr.New(apperr.NotFound, "no order %d", id)
		}
		return workflow.Order{}, Translate(err)
	}
	dose, err := calc.Parse(calc.Quantity{Value: r.DoseValue}.String() + " " + r.DoseUnit)
	if err != nil {
		return workflow.Order{}, apperr.Wrap(err, "stored dose is unreadable")
	}
	o := workflow.Order{ID: r.ID, Patient: workflow.Patient{MRN: r.MRN, Name: r.Name, BirthDate: r.BirthDate.Format("2006-01-02"), Location: r.Location},
		Drug: r.Drug, Dose: dose, Route: r.Route, Diluent: r.Diluent, DueAt: r.DueAt.UTC(), Priority: workflow.Priority(r.Priority),
		Status: r.Status, CreatedAt: r.CreatedAt.UTC()}
	if o.Patient.Weight, err = quantityOf(r.WeightValue, r.WeightUnit); err != nil {
		return o, err
	}
	if o.Patient.Height, err = quantityOf(r.HeightValue, r.HeightUnit); err != nil {
		return o, err
	}
	if o.FinalVolume, err = quantityOf(r.FVValue, r.FVUnit); err != nil {
		return o, err
	}
	if r.InfuseOver != "" {
		q, err := calc.Parse(r.InfuseOver)
		if err == nil {
			o.InfuseOver = &q
		}
	}
	return o, nil
}
