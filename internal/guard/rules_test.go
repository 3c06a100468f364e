package guard

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/calc"
)

func q(s string) *calc.Quantity {
	v := calc.MustParse(s)
	return &v
}

func TestDefaultRulesAreValidAndNameTheirSources(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	if r.Source == "" || r.Rounding.Source == "" || r.HighAlert.Source == "" {
		t.Error("a section of the shipped table names no source")
	}
	for _, l := range r.DoseLimits {
		if l.Source == "" {
			t.Errorf("limit for %s has no source", l.Drug)
		}
	}
	for _, p := range r.Plausible {
		if p.Source == "" {
			t.Errorf("plausible %s has no source", p.Field)
		}
	}
}

func TestCalcGuardsCarryTheTable(t *testing.T) {
	t.Parallel()
	g := DefaultRules().CalcGuards()
	if g.DeviationWarn.String() != "5" || g.DeviationRefuse.String() != "10" {
		t.Errorf("deviation limits %s / %s", g.DeviationWarn, g.DeviationRefuse)
	}
	got := ""
	for _, s := range g.Syringes {
		got += s.Capacity.String() + "/" + s.Graduation.String() + "/" + s.Floor.String() + " "
	}
	want := "1 mL/0.01 mL/0.1 mL 3 mL/0.1 mL/0.5 mL 5 mL/0.2 mL/1 mL 10 mL/0.2 mL/2 mL 20 mL/1 mL/4 mL 30 mL/1 mL/6 mL 60 mL/1 mL/12 mL "
	if got != want {
		t.Errorf("syringes %q, want %q", got, want)
	}
	for field, rng := range map[string]string{"weight": "0.2–650 kg", "height": "20–275 cm", "bsa": "0.03–4 m2",
		"serum_creatinine": "0.1–25 mg/dL", "crcl": "up to 250 mL/min", "auc": "1–10", "rate": "0.1–999 mL/h"} {
		if r, ok := g.Ranges[field]; !ok || r.String() != rng {
			t.Errorf("range %s = %v, want %s", field, r.String(), rng)
		}
	}
	if !g.Ranges["crcl"].FlagOnly || g.Ranges["weight"].FlagOnly {
		t.Error("crcl must only flag, weight must refuse")
	}
	if g.ImplausiblePerKg.String() != "10 g/kg" || g.ImplausibleTotal.String() != "500 g" {
		t.Errorf("implausible dose %s / %s", g.ImplausiblePerKg, g.ImplausibleTotal)
	}
	// The calculator's answer to the first example comes from these numbers.
	res, err := calc.EvaluateWith([]byte(`{"kind":"volume","dose":"0.5 mcg","concentration":"100 mcg/mL","round_to":"0.01 mL"}`), g)
	if err != nil || len(res.Warnings) != 2 {
		t.Fatalf("%v %+v", err, res)
	}
}

