package bud

import (
	"strings"
	"testing"
	"time"
)

// The USP <797> (2023) tables, transcribed independently of the
// embedded rule file so that a typo in either is caught.
func TestCategoryTables(t *testing.T) {
	t.Parallel()
	type row struct {
		cat      Category
		method   Method
		tested   bool
		starting Starting
		room     time.Duration
		fridge   time.Duration
		freezer  time.Duration // 0: not allowed
	}
	rows := []row{
		{Category1, MethodAseptic, false, StartingSterile, 12 * time.Hour, 24 * time.Hour, 0},
		{Category1, MethodTerminal, true, StartingNonsterile, 12 * time.Hour, 24 * time.Hour, 0},
		{Category2, MethodAseptic, false, StartingSterile, 4 * day, 10 * day, 45 * day},
		{Category2, MethodAseptic, false, StartingNonsterile, 1 * day, 4 * day, 45 * day},
		{Category2, MethodAseptic, true, StartingSterile, 30 * day, 45 * day, 60 * day},
		{Category2, MethodAseptic, true, StartingNonsterile, 30 * day, 45 * day, 60 * day},
		{Category2, MethodTerminal, false, StartingSterile, 14 * day, 28 * day, 45 * day},
		{Category2, MethodTerminal, false, StartingNonsterile, 14 * day, 28 * day, 45 * day},
		{Category2, MethodTerminal, true, StartingSterile, 45 * day, 60 * day, 90 * day},
		{Category2, MethodTerminal, true, StartingNonsterile, 45 * day, 60 * day, 90 * day},
		{Category3, MethodAseptic, true, StartingSterile, 60 * day, 90 * day, 120 * day},
		{Category3, MethodAseptic, true, StartingNonsterile, 60 * day, 90 * day, 120 * day},
		{Category3, MethodTerminal, true, StartingSterile, 90 * day, 120 * day, 180 * day},
		{Category3, MethodTerminal, true, StartingNonsterile, 90 * day, 120 * day, 180 * day},
	}
	for _, r := range rows {
		for _, st := range []struct {
			storage Storage
			want    time.Duration
		}{{StorageRoom, r.room}, {StorageRefrigerator, r.fridge}, {StorageFreezer, r.freezer}} {
			name := string(r.cat) + "/" + string(r.method) + "/tested=" + map[bool]string{true: "yes", false: "no"}[r.tested] +
				"/" + string(r.starting) + "/" + string(st.storage)
			t.Run(name, func(t *testing.T) {
				req := Request{Category: r.cat, Method: r.method, SterilityTested: r.tested,
					StartingComponents: r.starting, Storage: st.storage, CompoundedAt: start,
					Components: []Component{vial("drug")}}
				res, err := Compute(DefaultRules(), req)
				if st.want == 0 {
					wantError(t, err, CodeCategoryStorageNotAllowed, "storage")
					return
				}
				if err != nil {
					t.Fatalf("Compute: %v", err)
				}
				if !res.BUD.Equal(start.Add(st.want)) || res.LimitedBy != LimitCategory {
					t.Fatalf("BUD %s limited by %s; want %s (category)", res.BUD, res.LimitedBy, start.Add(st.want))
				}
				if !strings.Contains(res.Reason, "Category "+string(r.cat)) || !strings.Contains(res.Reason, FormatDuration(st.want)) {
					t.Fatalf("reason does not name the row: %s", res.Reason)
				}
			})
		}
	}
}

func TestCategoryCombinationsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		req   Request
		code  string
		field string
	}{
		{"category 1 frozen", Request{Category: Category1, Method: MethodAseptic, Storage: StorageFreezer}, CodeCategoryStorageNotAllowed, "storage"},
		{"category 3 not sterility tested", Request{Category: Category3, Method: MethodAseptic, Storage: StorageRoom}, CodeCombinationNotAllowed, "sterility_tested"},
		{"category 2 without method", Request{Category: Category2, StartingComponents: StartingSterile, Storage: StorageRoom}, CodeRequired, "method"},
		{"category 2 aseptic untested without starting", Request{Category: Category2, Method: MethodAseptic, Storage: StorageRoom}, CodeRequired, "starting_components"},
		{"unknown category", Request{Category: "4", Storage: StorageRoom}, CodeInvalid, "category"},
		{"missing category", Request{Storage: StorageRoom}, CodeRequired, "category"},
		{"unknown storage", Request{Category: Category1, Storage: "cellar"}, CodeInvalid, "storage"},
		{"unknown method", Request{Category: Category2, Method: "boiled", Storage: StorageRoom}, CodeInvalid, "method"},
		{"unknown starting", Request{Category: Category2, Method: MethodAseptic, StartingComponents: "some", Storage: StorageRoom}, CodeInvalid, "starting_components"},
		{"missing compounded_at", Request{Category: Category1, Storage: StorageRoom, CompoundedAt: time.Time{}}, CodeRequired, "compounded_at"},
		{"zero stability", Request{Category: Category1, Storage: StorageRoom, StabilityLimit: dur(0)}, CodeInvalid, "stability_limit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name != "missing compounded_at" {
				c.req.CompoundedAt = start
			}
			_, err := Compute(DefaultRules(), c.req)
			wantError(t, err, c.code, c.field)
		})
	}
}

// Category 1 needs neither method nor starting components: its row says "any".
func TestCategory1NeedsNoMethod(t *testing.T) {
	t.Parallel()
	res := mustCompute(t, Request{Category: Category1, Storage: StorageRefrigerator, CompoundedAt: start})
	if !res.BUD.Equal(start.Add(24 * time.Hour)) {
		t.Fatalf("BUD %s, want 24 h", res.BUD)
	}
}

func TestImmediateUse(t *testing.T) {
	t.Parallel()
	three := []Component{vial("a"), vial("b"), vial("c")}
	t.Run("4 hours from the start", func(t *testing.T) {
		res := mustCompute(t, Request{Category: CategoryImmediate, Storage: StorageRoom, CompoundedAt: start, Components: three})
		if !res.BUD.Equal(start.Add(4*time.Hour)) || res.LimitedBy != LimitCategory {
			t.Fatalf("BUD %s by %s", res.BUD, res.LimitedBy)
		}
		if !strings.Contains(res.Reason, "immediate-use") {
			t.Fatalf("reason: %s", res.Reason)
		}
	})
	t.Run("shorter stability still wins", func(t *testing.T) {
		res := mustCompute(t, Request{Category: CategoryImmediate, Storage: StorageRoom, CompoundedAt: start,
			StabilityLimit: dur(2 * time.Hour)})
		if !res.BUD.Equal(start.Add(2*time.Hour)) || res.LimitedBy != LimitStability {
			t.Fatalf("BUD %s by %s", res.BUD, res.LimitedBy)
		}
	})
	haz := vial("carboplatin")
	haz.Hazardous = true
	stock := Component{Name: "stock", Container: ContainerCompounded, BUD: tp(start.Add(day))}
	refusals := []struct {
		name  string
		req   Request
		code  string
		field string
	}{
		{"four components", Request{Components: append(three, vial("d"))}, CodeImmediateUseNotAllowed, "components"},
		{"hazardous", Request{Components: []Component{vial("a"), haz}}, CodeImmediateUseNotAllowed, "components[1].hazardous"},
		{"compounded component", Request{Components: []Component{stock}}, CodeImmediateUseNotAllowed, "components[0].container"},
		{"nonsterile", Request{StartingComponents: StartingNonsterile}, CodeImmediateUseNotAllowed, "starting_components"},
		{"refrigerated", Request{Storage: StorageRefrigerator}, CodeCategoryStorageNotAllowed, "storage"},
		{"frozen", Request{Storage: StorageFreezer}, CodeCategoryStorageNotAllowed, "storage"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			c.req.Category, c.req.CompoundedAt = CategoryImmediate, start
			if c.req.Storage == "" {
				c.req.Storage = StorageRoom
			}
			_, err := Compute(DefaultRules(), c.req)
			e := wantError(t, err, c.code, c.field)
			if !e.Refused() {
				t.Fatalf("%s should be a clinical refusal", e.Code)
			}
		})
	}
}

