package calc

import (
	"encoding/json"
	"strings"
	"testing"
)

// evalGuarded runs a request with the site's default guards.
func evalGuarded(t *testing.T, req string) *Response {
	t.Helper()
	res, err := EvaluateWith([]byte(req), testGuards())
	if err != nil {
		t.Fatalf("%s: %v", req, err)
	}
	return res
}

func wantWarning(t *testing.T, res *Response, code, field string, subs ...string) Warning {
	t.Helper()
	for _, w := range res.Warnings {
		if w.Code != code {
			continue
		}
		if w.Field != field {
			t.Errorf("warning %s on field %q, want %q", code, w.Field, field)
		}
		for _, s := range subs {
			if !strings.Contains(w.Message, s) {
				t.Errorf("warning %s message %q lacks %q", code, w.Message, s)
			}
		}
		return w
	}
	t.Fatalf("no %s warning in %+v", code, res.Warnings)
	return Warning{}
}

func output(t *testing.T, res *Response, name string) any {
	t.Helper()
	v, ok := res.Output(name)
	if !ok {
		t.Fatalf("no output %q in %v", name, res.Outputs)
	}
	return v
}

// The first example: 0.5 mcg at 100 mcg/mL rounded to 0.01 mL printed 0.01 mL and
// delivered twice the dose without a word.
func TestRoundingDoubleTheDoseIsFlagged(t *testing.T) {
	t.Parallel()
	res := evalGuarded(t, `{"kind":"volume","dose":"0.5 mcg","concentration":"100 mcg/mL","round_to":"0.01 mL"}`)
	if got := output(t, res, "delivered_dose"); got != "1 mcg" {
		t.Errorf("delivered = %v", got)
	}
	if got := output(t, res, "deviation"); got != "+100%" {
		t.Errorf("deviation = %v", got)
	}
	wantWarning(t, res, WarnRoundingDeviation, "dose", "1 mcg", "0.5 mcg", "+100%", "hard stop")
	wantWarning(t, res, WarnBelowMeasurable, "dose", "0.1 mL")
	b, _ := json.Marshal(res)
	if !strings.Contains(string(b), `"warnings":[{"code":"rounding_deviation","message":`) &&
		!strings.Contains(string(b), `{"code":"rounding_deviation","message":`) {
		t.Errorf("warnings not in the API's shape: %s", b)
	}
}

func TestRoundingDeviationLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		req  string
		code string // "" = no warning
		sub  string
	}{
		// 21.75 → 21.8 mL: +0.2 %, nothing to say.
		{`{"kind":"volume","dose":"1087.5 mg","concentration":"50 mg/mL","round_to":"0.2 mL"}`, "", ""},
		// 0.37 → 0.4 mL: +8.1 %, above the 5 % warning but under the 10 % hard stop.
		{`{"kind":"volume","dose":"3.7 mg","concentration":"10 mg/mL","round_to":"0.1 mL"}`, WarnRoundingDeviation, "warning limit"},
		// 0.25 → 0.3 mL: +20 %.
		{`{"kind":"volume","dose":"12.5 mg","concentration":"50 mg/mL","round_to":"0.1 mL"}`, WarnRoundingDeviation, "hard stop"},
		// a pump rate 0.25 mL over 2 h = 0.125 → 0.1 mL/h: −20 %.
		{`{"kind":"infusion_rate","volume":"0.25 mL","duration":"2 h"}`, WarnRoundingDeviation, "hard stop"},
	}
	for _, tt := range tests {
		t.Run(tt.req, func(t *testing.T) {
			res := evalGuarded(t, tt.req)
			if tt.code == "" {
				for _, w := range res.Warnings {
					if w.Code == WarnRoundingDeviation {
						t.Errorf("unexpected %+v", w)
					}
				}
				return
			}
			field := "dose"
			if strings.Contains(tt.req, "infusion_rate") {
				field = "rate"
			}
			wantWarning(t, res, tt.code, field, tt.sub)
		})
	}
	t.Run("thresholds come from the guards", func(t *testing.T) {
		g := testGuards()
		g.DeviationWarn, g.DeviationRefuse = decimalOf("25"), decimalOf("50")
		res, err := EvaluateWith([]byte(`{"kind":"volume","dose":"12.5 mg","concentration":"50 mg/mL","round_to":"0.1 mL"}`), g)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Warnings) != 0 {
			t.Errorf("a 20%% deviation under a 25%% limit warned: %+v", res.Warnings)
		}
	})
}

