package bud

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultRulesValid(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.Version != "usp797-2023.1" || !r.EffectiveFrom.Equal(time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("version %q from %s", r.Version, r.EffectiveFrom)
	}
	if r.ImmediateUse.Limit.Std() != 4*time.Hour || r.ImmediateUse.MaxComponents != 3 {
		t.Fatalf("immediate use: %+v", r.ImmediateUse)
	}
}

func TestRulesJSONRoundTrip(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseRules(b)
	if err != nil {
		t.Fatalf("ParseRules(Marshal(DefaultRules())): %v\n%s", err, b)
	}
	if !reflect.DeepEqual(r, back) {
		t.Fatalf("round trip differs:\n%+v\n%+v", r, back)
	}
}

// The in-use table of USP <797> (2023).
func TestInUseExpiry(t *testing.T) {
	t.Parallel()
	opened := start
	cases := []struct {
		name      string
		container Container
		iso5      bool
		stated    *time.Duration
		want      time.Duration
		code      string
		field     string
	}{
		{"single-dose inside ISO 5", ContainerSingleDose, true, nil, 12 * time.Hour, "", ""},
		{"single-dose outside ISO 5: at once", ContainerSingleDose, false, nil, 0, "", ""},
		{"bag is single-dose", ContainerBag, true, nil, 12 * time.Hour, "", ""},
		{"bag outside ISO 5", ContainerBag, false, nil, 0, "", ""},
		{"ampule: at once", ContainerAmpule, true, nil, 0, "", ""},
		{"ampule outside ISO 5", ContainerAmpule, false, nil, 0, "", ""},
		{"multiple-dose 28 days", ContainerMultipleDose, true, nil, 28 * day, "", ""},
		{"multiple-dose outside ISO 5 28 days", ContainerMultipleDose, false, nil, 28 * day, "", ""},
		{"multiple-dose stated", ContainerMultipleDose, true, dur(14 * day), 14 * day, "", ""},
		{"bulk as stated", ContainerBulk, true, dur(4 * time.Hour), 4 * time.Hour, "", ""},
		{"compounded 12 h", ContainerCompounded, true, nil, 12 * time.Hour, "", ""},
		{"bulk without stated", ContainerBulk, true, nil, 0, CodeRequired, "in_use_limit"},
		{"bulk outside ISO 5", ContainerBulk, false, dur(4 * time.Hour), 0, CodePuncturedOutsideISO5, "iso5"},
		{"stated on single-dose", ContainerSingleDose, true, dur(time.Hour), 0, CodeInvalid, "in_use_limit"},
		{"negative stated", ContainerMultipleDose, true, dur(-time.Hour), 0, CodeInvalid, "in_use_limit"},
		{"unknown container", "jar", true, nil, 0, CodeInvalid, "container"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := InUseExpiry(DefaultRules(), c.container, opened, c.iso5, c.stated)
			if c.code != "" {
				wantError(t, err, c.code, c.field)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(opened.Add(c.want)) {
				t.Fatalf("expiry %s, want %s", got, opened.Add(c.want))
			}
		})
	}
	_, err := InUseExpiry(DefaultRules(), ContainerSingleDose, time.Time{}, true, nil)
	wantError(t, err, CodeRequired, "opened_at")
}