// mutate returns the default table with one change applied to its JSON form.
func mutate(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(DefaultRulesJSON(), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidateRefuses(t *testing.T) {
	t.Parallel()
	limit := func(fields map[string]any) func(m map[string]any) {
		return func(m map[string]any) {
			l := map[string]any{"drug": "potassium chloride", "dose_unit": "mEq", "source": "test"}
			for k, v := range fields {
				l[k] = v
			}
			m["dose_limits"] = append(m["dose_limits"].([]any), l)
		}
	}
	tests := []struct {
		name, field string
		edit        func(m map[string]any)
	}{
		{"max_concentration in mg/mL on an mEq drug", "dose_limits[7].max_concentration", limit(map[string]any{"max_concentration": "2 mg/mL"})},
		{"max_rate in mg/h on an mEq drug", "dose_limits[7].max_rate", limit(map[string]any{"max_rate": "10 mg/h"})},
		{"max_per_kg without per kg", "dose_limits[7].max_per_kg", limit(map[string]any{"max_per_kg": "2 mEq"})},
		{"dose unit not an amount", "dose_limits[7].dose_unit", limit(map[string]any{"dose_unit": "mL", "max_per_dose": "2 mL"})},
		{"no source", "dose_limits[7].source", limit(map[string]any{"source": "", "max_per_dose": "40 mEq"})},
		{"no limit at all", "dose_limits[7]", limit(nil)},
		{"unknown line", "dose_limits[7].line", limit(map[string]any{"line": "arterial", "max_rate": "10 mEq/h"})},
		{"refuse below warn", "rounding.refuse_above", func(m map[string]any) { m["rounding"].(map[string]any)["refuse_above"] = "3%" }},
		{"warn not a percent", "rounding.warn_above", func(m map[string]any) { m["rounding"].(map[string]any)["warn_above"] = "5" }},
		{"floor above capacity", "syringes[0].floor", func(m map[string]any) { m["syringes"].([]any)[0].(map[string]any)["floor"] = "2 mL" }},
		{"weight range in mL", "plausible[0].min", func(m map[string]any) { m["plausible"].([]any)[0].(map[string]any)["min"] = "0.2 mL" }},
		{"unknown plausible field", "plausible[0].field", func(m map[string]any) { m["plausible"].([]any)[0].(map[string]any)["field"] = "mood" }},
		{"drug twice in high-alert", "high_alert.categories[4].drugs[0]", func(m map[string]any) {
			c := m["high_alert"].(map[string]any)["categories"].([]any)[1].(map[string]any)
			c["drugs"] = []any{"heparin"}
		}},
		{"no version", "version", func(m map[string]any) { m["version"] = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules(mutate(t, tt.edit))
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %v, want *Error on %s", err, tt.field)
			}
			if e.Field != tt.field {
				t.Errorf("field %q (%s), want %q", e.Field, e.Message, tt.field)
			}
		})
	}
	if _, err := ParseRules(mutate(t, func(m map[string]any) { m["extra"] = 1 })); err == nil {
		t.Error("an unknown field was accepted")
	}
}

func TestHighAlertOf(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	for drug, cat := range map[string]string{
		"heparin": "antithrombotic agents", "Potassium  Chloride": "concentrated electrolytes",
		"insulin regular": "insulin", "cyclophosphamide": "chemotherapy", "doxorubicin liposomal": "liposomal forms",
		"sodium chloride 3%": "sodium chloride above 0.9%", "vasopressin": "named high-alert medicines",
	} {
		f, ok := r.HighAlertOf(drug)
		if !ok || f.Category != cat || !f.DoubleCheck || f.Source == "" {
			t.Errorf("%s: %+v %v, want %s", drug, f, ok, cat)
		}
	}
	for _, drug := range []string{"cefazolin", "vancomycin", "sodium chloride 0.9%", "dextrose 5%", "heparinoid", ""} {
		if f, ok := r.HighAlertOf(drug); ok {
			t.Errorf("%s flagged %+v", drug, f)
		}
	}
	if _, ok := DefaultHighAlertOf("heparin"); !ok {
		t.Error("DefaultHighAlertOf misses heparin")
	}
}

func TestCheckDose(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	codes := func(fs []Finding) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.Code)
		}
		return strings.Join(s, ",")
	}
	t.Run("KCl 40 mEq over 30 min is 80 mEq/h", func(t *testing.T) {
		fs := r.CheckDose(Facts{Drug: "potassium chloride", Route: "IV", Delivered: calc.MustParse("40 mEq"),
			Duration: q("30 min"), Concentration: q("0.333 mEq/mL")})
		if codes(fs) != FindRateAboveMax {
			t.Fatalf("findings %+v", fs)
		}
		if !strings.Contains(fs[0].Message, "80 mEq/h") || !strings.Contains(fs[0].Message, "20 mEq/h") || fs[0].Source == "" {
			t.Errorf("message %q", fs[0].Message)
		}
	})
	t.Run("peripheral line limits apply only on a peripheral line", func(t *testing.T) {
		f := Facts{Drug: "potassium chloride", Route: "IV", Line: "peripheral", Delivered: calc.MustParse("20 mEq"),
			Duration: q("1 h"), Concentration: q("0.18 mEq/mL")}
		if got := codes(r.CheckDose(f)); got != FindRateAboveMax+","+FindConcentrationAboveMax {
			t.Errorf("peripheral: %s", got)
		}
		f.Line = "central"
		if got := r.CheckDose(f); len(got) != 0 {
			t.Errorf("central: %+v", got)
		}
	})
	t.Run("vancomycin per kg and mg/mcg mix-up", func(t *testing.T) {
		fs := r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("1087.5 mg"), Weight: q("72.5 kg")})
		if len(fs) != 0 {
			t.Errorf("15 mg/kg held: %+v", fs)
		}
		fs = r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("1087500 mg"), Weight: q("72.5 kg")})
		if len(fs) == 0 || !strings.Contains(fs[0].Message, "mix-up") {
			t.Errorf("1000-fold dose: %+v", fs)
		}
	})
	t.Run("per kg: 3 g to 50 kg is 60 mg/kg, above 35 mg/kg", func(t *testing.T) {
		fs := r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("3000 mg"), Weight: q("50 kg")})
		if codes(fs) != FindDosePerKgAboveMax || !strings.Contains(fs[0].Message, "60 mg/kg") || !strings.Contains(fs[0].Message, "35 mg/kg") {
			t.Errorf("%+v", fs)
		}
		if fs := r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("1.75 g"), Weight: q("50000 g")}); len(fs) != 0 {
			t.Errorf("exactly 35 mg/kg held: %+v", fs)
		}
		// 110.23113109243879 lb is 50 kg to 16 digits (0.45359237 kg a pound): 2.5 g is 50 mg/kg.
		fs = r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("2500 mg"), Weight: q("110.23113109243879 lb")})
		if codes(fs) != FindDosePerKgAboveMax || !strings.Contains(fs[0].Message, "50 mg/kg") {
			t.Errorf("weight in lb: %+v", fs)
		}
		if fs := r.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: calc.MustParse("2500 mg"), Weight: q("50 mL")}); len(fs) != 0 {
			t.Errorf("a weight that is not a mass is judged: %+v", fs)
		}
	})
	t.Run("per m2", func(t *testing.T) {
		fs := r.CheckDose(Facts{Drug: "cyclophosphamide", Route: "IV", Delivered: calc.MustParse("3500 mg"), BSA: q("1.9 m2")})
		if codes(fs) != FindDosePerM2AboveMax {
			t.Errorf("%+v", fs)
		}
	})
	t.Run("another route", func(t *testing.T) {
		if fs := r.CheckDose(Facts{Drug: "potassium chloride", Route: "PO", Delivered: calc.MustParse("80 mEq")}); len(fs) != 0 {
			t.Errorf("%+v", fs)
		}
	})
}

func TestHistoryInForce(t *testing.T) {
	t.Parallel()
	a := DefaultRules()
	b := a
	b.Version, b.EffectiveFrom = "b", a.EffectiveFrom.AddDate(1, 0, 0)
	h := History{a, b}
	if r, ok := h.InForce(a.EffectiveFrom.AddDate(0, 6, 0)); !ok || r.Version != a.Version {
		t.Errorf("%v %v", r.Version, ok)
	}
	if r, ok := h.InForce(b.EffectiveFrom); !ok || r.Version != "b" {
		t.Errorf("%v %v", r.Version, ok)
	}
	if _, ok := h.InForce(a.EffectiveFrom.AddDate(-1, 0, 0)); ok {
		t.Error("a version before any was in force")
	}
}