func cat2(components ...Component) Request {
	return Request{Category: Category2, Method: MethodAseptic, StartingComponents: StartingSterile,
		Storage: StorageRefrigerator, CompoundedAt: start, Components: components}
}

func TestEarliestLimitWins(t *testing.T) {
	t.Parallel()
	catLimit := start.Add(10 * day)
	cases := []struct {
		name      string
		stability *time.Duration
		expiry    time.Time
		want      time.Time
		by        LimitKind
		component string
	}{
		{"category", nil, farExpiry, catLimit, LimitCategory, ""},
		{"stability shorter", dur(72 * time.Hour), farExpiry, start.Add(72 * time.Hour), LimitStability, ""},
		{"stability longer never extends the category", dur(30 * day), farExpiry, catLimit, LimitCategory, ""},
		{"component one minute before the category limit", nil, catLimit.Add(-time.Minute), catLimit.Add(-time.Minute), LimitComponent, "drug"},
		{"component one minute after the category limit", nil, catLimit.Add(time.Minute), catLimit, LimitCategory, ""},
		{"tie: component over category", nil, catLimit, catLimit, LimitComponent, "drug"},
		{"tie: stability over category", dur(10 * day), farExpiry, catLimit, LimitStability, ""},
		{"tie: component over stability", dur(72 * time.Hour), start.Add(72 * time.Hour), start.Add(72 * time.Hour), LimitComponent, "drug"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			comp := vial("drug")
			comp.ExpiresAt = c.expiry
			req := cat2(vial("diluent"), comp)
			req.StabilityLimit = c.stability
			res := mustCompute(t, req)
			if !res.BUD.Equal(c.want) || res.LimitedBy != c.by || res.LimitingComponent != c.component {
				t.Fatalf("got %s by %s (%q), want %s by %s (%q)", res.BUD, res.LimitedBy, res.LimitingComponent, c.want, c.by, c.component)
			}
		})
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	t.Run("names the limit and the runner-up", func(t *testing.T) {
		req := cat2(vial("cefazolin 1 g vial lot A123"))
		req.StabilityLimit = dur(72 * time.Hour)
		res := mustCompute(t, req)
		for _, want := range []string{"BUD 2026-11-27 09:00 UTC", "stability limit of 72 h", "Next: the Category 2", "refrigerator", "10 days", "2026-12-04 09:00 UTC"} {
			if !strings.Contains(res.Reason, want) {
				t.Errorf("reason lacks %q: %s", want, res.Reason)
			}
		}
		if len(res.Limits) != 3 {
			t.Fatalf("limits: %+v", res.Limits)
		}
		for _, l := range res.Limits {
			if l.Explanation == "" || l.At.IsZero() {
				t.Fatalf("empty limit %+v", l)
			}
		}
	})
	t.Run("says the formulary has no stability entry", func(t *testing.T) {
		res := mustCompute(t, cat2(vial("x")))
		if !strings.Contains(res.Reason, "no stability entry") {
			t.Fatalf("reason: %s", res.Reason)
		}
		for _, l := range res.Limits {
			if l.Kind == LimitStability {
				t.Fatalf("a stability limit was invented: %+v", l)
			}
		}
	})
	t.Run("tie is said", func(t *testing.T) {
		c := vial("lot B")
		c.ExpiresAt = start.Add(10 * day)
		res := mustCompute(t, cat2(c))
		if !strings.Contains(res.Reason, "same time") || res.LimitingComponent != "lot B" {
			t.Fatalf("reason: %s", res.Reason)
		}
	})
}

