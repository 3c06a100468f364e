package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// defaultRulesUTC is bud.DefaultRules() as the store returns it.
func defaultRulesUTC() bud.Rules {
	r := bud.DefaultRules()
	r.EffectiveFrom = r.EffectiveFrom.UTC()
	return r
}

// changedRules is the default table renamed, starting at from, with the
// Category 2 aseptic/sterile/untested refrigerator limit cut to fridge.
func changedRules(t testing.TB, version string, from time.Time, fridge time.Duration) bud.Rules {
	t.Helper()
	r := bud.DefaultRules()
	r.Version, r.EffectiveFrom = version, from
	// Copy the rows: the limit maps are shared with nothing else, but a copy
	// keeps the change obviously local.
	rows := make([]bud.CategoryLimit, len(r.CategoryLimits))
	for i, row := range r.CategoryLimits {
		limits := map[bud.Storage]bud.Duration{}
		for k, v := range row.Limits {
			limits[k] = v
		}
		row.Limits = limits
		if row.Category == bud.Category2 && row.Method == bud.MethodAseptic && row.SterilityTested == bud.TestedNo && row.StartingComponents == bud.StartingSterile {
			row.Limits[bud.StorageRefrigerator] = bud.Duration(fridge)
		}
		rows[i] = row
	}
	r.CategoryLimits = rows
	if err := r.Validate(); err != nil {
		t.Fatalf("changed rules are invalid: %v", err)
	}
	return r
}

// fridgeRequest is a Category 2 aseptic, sterile, untested refrigerated
// preparation with nothing else limiting it, so the category row decides.
func fridgeRequest(at time.Time) bud.Request {
	return bud.Request{Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
		Storage: bud.StorageRefrigerator, CompoundedAt: at, Location: time.UTC}
}

func dbNow(t testing.TB, st *store.Store) time.Time {
	t.Helper()
	var now time.Time
	if err := st.DB.GetContext(context.Background(), &now, "SELECT now()"); err != nil {
		t.Fatal(err)
	}
	return now.UTC().Truncate(time.Second)
}

func addUser(t testing.TB, st *store.Store, name string) int64 {
	t.Helper()
	var id int64
	if err := st.DB.GetContext(context.Background(), &id,
		`INSERT INTO users (username, roles) VALUES ($1, ARRAY['admin']) RETURNING id`, name); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantAppErr(t *testing.T, err error, kind apperr.Kind, code, field string) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v (%T), want *apperr.Error %s/%s", err, err, kind, code)
	}
	if ae.Kind != kind || ae.CodeOrKind() != code || ae.Field != field {
		t.Fatalf("err = kind %s code %s field %q (%s); want %s %s %q", ae.Kind, ae.CodeOrKind(), ae.Field, ae.Message, kind, code, field)
	}
	if ae.Message == "" {
		t.Fatal("the error has no message")
	}
}

// Every database carries the shipped table from its migration, identical
// to the one embedded in package bud. When package bud ships a new default,
// add it as a new version in a new migration; do not edit the old one.
func TestBUDMigrationShipsDefaultRules(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	vs, err := st.BUDRuleVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("%d versions on a new database, want 1", len(vs))
	}
	if vs[0].CreatedBy != nil {
		t.Fatalf("created_by = %d, want NULL for the shipped table", *vs[0].CreatedBy)
	}
	if !reflect.DeepEqual(vs[0].Rules, defaultRulesUTC()) {
		t.Fatalf("migrated table differs from bud.DefaultRules():\n got %+v\nwant %+v", vs[0].Rules, defaultRulesUTC())
	}
	added, err := st.EnsureDefaultBUDRules(ctx)
	if err != nil || added {
		t.Fatalf("EnsureDefaultBUDRules on a migrated database = %v, %v; want false, nil", added, err)
	}
}

func TestBUDRulesRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	admin := addUser(t, st, "admin1")
	from := dbNow(t, st).Add(24 * time.Hour).In(time.FixedZone("UTC+2", 2*3600))
	in := changedRules(t, "site-2026.1", from, 5*24*time.Hour)
	in.Source = "local policy: café note with \"quotes\" and <brackets>"
	got, err := st.AddBUDRules(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == 0 || got.CreatedBy == nil || *got.CreatedBy != admin || got.CreatedAt.IsZero() {
		t.Fatalf("returned version %+v", got)
	}
	want := in
	want.EffectiveFrom = from.UTC()
	vs, err := st.BUDRuleVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || vs[0].Rules.Version != bud.DefaultRules().Version {
		t.Fatalf("versions %+v", vs)
	}
	if !reflect.DeepEqual(vs[1].Rules, want) {
		t.Fatalf("stored table differs:\n got %+v\nwant %+v", vs[1].Rules, want)
	}
	if vs[1].ID != got.ID || !vs[1].CreatedAt.Equal(got.CreatedAt) {
		t.Fatalf("listed %+v, returned %+v", vs[1], got)
	}
	h, err := st.BUDRuleHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Validate(); err != nil || len(h) != 2 || !reflect.DeepEqual(h[1], want) {
		t.Fatalf("history %+v, %v", h, err)
	}
}

// A change applies only to preparations compounded after it: the same
// request gives the old BUD just before effective_from and the new one from
// effective_from on.
func TestBUDRulesChangeAppliesOnlyAfterEffectiveFrom(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	from := dbNow(t, st).Add(time.Hour)
	if _, err := st.AddBUDRules(ctx, addUser(t, st, "admin1"), changedRules(t, "site-2026.1", from, 5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	h, err := st.BUDRuleHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		at      time.Time
		version string
		limit   time.Duration
	}{
		{"long before", time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC), "usp797-2023.1", 10 * 24 * time.Hour},
		{"a microsecond before", from.Add(-time.Microsecond), "usp797-2023.1", 10 * 24 * time.Hour},
		{"at effective_from", from, "site-2026.1", 5 * 24 * time.Hour},
		{"after", from.Add(time.Hour), "site-2026.1", 5 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rules, err := st.BUDRulesAt(ctx, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			if rules.Version != tc.version {
				t.Fatalf("version in force = %q, want %q", rules.Version, tc.version)
			}
			res, err := bud.Compute(rules, fridgeRequest(tc.at))
			if err != nil {
				t.Fatal(err)
			}
			if want := tc.at.Add(tc.limit); !res.BUD.Equal(want) || res.RulesVersion != tc.version {
				t.Fatalf("BUD %s under %s, want %s under %s", res.BUD, res.RulesVersion, want, tc.version)
			}
			// The SQL choice agrees with the pure engine's.
			pure, err := h.Compute(fridgeRequest(tc.at))
			if err != nil || !pure.BUD.Equal(res.BUD) {
				t.Fatalf("History.Compute = %v, %v; the store gave %s", pure.BUD, err, res.BUD)
			}
		})
	}
}