// Heparin 50 units from 10,000 units/mL is 0.005 mL: no syringe measures it.
func TestBelowMeasurableVolume(t *testing.T) {
	t.Parallel()
	res := evalGuarded(t, `{"kind":"volume","dose":"50 units","concentration":"10000 units/mL","round_to":"syringe"}`)
	if got := output(t, res, "syringe"); got != "1 mL" {
		t.Errorf("syringe = %v", got)
	}
	wantWarning(t, res, WarnBelowMeasurable, "dose", "0.005 mL", "0.1 mL", "1 mL syringe")
	t.Run("smallest syringe that holds the draw", func(t *testing.T) {
		for vol, want := range map[string]string{"0.5 mL": "1 mL", "1.1 mL": "3 mL", "4.4 mL": "5 mL", "9 mL": "10 mL", "25 mL": "30 mL"} {
			s, err := ChooseSyringe(MustParse(vol), testSyringes())
			if err != nil || s.Capacity.String() != want {
				t.Errorf("%s: syringe %v, %v; want %s", vol, s.Capacity, err, want)
			}
			if c, _ := MustParse(vol).Cmp(s.Floor); c < 0 {
				t.Errorf("%s is below the floor %s of the %s syringe", vol, s.Floor, want)
			}
		}
	})
}

// A maximum dose is applied after rounding: the draw never delivers more than it, and never
// holds more than the vials do.
func TestVolumeLimitsAfterRounding(t *testing.T) {
	t.Parallel()
	// Three 1 g vials reconstituted to 3.3 mL each: 3 g in 9.9 mL.
	conc := MustParse("3 g in 9.9 mL")
	res, err := Volume(VolumeInput{Dose: MustParse("3 g"), Concentration: conc, Syringes: testSyringes(),
		MaxDelivered: qp("3 g"), MaxVolume: qp("9.9 mL"), Guards: testGuards()})
	if err != nil {
		t.Fatal(err)
	}
	wantQ(t, "volume", res.Volume, "9.8 mL")
	if c, _ := res.Delivered.Cmp(MustParse("3 g")); c > 0 {
		t.Errorf("delivered %s is above the maximum", res.Delivered)
	}
	wantStep(t, res.Steps, "so as not to exceed")
	t.Run("without limits it would round up", func(t *testing.T) {
		res, err := Volume(VolumeInput{Dose: MustParse("3 g"), Concentration: conc, Syringes: testSyringes()})
		if err != nil {
			t.Fatal(err)
		}
		wantQ(t, "volume", res.Volume, "10 mL")
	})
	t.Run("no measurable volume within the limit", func(t *testing.T) {
		_, err := Volume(VolumeInput{Dose: MustParse("0.05 mg"), Concentration: MustParse("1 mg/mL"), RoundTo: qp("0.1 mL"),
			MaxDelivered: qp("0.05 mg")})
		wantErr(t, err, "dose", CodeOutOfRange)
	})
}

func TestPlausibleInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, req, field string
		subs             []string
	}{
		{"weight in mg", `{"kind":"dose","dose":"15 mg/kg","weight":"70 mg"}`, "weight", []string{"0.2–650 kg", "did you mean 70 kg"}},
		{"weight too heavy", `{"kind":"dose","dose":"15 mg/kg","weight":"700 kg"}`, "weight", []string{"0.2–650 kg"}},
		{"bsa 18 m2", `{"kind":"dose","dose":"75 mg/m2","bsa":"18 m2"}`, "bsa", []string{"0.03–4 m2"}},
		{"height in metres", `{"kind":"dose","dose":"75 mg/m2","weight":"70 kg","height":"175 m"}`, "height", []string{"20–275 cm", "did you mean 175 cm"}},
		{"carboplatin AUC 50", `{"kind":"carboplatin","auc":"50","gfr":"80 mL/min"}`, "auc", []string{"1–10"}},
		{"serum creatinine in mg/L", `{"kind":"crcl","age":"60","sex":"male","weight":"70 kg","serum_creatinine":"90 mg/dL"}`, "serum_creatinine", []string{"0.1–25 mg/dL"}},
		{"norepinephrine mg for mcg", `{"kind":"infusion_rate","dose_rate":"0.05 mg/kg/min","weight":"80 kg","concentration":"16 mcg/mL"}`,
			"rate", []string{"15,000 mL/h", "0.1–999 mL/h", "1,000 times", "mg/mcg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EvaluateWith([]byte(tt.req), testGuards())
			wantErr(t, err, tt.field, CodeOutOfRange)
			for _, s := range tt.subs {
				if err != nil && !strings.Contains(err.Error(), s) {
					t.Errorf("%v lacks %q", err, s)
				}
			}
			if _, err := Evaluate([]byte(tt.req)); err != nil && strings.Contains(err.Error(), "plausible") {
				t.Errorf("without guards the range still applied: %v", err)
			}
		})
	}
	t.Run("crcl above 250 mL/min is flagged", func(t *testing.T) {
		res := evalGuarded(t, `{"kind":"crcl","age":"20","sex":"male","weight":"150 kg","serum_creatinine":"0.3 mg/dL"}`)
		wantWarning(t, res, WarnImplausibleValue, "crcl", "250 mL/min")
	})
	t.Run("the plausible values pass", func(t *testing.T) {
		res := evalGuarded(t, `{"kind":"dose","dose":"15 mg/kg","weight":"0.2 kg"}`)
		if got := output(t, res, "dose"); got != "3 mg" {
			t.Errorf("dose = %v", got)
		}
	})
}