// A scan of a punctured container later in the workflow.
func TestCheckInUse(t *testing.T) {
	t.Parallel()
	vialOpened := Component{Name: "cefazolin", Container: ContainerSingleDose, OpenedAt: tp(start)}
	t.Run("within", func(t *testing.T) {
		exp, err := CheckInUse(DefaultRules(), vialOpened, start.Add(11*time.Hour))
		if err != nil || !exp.Equal(start.Add(12*time.Hour)) {
			t.Fatalf("%s %v", exp, err)
		}
	})
	t.Run("at the very end", func(t *testing.T) {
		if _, err := CheckInUse(DefaultRules(), vialOpened, start.Add(12*time.Hour)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("past", func(t *testing.T) {
		_, err := CheckInUse(DefaultRules(), vialOpened, start.Add(12*time.Hour+time.Second))
		e := wantError(t, err, CodeInUseExpired, "opened_at")
		if !e.At.Equal(start.Add(12*time.Hour)) || !strings.Contains(e.Message, "2026-11-24 21:00 UTC") {
			t.Fatalf("At %s, message %s", e.At, e.Message)
		}
	})
	t.Run("compounded capped at its BUD", func(t *testing.T) {
		c := Component{Name: "stock", Container: ContainerCompounded, OpenedAt: tp(start), BUD: tp(start.Add(5 * time.Hour))}
		exp, err := CheckInUse(DefaultRules(), c, start.Add(time.Hour))
		if err != nil || !exp.Equal(start.Add(5*time.Hour)) {
			t.Fatalf("%s %v", exp, err)
		}
		_, err = CheckInUse(DefaultRules(), c, start.Add(6*time.Hour))
		e := wantError(t, err, CodeInUseExpired, "opened_at")
		if !e.At.Equal(start.Add(5 * time.Hour)) {
			t.Fatalf("At %s", e.At)
		}
	})
	t.Run("compounded without BUD", func(t *testing.T) {
		_, err := CheckInUse(DefaultRules(), Component{Name: "s", Container: ContainerCompounded, OpenedAt: tp(start)}, start)
		wantError(t, err, CodeRequired, "bud")
	})
	t.Run("not opened", func(t *testing.T) {
		_, err := CheckInUse(DefaultRules(), Component{Name: "s", Container: ContainerSingleDose}, start)
		wantError(t, err, CodeRequired, "opened_at")
	})
	t.Run("ampule scanned again", func(t *testing.T) {
		_, err := CheckInUse(DefaultRules(), Component{Name: "a", Container: ContainerAmpule, OpenedAt: tp(start)}, start.Add(time.Second))
		wantError(t, err, CodeAmpuleReused, "opened_at")
	})
}

func TestRulesValidateRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(r *Rules)
		field  string
	}{
		{"no version", func(r *Rules) { r.Version = "" }, "version"},
		{"no effective_from", func(r *Rules) { r.EffectiveFrom = time.Time{} }, "effective_from"},
		{"zero immediate limit", func(r *Rules) { r.ImmediateUse.Limit = 0 }, "immediate_use.limit"},
		{"no immediate components", func(r *Rules) { r.ImmediateUse.MaxComponents = 0 }, "immediate_use.max_components"},
		{"bad immediate storage", func(r *Rules) { r.ImmediateUse.Storage = []Storage{"attic"} }, "immediate_use.storage[0]"},
		{"no rows", func(r *Rules) { r.CategoryLimits = nil }, "category_limits"},
		{"immediate as a row", func(r *Rules) { r.CategoryLimits[0].Category = CategoryImmediate }, "category_limits[0].category"},
		{"bad method", func(r *Rules) { r.CategoryLimits[1].Method = "x" }, "category_limits[1].method"},
		{"bad tested", func(r *Rules) { r.CategoryLimits[1].SterilityTested = "maybe" }, "category_limits[1].sterility_tested"},
		{"bad starting", func(r *Rules) { r.CategoryLimits[1].StartingComponents = "x" }, "category_limits[1].starting_components"},
		{"empty limits", func(r *Rules) { r.CategoryLimits[1].Limits = map[Storage]Duration{} }, "category_limits[1].limits"},
		{"bad storage key", func(r *Rules) {
			r.CategoryLimits[1].Limits = map[Storage]Duration{"attic": Duration(day)}
		}, "category_limits[1].limits.attic"},
		{"zero limit", func(r *Rules) {
			r.CategoryLimits[1].Limits = map[Storage]Duration{StorageRoom: 0}
		}, "category_limits[1].limits.room"},
		{"overlapping rows", func(r *Rules) { r.CategoryLimits[2].StartingComponents = StartingAny }, "category_limits[2]"},
		{"duplicate in-use container", func(r *Rules) { r.InUse[1].Container = ContainerSingleDose }, "in_use[1].container"},
		{"missing in-use container", func(r *Rules) { r.InUse = r.InUse[:5] }, "in_use"},
		{"in-use with neither limit nor stated", func(r *Rules) { r.InUse[0].InsideISO5 = nil }, "in_use[0].inside_iso5"},
		{"negative in-use", func(r *Rules) { d := Duration(-time.Hour); r.InUse[0].OutsideISO5 = &d }, "in_use[0].outside_iso5"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := DefaultRules() // a fresh copy: ParseRules builds new maps and slices
			c.mutate(&r)
			wantError(t, r.Validate(), CodeInvalidRules, c.field)
		})
	}
}

