package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/versioned"
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

// budTable is the SQL and the words of bud_rule_versions.
func (s *Store) budTable() versionTable {
	return versionTable{all: s.q.BUDRuleVersions, at: s.q.BUDRulesAt, atPrepared: &s.st.budAt, lock: s.q.BUDRulesLock, latest: s.q.BUDRulesLatest,
		exists: s.q.BUDRulesVersionExists, insert: s.q.BUDRulesInsert, name: "BUD rule", what: "BUD rule table", noun: "table"}
}

func budHead(r *bud.Rules) (*string, *time.Time) { return &r.Version, &r.EffectiveFrom }

// decodeBUD parses a stored table (see decodeRules).
func (s *Store) decodeBUD(r versionRow) (BUDRuleVersion, error) {
	rules, err := decodeRules(r, s.budTable(), bud.ParseRules, budHead)
	if err != nil {
		return BUDRuleVersion{}, err
	}
	return BUDRuleVersion{ID: r.ID, Rules: rules, CreatedBy: r.createdBy(), CreatedAt: r.CreatedAt.UTC()}, nil
}

// BUDRuleVersions lists every version of the rule table, oldest first.
func (s *Store) BUDRuleVersions(ctx context.Context) ([]BUDRuleVersion, error) {
	return versionsAll(ctx, s.DB, s.budTable(), s.decodeBUD)
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
	return versionAt(ctx, q, s.budTable(), at, s.decodeBUD, func() error { return noBUDRulesAt(at) })
}

// noBUDRulesAt is the refusal when no BUD rule version is in force at at.
func noBUDRulesAt(at time.Time) error {
	_, ierr := bud.History(nil).InForce(at)
	return noRulesInForce(ierr, at)
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
	err := s.addVersion(ctx, s.budTable(), newVersion{version: rules.Version, from: &rules.EffectiveFrom,
		check: func(h versionHead) error { return checkNewBUDRules(rules, h) },
		insert: func(tx *sqlx.Tx, h versionHead) (err error) {
			out, err = s.insertBUDRules(ctx, tx, actorRef(actorID), rules, h.Latest.String)
			return err
		}})
	return out, err
}

// checkNewBUDRules applies AddBUDRules' rules before anything is written.
func checkNewBUDRules(rules bud.Rules, h versionHead) error {
	if err := rules.Validate(); err != nil {
		return budRulesError(err)
	}
	from := rules.EffectiveFrom
	return startError(versioned.CheckStart(from, h.Now, h.latestStart()), from, h,
		"a rule change applies only to preparations compounded after it",
		"; a new version must start after every existing one", bud.CodeInvalidRules)
}

// EnsureDefaultBUDRules stores bud.DefaultRules() when the database has no
// version at all, audited with no actor; it reports whether it did. The
// migration already inserts that version, so this is a safety net for
// seeding, and it bypasses the "not in the past" rule that AddBUDRules
// applies to admins' changes.
func (s *Store) EnsureDefaultBUDRules(ctx context.Context) (bool, error) {
	added := false
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		h, err := lockVersions(ctx, tx, s.budTable())
		if err != nil || h.Latest.Valid {
			return err
		}
		if _, err := s.insertBUDRules(ctx, tx, nil, bud.DefaultRules(), ""); err != nil {
			return err
		}
		added = true
		return nil
	})
	return added, err
}

// insertBUDRules writes the version and its audit event (see insertRules).
func (s *Store) insertBUDRules(ctx context.Context, tx *sqlx.Tx, actor *int64, rules bud.Rules, prev string) (BUDRuleVersion, error) {
	rules, id, created, err := insertRules(ctx, tx, s.budTable(), TypeBUDRulesChanged, actor, rules, budHead, prev)
	if err != nil {
		return BUDRuleVersion{}, err
	}
	return BUDRuleVersion{ID: id, Rules: rules, CreatedBy: actor, CreatedAt: created}, nil
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