func TestComponentRefusals(t *testing.T) {
	t.Parallel()
	opened := func(c Component, at time.Time) Component { c.OpenedAt = tp(at); return c }
	expired := vial("expired lot")
	expired.ExpiresAt = ExpiryEndOfDay(2026, 11, 23, time.UTC)
	atStart := vial("lot expiring at the start")
	atStart.ExpiresAt = start
	ampule := Component{Name: "ampule", ExpiresAt: farExpiry, Container: ContainerAmpule}
	outside := opened(vial("outside vial"), start.Add(-time.Minute))
	outside.PuncturedOutsideISO5 = true
	mdv := Component{Name: "mdv", ExpiresAt: farExpiry, Container: ContainerMultipleDose}
	stock := Component{Name: "stock", Container: ContainerCompounded, BUD: tp(start.Add(-time.Hour))}
	stockOpened := Component{Name: "stock", Container: ContainerCompounded, BUD: tp(start.Add(2 * day)), OpenedAt: tp(start.Add(-13 * time.Hour))}
	bulk := Component{Name: "bulk", ExpiresAt: farExpiry, Container: ContainerBulk, OpenedAt: tp(start.Add(-time.Hour))}
	cases := []struct {
		name  string
		c     Component
		code  string
		field string
		at    time.Time
	}{
		{"expired before compounding", expired, CodeComponentExpired, "components[1].expires_at", expired.ExpiresAt},
		{"expiring exactly at the start", atStart, CodeComponentExpired, "components[1].expires_at", start},
		{"ampule reused", opened(ampule, start.Add(-time.Minute)), CodeAmpuleReused, "components[1].opened_at", start.Add(-time.Minute)},
		{"single-dose punctured outside ISO 5 and reused", outside, CodeInUseExpired, "components[1].opened_at", start.Add(-time.Minute)},
		{"single-dose past 12 h", opened(vial("vial"), start.Add(-12*time.Hour-time.Minute)), CodeInUseExpired, "components[1].opened_at", start.Add(-time.Minute)},
		{"multiple-dose past 28 days", opened(mdv, start.Add(-28*day-time.Second)), CodeInUseExpired, "components[1].opened_at", start.Add(-time.Second)},
		{"compounded past its BUD", stock, CodeComponentExpired, "components[1].bud", start.Add(-time.Hour)},
		{"compounded opened 13 h ago", stockOpened, CodeInUseExpired, "components[1].opened_at", start.Add(-time.Hour)},
		{"bulk without a stated limit", bulk, CodeRequired, "components[1].in_use_limit", time.Time{}},
		{"no name", Component{ExpiresAt: farExpiry, Container: ContainerBag}, CodeRequired, "components[1].name", time.Time{}},
		{"no expiry", Component{Name: "x", Container: ContainerBag}, CodeRequired, "components[1].expires_at", time.Time{}},
		{"bud on a vial", Component{Name: "x", ExpiresAt: farExpiry, Container: ContainerSingleDose, BUD: tp(farExpiry)}, CodeInvalid, "components[1].bud", time.Time{}},
		{"bad container", Component{Name: "x", ExpiresAt: farExpiry, Container: "jar"}, CodeInvalid, "components[1].container", time.Time{}},
		{"stated limit on a single-dose vial", Component{Name: "x", ExpiresAt: farExpiry, Container: ContainerSingleDose, OpenedAt: tp(start), InUseLimit: dur(time.Hour)}, CodeInvalid, "components[1].in_use_limit", time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compute(DefaultRules(), cat2(vial("diluent"), c.c))
			e := wantError(t, err, c.code, c.field)
			if !e.At.Equal(c.at) {
				t.Fatalf("At = %s, want %s", e.At, c.at)
			}
		})
	}
}