func TestImplausibleDose(t *testing.T) {
	t.Parallel()
	res := evalGuarded(t, `{"kind":"dose","dose":"15 g/kg","weight":"72.5 kg"}`)
	wantWarning(t, res, WarnImplausibleDose, "dose", "15 g/kg", "10 g/kg")
	res = evalGuarded(t, `{"kind":"dose","dose":"600 g"}`)
	wantWarning(t, res, WarnImplausibleDose, "dose", "500 g")
	res = evalGuarded(t, `{"kind":"dose","dose":"15 mg/kg","weight":"72.5 kg"}`)
	if len(res.Warnings) != 0 {
		t.Errorf("an ordinary dose warned: %+v", res.Warnings)
	}
}

func TestConflictingInputsNameBothFields(t *testing.T) {
	t.Parallel()
	tests := []struct{ req, a, b string }{
		{`{"kind":"infusion_rate","dose_rate":"5 mcg/kg/min","weight":"70 kg","concentration":"1600 mcg/mL","volume":"250 mL","duration":"1 h"}`, "dose_rate", "volume"},
		{`{"kind":"infusion_rate","dose_rate":"100 mL/h","duration":"1 h"}`, "dose_rate", "duration"},
		{`{"kind":"dose","dose":"75 mg/m2","weight":"70 kg","height":"175 cm","bsa":"1.8 m2"}`, "bsa", "height"},
		{`{"kind":"reconstitution","amount":"1 g","displacement":"0.5 mL","diluent_volume":"9.5 mL","target_concentration":"100 mg/mL"}`, "target_concentration", "diluent_volume"},
	}
	for _, tt := range tests {
		_, err := EvaluateWith([]byte(tt.req), testGuards())
		wantErr(t, err, tt.a, CodeConflict)
		ce, _ := err.(*Error)
		if ce == nil || ce.Fields[tt.a] == "" || ce.Fields[tt.b] == "" {
			t.Errorf("%s: fields = %v, want %s and %s", tt.req, ce, tt.a, tt.b)
		}
	}
}

func TestInputSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"25000 units/250 mL", "100 units/mL"},
		{"400 mg in 250 mL", "1.6 mg/mL"},
		{"2 mg per mL", "2 mg/mL"},
		{"15 mg/kg/dose", "15 mg/kg"},
		{"15 mg/kg per dose", "15 mg/kg"},
		{"1:10,000", "0.1 mg/mL"},
		{"1:1,000", "1 mg/mL"},
		{"1 g in 4 mL", "0.25 g/mL"},
		{"40 mEq/100 mL", "0.4 mEq/mL"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		wantQ(t, tt.in, q, tt.want)
	}
	for _, bad := range []string{"1:10,00", "1:1,0000", "400 mg in 0 mL", "400 in 250 mL", "2 mg/mL in 5 mL", "100,000 units"} {
		if q, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %s, want an error", bad, q)
		}
	}
	t.Run("usable in a request", func(t *testing.T) {
		res := evalGuarded(t, `{"kind":"volume","dose":"5000 units","concentration":"25000 units/250 mL"}`)
		if got := output(t, res, "volume"); got != "50 mL" {
			t.Errorf("volume = %v", got)
		}
	})
}

// The calculator's display fields are at measurable precision; the plain outputs keep every
// digit.
func TestDisplayFieldsAtMeasurablePrecision(t *testing.T) {
	t.Parallel()
	tests := []struct{ req, field, value, display string }{
		{`{"kind":"volume","dose":"1000 mg","concentration":"78 mg/mL"}`, "volume", "12.8205128205128205128205 mL", "12.8 mL"},
		{`{"kind":"dose","dose":"1.5 mcg/kg","weight":"0.7 kg"}`, "dose", "1.05 mcg", "1.05 mcg"},
		{`{"kind":"dose","dose":"0.0015 mg/kg","weight":"0.7 kg"}`, "dose", "0.00105 mg", "1.05 mcg"},
		{`{"kind":"reconstitution","amount":"1 g","displacement":"0 mL","diluent_volume":"3 mL"}`, "concentration", "333.333333333333333333333 mg/mL", "333.3 mg/mL"},
		{`{"kind":"volume","dose":"1087.5 mg","concentration":"50 mg/mL","round_to":"0.01 mL"}`, "volume", "21.75 mL", "21.75 mL"},
		{`{"kind":"dose","dose":"15 mg/kg","weight":"72.5 kg"}`, "dose", "1087.5 mg", "1,087.5 mg"},
	}
	for _, tt := range tests {
		res := evalGuarded(t, tt.req)
		if got := output(t, res, tt.field); got != tt.value {
			t.Errorf("%s: %s = %v, want %s", tt.req, tt.field, got, tt.value)
		}
		if got := res.Display[tt.field]; got != tt.display {
			t.Errorf("%s: display %s = %q, want %q", tt.req, tt.field, got, tt.display)
		}
	}
}
