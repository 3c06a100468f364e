package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/versioned"
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

// guardTable is the SQL and the words of guard_rule_versions.
func (s *Store) guardTable() versionTable {
	return versionTable{all: s.q.GuardRuleVersions, at: s.q.GuardRulesAt, lock: s.q.GuardRulesLock, latest: s.q.GuardRulesLatest,
		exists: s.q.GuardRulesVersionExists, insert: s.q.GuardRulesInsert, name: "guard rule", what: "guard rule table", noun: "table"}
}

func guardHead(r *guard.Rules) (*string, *time.Time) { return &r.Version, &r.EffectiveFrom }

// decodeGuard parses a stored table (see decodeRules).
func (s *Store) decodeGuard(r versionRow) (GuardRuleVersion, error) {
	rules, err := decodeRules(r, s.guardTable(), guard.ParseRules, guardHead)
	if err != nil {
		return GuardRuleVersion{}, err
	}
	return GuardRuleVersion{ID: r.ID, Rules: rules, CreatedBy: r.createdBy(), CreatedAt: r.CreatedAt.UTC()}, nil
}

// GuardRuleVersions lists every version of the guard table, oldest first.
func (s *Store) GuardRuleVersions(ctx context.Context) ([]GuardRuleVersion, error) {
	return versionsAll(ctx, s.DB, s.guardTable(), s.decodeGuard)
}

// GuardRulesAt returns the guard table in force at at. With none in force
// (a database whose only versions start later) it is a 422 refusal.
func (s *Store) GuardRulesAt(ctx context.Context, at time.Time) (guard.Rules, error) {
	v, err := s.guardRuleVersionAt(ctx, s.DB, at)
	return v.Rules, err
}

func (s *Store) guardRuleVersionAt(ctx context.Context, q sqlx.QueryerContext, at time.Time) (GuardRuleVersion, error) {
	return versionAt(ctx, q, s.guardTable(), at, s.decodeGuard, func() error {
		return &apperr.Error{Kind: apperr.Refused, Code: "no_guard_rules_in_force",
			Message: fmt.Sprintf("no guard rule table was in force at %s; an admin must add one that takes effect at or before it", at.UTC().Format(time.RFC3339))}
	})
}

// AddGuardRules stores a new version of the guard table and audits it as
// guard_rules.changed, in one transaction: the table must validate (every
// limit's dimension matching its drug's dose unit), its version name must be
// new, and it must take effect now or later, after every existing version.
// A zero EffectiveFrom means "from now".
func (s *Store) AddGuardRules(ctx context.Context, actorID int64, rules guard.Rules) (GuardRuleVersion, error) {
	var out GuardRuleVersion
	err := s.addVersion(ctx, s.guardTable(), newVersion{version: rules.Version, from: &rules.EffectiveFrom,
		check: func(h versionHead) error { return checkNewGuardRules(rules, h) },
		insert: func(tx *sqlx.Tx, h versionHead) (err error) {
			out, err = s.insertGuardRules(ctx, tx, actorRef(actorID), rules, h.Latest.String)
			return err
		}})
	return out, err
}

// insertGuardRules writes the version and its audit event (see insertRules).
func (s *Store) insertGuardRules(ctx context.Context, tx *sqlx.Tx, actor *int64, rules guard.Rules, prev string) (GuardRuleVersion, error) {
	rules, id, created, err := insertRules(ctx, tx, s.guardTable(), TypeGuardRulesChanged, actor, rules, guardHead, prev)
	if err != nil {
		return GuardRuleVersion{}, err
	}
	return GuardRuleVersion{ID: id, Rules: rules, CreatedBy: actor, CreatedAt: created}, nil
}

func checkNewGuardRules(rules guard.Rules, h versionHead) error {
	if err := rules.Validate(); err != nil {
		var ge *guard.Error
		if errors.As(err, &ge) {
			return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_rules", Field: ge.Field, Message: ge.Message, Err: err}
		}
		return apperr.Wrap(err, "validate guard rule table")
	}
	from := rules.EffectiveFrom
	return startError(versioned.CheckStart(from, h.Now, h.latestStart()), from, h,
		"a change applies only to worksheets computed after it", "", "invalid_rules")
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
