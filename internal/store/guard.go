package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/guard"
)

// TypeGuardRulesChanged is the audit event written when a guard table
// version is added.
const TypeGuardRulesChanged = "guard_rules.changed"

// GuardRuleVersion is one stored version of the guard table.
type GuardRuleVersion struct {
	ID        int64       `json:"id"`
	Rules     guard.Rules `json:"rules"`
	CreatedBy *int64      `json:"created_by,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
}

// decodeGuard parses a stored table; one that no longer parses is a defect
// of the database or of a code change, so an internal error.
func (r budRuleRow) decodeGuard() (GuardRuleVersion, error) {
	rules, err := guard.ParseRules(r.Rules)
	if err != nil {
		return GuardRuleVersion{}, apperr.Wrap(fmt.Errorf("stored guard rule version %q (id %d) is invalid: %w", r.Version, r.ID, err), "guard rule table")
	}
	if rules.Version != r.Version || !rules.EffectiveFrom.Equal(r.EffectiveFrom) {
		return GuardRuleVersion{}, apperr.Wrap(fmt.Errorf("stored guard rule version %q (id %d) disagrees with its columns", r.Version, r.ID), "guard rule table")
	}
	rules.EffectiveFrom = rules.EffectiveFrom.UTC()
	v := GuardRuleVersion{ID: r.ID, Rules: rules, CreatedAt: r.CreatedAt.UTC()}
	if r.CreatedBy.Valid {
		id := r.CreatedBy.Int64
		v.CreatedBy = &id
	}
	return v, nil
}

// GuardRuleVersions lists every version of the guard table, oldest first.
func (s *Store) GuardRuleVersions(ctx context.Context) ([]GuardRuleVersion, error) {
	var rows []budRuleRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.GuardRuleVersions); err != nil {
		return nil, Translate(err)
	}
	out := make([]GuardRuleVersion, 0, len(rows))
	for _, r := range rows {
		v, err := r.decodeGuard()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// GuardRulesAt returns the guard table in force at at. With none in force
// (a database whose only versions start later) it is a 422 refusal.
func (s *Store) GuardRulesAt(ctx context.Context, at time.Time) (guard.Rules, error) {
	v, err := s.guardRuleVersionAt(ctx, s.DB, at)
	return v.Rules, err
}

func (s *Store) guardRuleVersionAt(ctx context.Context, q sqlx.QueryerContext, at time.Time) (GuardRuleVersion, error) {
	var row budRuleRow
	err := sqlx.GetContext(ctx, q, &row, s.q.GuardRulesAt, at)
	if errors.Is(err, sql.ErrNoRows) {
		return GuardRuleVersion{}, &apperr.Error{Kind: apperr.Refused, Code: "no_guard_rules_in_force",
			Message: fmt.Sprintf("no guard rule table was in force at %s; an admin must add one that takes effect at or before it", at.UTC().Format(time.RFC3339))}
	}
	if err != nil {
		return GuardRuleVersion{}, Translate(err)
	}
	return row.decodeGuard()
}

// AddGuardRules stores a new version of the guard table and audits it as
// guard_rules.changed, in one transaction: the table must validate (every
// limit's dimension matching its drug's dose unit), its version name must be
// new, and it must take effect now or later, after every existing version.
// A zero EffectiveFrom means "from now".
func (s *Store) AddGuardRules(ctx context.Context, actorID int64, rules guard.Rules) (GuardRuleVersion, error) {
	var out GuardRuleVersion
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.GuardRulesLock); err != nil {
			return Translate(err)
		}
		var (
			latestVersion sql.NullString
			latestFrom    sql.NullTime
			now           time.Time
		)
		if err := tx.QueryRowxContext(ctx, s.q.GuardRulesLatest).Scan(&latestVersion, &latestFrom, &now); err != nil {
			return Translate(err)
		}
		if rules.EffectiveFrom.IsZero() {
			rules.EffectiveFrom = now.UTC().Truncate(time.Microsecond)
		}
		if err := checkNewGuardRules(rules, now, latestVersion, latestFrom); err != nil {
			return err
		}
		var exists bool
		if err := tx.GetContext(ctx, &exists, s.q.GuardRulesVersionExists, rules.Version); err != nil {
			return Translate(err)
		}
		if exists {
			return &apperr.Error{Kind: apperr.Conflict, Code: "version_exists", Field: "version",
				Message: fmt.Sprintf("version %q already exists; versions are never changed, so give the new table a new version name", rules.Version)}
		}
		var actor *int64
		if actorID != 0 {
			actor = &actorID
		}
		v, err := s.insertGuardRules(ctx, tx, actor, rules, latestVersion.String)
		out = v
		return err
	})
	return out, err
}

func checkNewGuardRules(rules guard.Rules, now time.Time, latestVersion sql.NullString, latestFrom sql.NullTime) error {
	if err := rules.Validate(); err != nil {
		var ge *guard.Error
		if errors.As(err, &ge) {
			return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_rules", Field: ge.Field, Message: ge.Message, Err: err}
		}
		return apperr.Wrap(err, "validate guard rule table")
	}
	from := rules.EffectiveFrom
	if from.Before(now) {
		return &apperr.Error{Kind: apperr.Invalid, Code: "effective_from_past", Field: "effective_from",
			Message: fmt.Sprintf("%s is before now (%s): a change applies only to worksheets computed after it; give a future time, or leave effective_from out to apply from now",
				from.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339))}
	}
	if latestFrom.Valid && !from.After(latestFrom.Time) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "effective_from_not_after_latest", Field: "effective_from",
			Message: fmt.Sprintf("%s is not after %s, when the latest version %q takes effect",
				from.UTC().Format(time.RFC3339Nano), latestFrom.Time.UTC().Format(time.RFC3339Nano), latestVersion.String)}
	}
	if !from.Equal(from.Truncate(time.Microsecond)) {
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_rules", Field: "effective_from",
			Message: "has more than microsecond precision, which the database cannot keep; round it to whole microseconds"}
	}
	return nil
}

// guardRulesChanged is the payload of a guard_rules.changed audit event:
// the whole table, so the log alone shows what every version said.
type guardRulesChanged struct {
	ID              int64       `json:"id"`
	Version         string      `json:"version"`
	EffectiveFrom   time.Time   `json:"effective_from"`
	PreviousVersion string      `json:"previous_version,omitempty"`
	Rules           guard.Rules `json:"rules"`
}

func (s *Store) insertGuardRules(ctx context.Context, tx *sqlx.Tx, actor *int64, rules guard.Rules, prev string) (GuardRuleVersion, error) {
	doc, err := json.Marshal(rules)
	if err != nil {
		return GuardRuleVersion{}, apperr.Wrap(err, "encode guard rule table")
	}
	v := GuardRuleVersion{Rules: rules, CreatedBy: actor}
	v.Rules.EffectiveFrom = rules.EffectiveFrom.UTC()
	if err := tx.QueryRowxContext(ctx, s.q.GuardRulesInsert,
		rules.Version, rules.EffectiveFrom, string(doc), actor).Scan(&v.ID, &v.CreatedAt); err != nil {
		return GuardRuleVersion{}, Translate(err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	payload, err := json.Marshal(guardRulesChanged{ID: v.ID, Version: rules.Version,
		EffectiveFrom: v.Rules.EffectiveFrom, PreviousVersion: prev, Rules: v.Rules})
	if err != nil {
		return GuardRuleVersion{}, apperr.Wrap(err, "encode guard rule audit event")
	}
	if _, err := audit.Append(ctx, tx, audit.Event{Type: TypeGuardRulesChanged, ActorID: actor, Payload: payload}); err != nil {
		return GuardRuleVersion{}, Translate(err)
	}
	return v, nil
}

// SameDrugDoses locks the patient's orders for the rest of the transaction
// (so orders placed together are judged one after the other) and returns
// the doses of the patient's open orders of drug due within 24 hours of
// at, as their worksheets deliver them.
func (t *Tx) SameDrugDoses(ctx context.Context, mrn, drug string, at time.Time) ([]guard.Dose, error) {
	if _, err := t.tx.ExecContext(ctx, t.s.q.GuardPatientLock, mrn); err != nil {
		return nil, Translate(err)
	}
	var rows []struct {
		DueAt     time.Time `db:"due_at"`
		Delivered string    `db:"delivered"`
	}
	name := strings.ToLower(strings.Join(strings.Fields(drug), " "))
	if err := t.tx.SelectContext(ctx, &rows, t.s.q.GuardPatientDoses, mrn, name, at.Add(-24*time.Hour), at.Add(24*time.Hour)); err != nil {
		return nil, Translate(err)
	}
	out := make([]guard.Dose, 0, len(rows))
	for _, r := range rows {
		q, err := calc.Parse(r.Delivered)
		if err != nil {
			continue // a worksheet from before the delivered dose was recorded
		}
		out = append(out, guard.Dose{Amount: q, At: r.DueAt})
	}
	return out, nil
}