func TestBUDRulesAtBeforeAnyVersionIsRefused(t *testing.T) {
	st := testdb.New(t)
	_, err := st.BUDRulesAt(context.Background(), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	wantAppErr(t, err, apperr.Refused, bud.CodeNoRulesInForce, "compounded_at")
	var be *bud.Error
	if !errors.As(err, &be) || be.Code != bud.CodeNoRulesInForce {
		t.Fatalf("the bud.Error cause is not kept: %v", err)
	}
}

func TestAddBUDRulesRefusals(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	admin := addUser(t, st, "admin1")
	now := dbNow(t, st)
	later := now.Add(48 * time.Hour)
	if _, err := st.AddBUDRules(ctx, admin, changedRules(t, "scheduled", later, 6*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	invalid := changedRules(t, "bad-limit", later.Add(time.Hour), 5*24*time.Hour)
	invalid.CategoryLimits[0].Limits[bud.StorageRoom] = 0
	noVersion := changedRules(t, "x", later.Add(time.Hour), 5*24*time.Hour)
	noVersion.Version = ""
	for _, tc := range []struct {
		name  string
		actor int64
		rules bud.Rules
		kind  apperr.Kind
		code  string
		field string
	}{
		{"invalid table", admin, invalid, apperr.Invalid, "invalid_rules", "category_limits[0].limits.room"},
		{"no version", admin, noVersion, apperr.Invalid, "invalid_rules", "version"},
		{"in the past", admin, changedRules(t, "past", now.Add(-time.Hour), 5*24*time.Hour), apperr.Invalid, "effective_from_past", "effective_from"},
		{"the shipped start", admin, changedRules(t, "old", bud.DefaultRules().EffectiveFrom, 5*24*time.Hour), apperr.Invalid, "effective_from_past", "effective_from"},
		{"before the latest", admin, changedRules(t, "squeezed", later.Add(-time.Hour), 5*24*time.Hour), apperr.Conflict, "effective_from_not_after_latest", "effective_from"},
		{"same as the latest", admin, changedRules(t, "same", later, 5*24*time.Hour), apperr.Conflict, "effective_from_not_after_latest", "effective_from"},
		{"version taken", admin, changedRules(t, "scheduled", later.Add(time.Hour), 5*24*time.Hour), apperr.Conflict, "version_exists", "version"},
		{"nanoseconds", admin, changedRules(t, "nanos", later.Add(time.Hour+time.Nanosecond), 5*24*time.Hour), apperr.Invalid, "invalid_rules", "effective_from"},
		{"unknown actor", 999999, changedRules(t, "ghost", later.Add(time.Hour), 5*24*time.Hour), apperr.Invalid, "invalid_reference", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := auditCount(t, st)
			_, err := st.AddBUDRules(ctx, tc.actor, tc.rules)
			wantAppErr(t, err, tc.kind, tc.code, tc.field)
			vs, lerr := st.BUDRuleVersions(ctx)
			if lerr != nil || len(vs) != 2 {
				t.Fatalf("a refused version changed the table: %d versions, %v", len(vs), lerr)
			}
			if after := auditCount(t, st); after != before {
				t.Fatalf("a refused version was audited: %d events, then %d", before, after)
			}
		})
	}
}

// Leaving effective_from out means "from now" (the database clock).
func TestAddBUDRulesFromNow(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	before := dbNow(t, st)
	r := changedRules(t, "now", time.Time{}.Add(time.Hour), 5*24*time.Hour)
	r.EffectiveFrom = time.Time{}
	v, err := st.AddBUDRules(ctx, 0, r)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rules.EffectiveFrom.Before(before) || v.Rules.EffectiveFrom.After(time.Now().Add(time.Minute)) || v.CreatedBy != nil {
		t.Fatalf("effective_from %s (db now was %s), created_by %v", v.Rules.EffectiveFrom, before, v.CreatedBy)
	}
	got, err := st.BUDRulesAt(ctx, v.Rules.EffectiveFrom)
	if err != nil || got.Version != "now" {
		t.Fatalf("in force at its start: %q, %v", got.Version, err)
	}
}

func auditCount(t testing.TB, st *store.Store) int {
	t.Helper()
	var n int
	if err := st.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM audit_events WHERE type = $1`, store.TypeBUDRulesChanged); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAddBUDRulesIsAudited(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	admin := addUser(t, st, "admin1")
	from := dbNow(t, st).Add(2 * time.Hour)
	v, err := st.AddBUDRules(ctx, admin, changedRules(t, "site-2026.1", from, 5*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	events, err := audit.List(ctx, st.DB, audit.Filter{Types: []string{store.TypeBUDRulesChanged}})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d %s events, want 1", len(events), store.TypeBUDRulesChanged)
	}
	e := events[0]
	if e.ActorID == nil || *e.ActorID != admin || e.Actor != "admin1" {
		t.Fatalf("event actor %v %q, want %d admin1", e.ActorID, e.Actor, admin)
	}
	var p struct {
		ID              int64     `json:"id"`
		Version         string    `json:"version"`
		EffectiveFrom   time.Time `json:"effective_from"`
		PreviousVersion string    `json:"previous_version"`
		Rules           json.RawMessage
	}
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != v.ID || p.Version != "site-2026.1" || !p.EffectiveFrom.Equal(from) || p.PreviousVersion != "usp797-2023.1" {
		t.Fatalf("payload %s", e.Payload)
	}
	rules, err := bud.ParseRules(p.Rules)
	if err != nil || !reflect.DeepEqual(rules.CategoryLimits, v.Rules.CategoryLimits) {
		t.Fatalf("the payload's table is not the stored one: %v", err)
	}
	rep, err := audit.Verify(ctx, st.DB)
	if err != nil || !rep.OK {
		t.Fatalf("audit chain after a rule change: %+v, %v", rep, err)
	}
}

func TestBUDRuleVersionsAreImmutable(t *testing.T) {
	st := testdb.New(t)
	for _, tc := range []struct{ name, sql string }{
		{"update", `UPDATE bud_rule_versions SET effective_from = effective_from - interval '1 day'`},
		{"update rules", `UPDATE bud_rule_versions SET rules = jsonb_set(rules, '{source}', '"edited"')`},
		{"delete", `DELETE FROM bud_rule_versions`},
		{"truncate", `TRUNCATE bud_rule_versions`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.DB.ExecContext(context.Background(), tc.sql)
			if err == nil || !strings.Contains(err.Error(), "never changed or removed") {
				t.Fatalf("%s: err = %v, want the trigger's refusal", tc.sql, err)
			}
			vs, err := st.BUDRuleVersions(context.Background())
			if err != nil || len(vs) != 1 || !reflect.DeepEqual(vs[0].Rules, defaultRulesUTC()) {
				t.Fatalf("table changed: %+v, %v", vs, err)
			}
		})
	}
}

// The database keeps the table document and its columns in agreement, so
// a version cannot be filed under another name or time.
func TestBUDRuleVersionColumnsMatchDocument(t *testing.T) {
	st := testdb.New(t)
	doc, err := json.Marshal(changedRules(t, "doc-name", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 5*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, version string
		from          time.Time
	}{
		{"other version", "column-name", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"other time", "doc-name", time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.DB.ExecContext(context.Background(),
				`INSERT INTO bud_rule_versions (version, effective_from, rules) VALUES ($1, $2, $3)`, tc.version, tc.from, string(doc))
			if err == nil || !strings.Contains(err.Error(), "check constraint") {
				t.Fatalf("err = %v, want a check constraint violation", err)
			}
		})
	}
}

// Two admins adding a version for the same moment: exactly one wins, the
// other is told why, and the log records one change.
func TestAddBUDRulesConcurrent(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	from := dbNow(t, st).Add(time.Hour)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = st.AddBUDRules(ctx, 0, changedRules(t, "race-"+string(rune('a'+i)), from, 5*24*time.Hour))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case apperr.KindOf(err) != apperr.Conflict:
			t.Fatalf("loser got %v, want a conflict", err)
		}
	}
	if ok != 1 || auditCount(t, st) != 1 {
		t.Fatalf("%d winners and %d audit events, want 1 and 1 (errors %v)", ok, auditCount(t, st), errs)
	}
}

// The SQL choice of the version in force agrees with bud.History.InForce
// at any instant, across several scheduled versions.
func TestBUDRulesAtMatchesHistoryInForce(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	base := dbNow(t, st).Add(time.Hour)
	offsets := []time.Duration{0, 90 * time.Minute, 26 * time.Hour, 26*time.Hour + time.Second, 30 * 24 * time.Hour}
	for i, off := range offsets {
		if _, err := st.AddBUDRules(ctx, 0, changedRules(t, "v"+string(rune('1'+i)), base.Add(off), time.Duration(i+1)*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := st.BUDRuleHistory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shipped := bud.DefaultRules().EffectiveFrom
	span := base.Add(31 * 24 * time.Hour).Sub(shipped)
	rapid.Check(t, func(rt *rapid.T) {
		var at time.Time
		if rapid.Bool().Draw(rt, "near a boundary") {
			starts := append([]time.Time{shipped}, base)
			for _, off := range offsets {
				starts = append(starts, base.Add(off))
			}
			at = rapid.SampledFrom(starts).Draw(rt, "start").Add(time.Duration(rapid.IntRange(-2, 2).Draw(rt, "µs")) * time.Microsecond)
		} else {
			at = shipped.Add(-24 * time.Hour).Add(time.Duration(rapid.Int64Range(0, int64(span/time.Microsecond)).Draw(rt, "µs")) * time.Microsecond)
		}
		want, wantErr := h.InForce(at)
		got, err := st.BUDRulesAt(ctx, at)
		if (wantErr == nil) != (err == nil) {
			rt.Fatalf("at %s: store err %v, InForce err %v", at, err, wantErr)
		}
		if err == nil && got.Version != want.Version {
			rt.Fatalf("at %s: store chose %q, InForce %q", at, got.Version, want.Version)
		}
	})
}

// On a database somehow left without any version, the seed's safety net
// stores the shipped table, audited without an actor.
func TestEnsureDefaultBUDRulesOnEmptyTable(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	// Only the table's owner can switch the trigger off, as someone
	// repairing a database by hand might.
	for _, q := range []string{
		`ALTER TABLE bud_rule_versions DISABLE TRIGGER bud_rule_versions_no_truncate`,
		`TRUNCATE bud_rule_versions`,
		`ALTER TABLE bud_rule_versions ENABLE TRIGGER bud_rule_versions_no_truncate`,
	} {
		if _, err := st.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_, err := st.BUDRulesAt(ctx, time.Now())
	wantAppErr(t, err, apperr.Refused, bud.CodeNoRulesInForce, "compounded_at")
	added, err := st.EnsureDefaultBUDRules(ctx)
	if err != nil || !added {
		t.Fatalf("EnsureDefaultBUDRules on an empty table = %v, %v; want true, nil", added, err)
	}
	got, err := st.BUDRulesAt(ctx, time.Now())
	if err != nil || !reflect.DeepEqual(got, defaultRulesUTC()) {
		t.Fatalf("in force after the safety net: %+v, %v", got.Version, err)
	}
	events, err := audit.List(ctx, st.DB, audit.Filter{Types: []string{store.TypeBUDRulesChanged}})
	if err != nil || len(events) != 1 || events[0].ActorID != nil {
		t.Fatalf("audit events %+v, %v", events, err)
	}
	if added, err := st.EnsureDefaultBUDRules(ctx); err != nil || added {
		t.Fatalf("second EnsureDefaultBUDRules = %v, %v; want false, nil", added, err)
	}
}

func BenchmarkBUDRulesAt(b *testing.B) {
	ctx := context.Background()
	st := testdb.New(b)
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.BUDRulesAt(ctx, at); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScanFactsNameTheBUDRulesInForce reads the rule table in force the
// way a scan does (its id with the scan's facts, the table decoded once
// and kept): each scan time gets its own version, a version added later
// applies from its start, and none before the first is refused as
// BUDRulesAt refuses it.
func TestScanFactsNameTheBUDRulesInForce(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	from := dbNow(t, st).Add(time.Hour)
	inForce := func(at time.Time) (bud.Rules, error) {
		tx, err := st.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		f, err := tx.LockedScanFacts(ctx, 0, "scan-vial", "00300027597011", at)
		if err != nil {
			t.Fatal(err)
		}
		if f.Held || f.AcceptedInStep != 0 || len(f.ScansOfGTIN) != 0 {
			t.Fatalf("facts of no preparation: %+v", f)
		}
		rv, err := tx.BUDRules(ctx, f, at)
		return rv.Rules, err
	}
	later := from.Add(time.Minute)
	// Read once before the new version exists: the decoded default is kept.
	if r, err := inForce(later); err != nil || r.Version != "usp797-2023.1" {
		t.Fatalf("before the change: %q, %v", r.Version, err)
	}
	if _, err := st.AddBUDRules(ctx, addUser(t, st, "admin1"), changedRules(t, "site-2026.1", from, 5*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at      time.Time
		version string
	}{{from.Add(-time.Microsecond), "usp797-2023.1"}, {from, "site-2026.1"}, {later, "site-2026.1"}, {from.Add(-time.Microsecond), "usp797-2023.1"}} {
		r, err := inForce(tc.at)
		if err != nil || r.Version != tc.version {
			t.Fatalf("at %s: %q, %v; want %q", tc.at, r.Version, err, tc.version)
		}
		want, err := st.BUDRulesAt(ctx, tc.at)
		if err != nil || !reflect.DeepEqual(r, want) {
			t.Fatalf("at %s the scan's table differs from BUDRulesAt's:\n%+v\n%+v", tc.at, r, want)
		}
	}
	if _, err := inForce(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); apperr.KindOf(err) != apperr.Refused {
		t.Fatalf("before any version: %v", err)
	}
}