// An opened container within its in-use limit does not shorten the BUD.
func TestOpenedContainerDoesNotShortenBUD(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		c    Component
	}{
		{"single-dose opened 10 min before", Component{Name: "cefazolin", ExpiresAt: farExpiry, Container: ContainerSingleDose, OpenedAt: tp(start.Add(-10 * time.Minute))}},
		{"single-dose opened 12 h before, to the second", Component{Name: "v", ExpiresAt: farExpiry, Container: ContainerSingleDose, OpenedAt: tp(start.Add(-12 * time.Hour))}},
		{"multiple-dose opened 27 days before", Component{Name: "heparin", ExpiresAt: farExpiry, Container: ContainerMultipleDose, OpenedAt: tp(start.Add(-27 * day))}},
		{"multiple-dose with a stated 42 days", Component{Name: "insulin", ExpiresAt: farExpiry, Container: ContainerMultipleDose, OpenedAt: tp(start.Add(-30 * day)), InUseLimit: dur(42 * day)}},
		{"bulk within its stated 4 h", Component{Name: "bulk", ExpiresAt: farExpiry, Container: ContainerBulk, OpenedAt: tp(start.Add(-3 * time.Hour)), InUseLimit: dur(4 * time.Hour)}},
		{"ampule opened at the start", Component{Name: "amp", ExpiresAt: farExpiry, Container: ContainerAmpule, OpenedAt: tp(start)}},
		{"bag opened 1 h before", Component{Name: "NS 100 mL", ExpiresAt: farExpiry, Container: ContainerBag, OpenedAt: tp(start.Add(-time.Hour))}},
		{"single-dose outside ISO 5 opened at the start", Component{Name: "v", ExpiresAt: farExpiry, Container: ContainerSingleDose, OpenedAt: tp(start), PuncturedOutsideISO5: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustCompute(t, cat2(c.c))
			if !res.BUD.Equal(start.Add(10*day)) || res.LimitedBy != LimitCategory {
				t.Fatalf("BUD %s by %s; want the 10-day category limit", res.BUD, res.LimitedBy)
			}
			if !strings.Contains(res.Reason, "in-use") {
				t.Fatalf("reason does not mention in-use limits: %s", res.Reason)
			}
		})
	}
}

func TestCompoundedComponentBUDLimits(t *testing.T) {
	t.Parallel()
	stock := Component{Name: "vancomycin stock", Container: ContainerCompounded, BUD: tp(start.Add(36 * time.Hour)),
		OpenedAt: tp(start.Add(-time.Hour))}
	res := mustCompute(t, cat2(vial("NS"), stock))
	if !res.BUD.Equal(start.Add(36*time.Hour)) || res.LimitingComponent != "vancomycin stock" {
		t.Fatalf("BUD %s by %s %q", res.BUD, res.LimitedBy, res.LimitingComponent)
	}
	if !strings.Contains(res.Reason, "BUD of the compounded component") {
		t.Fatalf("reason: %s", res.Reason)
	}
	// A compounded component may also carry an earlier expires_at.
	stock.ExpiresAt = start.Add(30 * time.Hour)
	res = mustCompute(t, cat2(stock))
	if !res.BUD.Equal(start.Add(30 * time.Hour)) {
		t.Fatalf("BUD %s, want the earlier expires_at", res.BUD)
	}
}

func TestNoRules(t *testing.T) {
	t.Parallel()
	_, err := Compute(Rules{}, cat2())
	wantError(t, err, CodeInvalidRules, "rules")
}

func TestResultInSiteZone(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	req := cat2()
	req.Location = ny
	res := mustCompute(t, req)
	if res.BUD.Location() != ny {
		t.Fatalf("BUD location %s", res.BUD.Location())
	}
	if !strings.Contains(res.Reason, "2026-12-04 04:00 EST") {
		t.Fatalf("reason not in the site zone: %s", res.Reason)
	}
}
