// Package rules is the service of the versioned rule tables the site
// keeps: the beyond-use-date rules, the guard table and the dose evidence
// policy. It reads every version, the one in force at a time, and adds a
// version (the store validates it, refuses an effective date in the past
// and logs the change in its transaction). The handlers reach the tables
// only through it.
package rules

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Service reads and adds rule versions on one store.
type Service struct {
	st *store.Store
}

// New returns the service on st.
func New(st *store.Store) *Service { return &Service{st: st} }

type (
	// BUDRuleVersion is one stored version of the BUD rule table.
	BUDRuleVersion = store.BUDRuleVersion
	// GuardRuleVersion is one stored version of the guard table.
	GuardRuleVersion = store.GuardRuleVersion
)

// BUDRuleVersions lists every version of the BUD rules, oldest first.
func (s *Service) BUDRuleVersions(ctx context.Context) ([]BUDRuleVersion, error) {
	return s.st.BUDRuleVersions(ctx)
}

// BUDRulesAt returns the BUD rules in force at a time.
func (s *Service) BUDRulesAt(ctx context.Context, at time.Time) (bud.Rules, error) {
	return s.st.BUDRulesAt(ctx, at)
}

// AddBUDRules stores a new version of the BUD rules.
func (s *Service) AddBUDRules(ctx context.Context, actorID int64, r bud.Rules) (BUDRuleVersion, error) {
	return s.st.AddBUDRules(ctx, actorID, r)
}

// GuardRuleVersions lists every version of the guard table, oldest first.
func (s *Service) GuardRuleVersions(ctx context.Context) ([]GuardRuleVersion, error) {
	return s.st.GuardRuleVersions(ctx)
}

// GuardRulesAt returns the guard table in force at a time (a Refused error
// when none is).
func (s *Service) GuardRulesAt(ctx context.Context, at time.Time) (guard.Rules, error) {
	return s.st.GuardRulesAt(ctx, at)
}

// AddGuardRules stores a new version of the guard table.
func (s *Service) AddGuardRules(ctx context.Context, actorID int64, r guard.Rules) (GuardRuleVersion, error) {
	return s.st.AddGuardRules(ctx, actorID, r)
}

// AddEvidencePolicy stores a new version of the dose evidence policy.
func (s *Service) AddEvidencePolicy(ctx context.Context, actorID int64, p workflow.EvidencePolicy) (workflow.EvidencePolicy, error) {
	return s.st.AddEvidencePolicy(ctx, actorID, p)
}

// UserName is the display name of who added a version, "" for nil (a
// version shipped with Laminar).
func (s *Service) UserName(ctx context.Context, id *int64) string {
	return s.st.UserName(ctx, id)
}