func TestParseRulesRejects(t *testing.T) {
	t.Parallel()
	good, _ := json.Marshal(DefaultRules())
	cases := []struct {
		name  string
		data  string
		field string
	}{
		{"not JSON", "{", "rules"},
		{"unknown field", strings.Replace(string(good), `"version"`, `"colour":1,"version"`, 1), "rules"},
		{"bad duration", strings.Replace(string(good), `"12 h"`, `"12 parsecs"`, 1), "rules"},
		{"number for a duration", strings.Replace(string(good), `"limit":"4 h"`, `"limit":4`, 1), "immediate_use.limit"},
		{"trailing data", string(good) + "{}", "rules"},
		{"tested as a string", strings.Replace(string(good), `"sterility_tested":false`, `"sterility_tested":"no"`, 1), "sterility_tested"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRules([]byte(c.data))
			wantError(t, err, CodeInvalidRules, c.field)
		})
	}
}

// A rule change applies only to preparations compounded after it.
func TestHistoryInForce(t *testing.T) {
	t.Parallel()
	old := DefaultRules()
	site := DefaultRules()
	site.Version = "site-2027.1"
	site.EffectiveFrom = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, row := range site.CategoryLimits {
		if row.Category == Category1 {
			site.CategoryLimits[i].Limits = map[Storage]Duration{StorageRoom: Duration(8 * time.Hour), StorageRefrigerator: Duration(16 * time.Hour)}
		}
	}
	h := History{site, old}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		at      time.Time
		version string
		bud     time.Duration
	}{
		{"before the change", site.EffectiveFrom.Add(-time.Second), old.Version, 12 * time.Hour},
		{"at the change", site.EffectiveFrom, site.Version, 8 * time.Hour},
		{"after the change", site.EffectiveFrom.Add(30 * day), site.Version, 8 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := h.InForce(c.at)
			if err != nil || r.Version != c.version {
				t.Fatalf("InForce = %q, %v; want %q", r.Version, err, c.version)
			}
			res, err := h.Compute(Request{Category: Category1, Storage: StorageRoom, CompoundedAt: c.at})
			if err != nil {
				t.Fatal(err)
			}
			if !res.BUD.Equal(c.at.Add(c.bud)) || res.RulesVersion != c.version {
				t.Fatalf("BUD %s under %q, want %s under %q", res.BUD, res.RulesVersion, c.at.Add(c.bud), c.version)
			}
		})
	}
	t.Run("before any table", func(t *testing.T) {
		_, err := h.InForce(old.EffectiveFrom.Add(-time.Hour))
		wantError(t, err, CodeNoRulesInForce, "compounded_at")
	})
	t.Run("duplicate version", func(t *testing.T) {
		dup := site
		dup.EffectiveFrom = dup.EffectiveFrom.Add(day)
		wantError(t, History{old, site, dup}.Validate(), CodeInvalidRules, "history[2].version")
	})
	t.Run("same effective time", func(t *testing.T) {
		dup := site
		dup.Version = "other"
		wantError(t, History{old, site, dup}.Validate(), CodeInvalidRules, "history[2].effective_from")
	})
	t.Run("invalid member", func(t *testing.T) {
		bad := site
		bad.Version = ""
		wantError(t, History{old, bad}.Validate(), CodeInvalidRules, "history[1].version")
	})
	t.Run("empty", func(t *testing.T) {
		wantError(t, History{}.Validate(), CodeInvalidRules, "history")
	})
}
