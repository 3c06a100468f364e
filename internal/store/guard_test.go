package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// Every database carries the shipped guard table from its migration,
// identical to the one embedded in package guard.
func TestGuardMigrationShipsDefaultRules(t *testing.T) {
	st := testdb.New(t)
	vs, err := st.GuardRuleVersions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := guard.DefaultRules()
	want.EffectiveFrom = want.EffectiveFrom.UTC()
	if len(vs) != 1 || vs[0].CreatedBy != nil || !reflect.DeepEqual(vs[0].Rules, want) {
		t.Fatalf("migrated guard table differs from guard.DefaultRules():\n got %+v\nwant %+v", vs, want)
	}
	r, err := st.GuardRulesAt(context.Background(), time.Now())
	if err != nil || r.Version != want.Version {
		t.Fatalf("in force now: %v %v", r.Version, err)
	}
}

func TestAddGuardRulesValidatesAuditsAndVersions(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	admin := addUser(t, st, "admin1")
	from := dbNow(t, st).Add(time.Hour)

	bad := guard.DefaultRules()
	bad.Version, bad.EffectiveFrom = "site-bad", from
	bad.DoseLimits = append(append([]guard.DoseLimit{}, bad.DoseLimits...), guard.DoseLimit{
		Drug: "potassium chloride", DoseUnit: "mEq", MaxConcentration: "2 mg/mL", Source: "typo"})
	_, err := st.AddGuardRules(ctx, admin, bad)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.Invalid || !strings.HasSuffix(e.Field, ".max_concentration") {
		t.Fatalf("a limit of the wrong dimension: %v", err)
	}

	good := guard.DefaultRules()
	good.Version, good.EffectiveFrom = "site-2026.2", from
	good.Rounding.WarnAbove, good.Rounding.RefuseAbove = "3%", "5%"
	v, err := st.AddGuardRules(ctx, admin, good)
	if err != nil {
		t.Fatal(err)
	}
	if v.CreatedBy == nil || *v.CreatedBy != admin {
		t.Fatalf("version %+v", v)
	}
	if _, err := st.AddGuardRules(ctx, admin, good); err == nil {
		t.Fatal("the same version name was accepted twice")
	}
	past := good
	past.Version, past.EffectiveFrom = "site-past", dbNow(t, st).Add(-time.Hour)
	if _, err := st.AddGuardRules(ctx, admin, past); !errors.As(err, &e) || e.Code != "effective_from_past" {
		t.Fatalf("a version in the past: %v", err)
	}
	if r, _ := st.GuardRulesAt(ctx, from.Add(-time.Minute)); r.Version != guard.DefaultRules().Version {
		t.Errorf("before its start the new version applied: %s", r.Version)
	}
	if r, _ := st.GuardRulesAt(ctx, from); r.Version != "site-2026.2" || r.Rounding.RefuseAbove != "5%" {
		t.Errorf("from its start: %s %s", r.Version, r.Rounding.RefuseAbove)
	}
	events, err := audit.List(ctx, st.DB, audit.Filter{Types: []string{store.TypeGuardRulesChanged}})
	if err != nil || len(events) != 1 || events[0].ActorID == nil || *events[0].ActorID != admin {
		t.Fatalf("audit events %+v %v", events, err)
	}
	if !strings.Contains(string(events[0].Payload), `"refuse_above":"5%"`) {
		t.Errorf("the audit event does not carry the table: %s", events[0].Payload)
	}
	if _, err := st.DB.ExecContext(ctx, `UPDATE guard_rule_versions SET version = 'x'`); err == nil {
		t.Error("a stored version was changed")
	}
}
