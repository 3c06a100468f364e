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
)

// TypeBUDRulesChanged is the audit event written when a BUD rule table
// version is added.
const TypeBUDRulesChanged = "bud_rules.changed"

// BUDRuleVersion is one stored version of the BUD rule table.
type BUDRuleVersion struct {
	ID    int64
	Rules bud.Rules
	// CreatedBy is the admin who added it; nil for the shipped default.
	CreatedBy *int64
	CreatedAt time.Time
}

// budRuleRow is a bud_rule_versions row as scanned.
type budRuleRow struct {
	ID            int64         `db:"id"`
	Version       string        `db:"version"`
	EffectiveFrom time.Time     `db:"effective_from"`
	Rules         []byte        `db:"rules"`
	CreatedBy     sql.NullInt64 `db:"created_by"`
	CreatedAt     time.Time     `db:"created_at"`
}

// decode parses the stored table. A stored version that no longer parses
// or disagrees with its columns is a defect of the database or of a code
// change, never of the request, so it is an internal error.
func (r budRuleRow) decode() (BUDRuleVersion, error) {
	rules, err := bud.ParseRules(r.Rules)
	if err != nil {
		return BUDRuleVersion{}, apperr.Wrap(fmt.Errorf("stored BUD rule version %q (id %d) is invalid: %w", r.Version, r.ID, err), "BUD rule table")
	}
	if rules.Version != r.Version || !rules.EffectiveFrom.Equal(r.EffectiveFrom) {
		return BUDRuleVersion{}, apperr.Wrap(fmt.Errorf("stored BUD rule version %q (id %d) disagrees with its columns", r.Version, r.ID), "BUD rule table")
	}
	rules.EffectiveFrom = rules.EffectiveFrom.UTC()
	v := BUDRuleVersion{ID: r.ID, Rules: rules, CreatedAt: r.CreatedAt.UTC()}
	if r.CreatedBy.Valid {
		id := r.CreatedBy.Int64
		v.CreatedBy = &id
	}
	return v, nil
}

// BUDRuleVersions lists every version of the rule table, oldest first.
func (s *Store) BUDRuleVersions(ctx context.Context) ([]BUDRuleVersion, error) {
	var rows []budRuleRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.BUDRuleVersions); err != nil {
		return nil, Translate(err)
	}
	out := make([]BUDRuleVersion, 0, len(rows))
	for _, r := range rows {
		v, err := r.decode()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// BUDRuleHistory returns every version of the rule table, oldest first,
// for bud.History.InForce and bud.History.Compute.
func (s *Store) BUDRuleHistory(ctx context.Context) (bud.History, error) {
	vs, err := s.BUDRuleVersions(ctx)
	if err != nil {
		return nil, err
	}
	h := make(bud.History, len(vs))
	for i, v := range vs {
		h[i] = v.Rules
	}
	return h, nil
}

// BUDRulesAt returns the version in force at at (a compounding start): the
// latest whose effective_from is at or before it. Without one it is a 422
// refusal with code no_rules_in_force naming compounded_at.
func (s *Store) BUDRulesAt(ctx context.Context, at time.Time) (bud.Rules, error) {
	v, err := s.BUDRuleVersionAt(ctx, at)
	return v.Rules, err
}

// BUDRuleVersionAt is BUDRulesAt with the stored version's id and author.
func (s *Store) BUDRuleVersionAt(ctx context.Context, at time.Time) (BUDRuleVersion, error) {
	return s.budRuleVersionAt(ctx, s.DB, at)
}

// budRuleVersionAt is BUDRuleVersionAt on q, so that a store method that
// computes a BUD inside its own transaction (the preparation workflow) can
// read the version in force there.
func (s *Store) budRuleVersionAt(ctx context.Context, q sqlx.QueryerContext, at time.Time) (BUDRuleVersion, error) {
	var row budRuleRow
	err := sqlx.GetContext(ctx, q, &row, s.q.BUDRulesAt, at)
	if errors.Is(err, sql.ErrNoRows) {
		_, ierr := bud.History(nil).InForce(at)
		return BUDRuleVersion{}, noRulesInForce(ierr, at)
	}
	if err != nil {
		return BUDRuleVersion{}, Translate(err)
	}
	return row.decode()
}

func noRulesInForce(cause error, at time.Time) error {
	return &apperr.Error{Kind: apperr.Refused, Code: bud.CodeNoRulesInForce, Field: "compounded_at", Err: cause,
		Message: fmt.Sprintf("no BUD rule table was in force at %s; an admin must add one that takes effect at or before it", at.UTC().Format(time.RFC3339))}
}

// AddBUDRules stores a new version of the rule table and audits it as
// bud_rules.changed, in one transaction. actorID is the admin (0 for none).
//
// A change applies only to preparations compounded after it, so that a BUD
// already printed stays reproducible: effective_from must not be in the
// past (by the database clock) and must be later than every existing
// version's. A zero EffectiveFrom means "from now". The table must pass
// bud.Rules.Validate, and its version name must be new.
func (s *Store) AddBUDRules(ctx context.Context, actorID int64, rules bud.Rules) (BUDRuleVersion, error) {
	var out BUDRuleVersion
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.BUDRulesLock); err != nil {
			return Translate(err)
		}
		var (
			latestVersion sql.NullString
			latestFrom    sql.NullTime
			now           time.Time
		)
		if err := tx.QueryRowxContext(ctx, s.q.BUDRulesLatest).Scan(&latestVersion, &latestFrom, &now); err != nil {
			return Translate(err)
		}
		if rules.EffectiveFrom.IsZero() {
			rules.EffectiveFrom = now.UTC().Truncate(time.Microsecond)
		}
		if err := checkNewBUDRules(rules, now, latestVersion, latestFrom); err != nil {
			return err
		}
		var exists bool
		if err := tx.GetContext(ctx, &exists, s.q.BUDRulesVersionExists, rules.Version); err != nil {
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
		prev := latestVersion.String
		v, err := s.insertBUDRules(ctx, tx, actor, rules, prev)
		out = v
		return err
	})
	return out, err
}

// checkNewBUDRules applies AddBUDRules' rules before anything is written.
func checkNewBUDRules(rules bud.Rules, now time.Time, latestVersion sql.NullString, latestFrom sql.NullTime) error {
	if err := rules.Validate(); err != nil {
		return budRulesError(err)
	}
	from := rules.EffectiveFrom
	if from.Before(now) {
		return &apperr.Error{Kind: apperr.Invalid, Code: "effective_from_past", Field: "effective_from",
			Message: fmt.Sprintf("%s is before now (%s): a rule change applies only to preparations compounded after it; give a future time, or leave effective_from out to apply from now",
				from.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339))}
	}
	if latestFrom.Valid && !from.After(latestFrom.Time) {
		return &apperr.Error{Kind: apperr.Conflict, Code: "effective_from_not_after_latest", Field: "effective_from",
			Message: fmt.Sprintf("%s is not after %s, when the latest version %q takes effect; a new version must start after every existing one",
				from.UTC().Format(time.RFC3339Nano), latestFrom.Time.UTC().Format(time.RFC3339Nano), latestVersion.String)}
	}
	if !from.Equal(from.Truncate(time.Microsecond)) {
		return &apperr.Error{Kind: apperr.Invalid, Code: bud.CodeInvalidRules, Field: "effective_from",
			Message: "has more than microsecond precision, which the database cannot keep; round it to whole microseconds"}
	}
	return nil
}

// EnsureDefaultBUDRules stores bud.DefaultRules() when the database has no
// version at all, audited with no actor; it reports whether it did. The
// migration already inserts that version, so this is a safety net for
// seeding, and it bypasses the "not in the past" rule that AddBUDRules
// applies to admins' changes.
func (s *Store) EnsureDefaultBUDRules(ctx context.Context) (bool, error) {
	added := false
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.BUDRulesLock); err != nil {
			return Translate(err)
		}
		var (
			latestVersion sql.NullString
			latestFrom    sql.NullTime
			now           time.Time
		)
		if err := tx.QueryRowxContext(ctx, s.q.BUDRulesLatest).Scan(&latestVersion, &latestFrom, &now); err != nil {
			return Translate(err)
		}
		if latestVersion.Valid {
			return nil
		}
		if _, err := s.insertBUDRules(ctx, tx, nil, bud.DefaultRules(), ""); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, err
}

// budRulesChanged is the payload of a bud_rules.changed audit event: the
// whole table, so the log alone shows what every version said.
type budRulesChanged struct {
	ID              int64     `json:"id"`
	Version         string    `json:"version"`
	EffectiveFrom   time.Time `json:"effective_from"`
	PreviousVersion string    `json:"previous_version,omitempty"`
	Rules           bud.Rules `json:"rules"`
}

// insertBUDRules writes the version and its audit event; the event is the
// last statement because audit.Append holds the chain lock until commit.
func (s *Store) insertBUDRules(ctx context.Context, tx *sqlx.Tx, actor *int64, rules bud.Rules, prev string) (BUDRuleVersion, error) {
	doc, err := json.Marshal(rules)
	if err != nil {
		return BUDRuleVersion{}, apperr.Wrap(err, "encode BUD rule table")
	}
	v := BUDRuleVersion{Rules: rules, CreatedBy: actor}
	v.Rules.EffectiveFrom = rules.EffectiveFrom.UTC()
	if err := tx.QueryRowxContext(ctx, s.q.BUDRulesInsert,
		rules.Version, rules.EffectiveFrom, string(doc), actor).Scan(&v.ID, &v.CreatedAt); err != nil {
		return BUDRuleVersion{}, Translate(err)
	}
	v.CreatedAt = v.CreatedAt.UTC()
	payload, err := json.Marshal(budRulesChanged{ID: v.ID, Version: rules.Version,
		EffectiveFrom: v.Rules.EffectiveFrom, PreviousVersion: prev, Rules: v.Rules})
	if err != nil {
		return BUDRuleVersion{}, apperr.Wrap(err, "encode BUD rule audit event")
	}
	if _, err := audit.Append(ctx, tx, audit.Event{Type: TypeBUDRulesChanged, ActorID: actor, Payload: payload}); err != nil {
		return BUDRuleVersion{}, Translate(err)
	}
	return v, nil
}

// budRulesError turns a rule-table validation failure into a 400 naming
// the field of the table at fault.
func budRulesError(err error) error {
	e := apperr.From(err)
	if e.Kind == apperr.Internal {
		return apperr.Wrap(err, "validate BUD rule table")
	}
	return &apperr.Error{Kind: apperr.Invalid, Code: bud.CodeInvalidRules, Field: e.Field, Message: e.Message, Err: err}
}
