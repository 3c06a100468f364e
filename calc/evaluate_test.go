package calc

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEvaluateJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, req, want string
	}{
		{"dose per kg",
			`{"kind":"dose","dose":"15 mg/kg","weight":"72.5 kg"}`,
			`{"kind":"dose","dose":"1087.5 mg","capped":false,"display":{"dose":"1,087.5 mg"},"steps":["dose = 15 mg/kg × 72.5 kg = 1,087.5 mg"]}`},
		{"volume rounded",
			`{"kind":"volume","dose":"1087.5 mg","concentration":"50 mg/mL","round_to":"0.2 mL"}`,
			`{"kind":"volume","exact_volume":"21.75 mL","volume":"21.8 mL","delivered_dose":"1090 mg","deviation":"+0.2%",` +
				`"display":{"volume":"21.8 mL","delivered_dose":"1,090 mg"},` +
				`"steps":["volume = 1,087.5 mg ÷ 50 mg/mL = 21.75 mL","volume rounded to 0.2 mL = 21.8 mL",` +
				`"delivered dose = 21.8 mL × 50 mg/mL = 1,090 mg"]}`},
		{"gravimetric",
			`{"kind":"gravimetric","volume":"20 mL","specific_gravity":"1.02","measured":"20.33 g","tolerance":"5%"}`,
			`{"kind":"gravimetric","expected":"20.4 g","deviation":"-0.34%","exact_deviation":"-0.343137254901960784313725%","pass":true,` +
				`"display":{"expected":"20.4 g"},"steps":["expected = 20 mL × specific gravity 1.02 = 20.4 g",` +
				`"deviation = (20.33 g − 20.4 g) ÷ 20.4 g × 100 ≈ -0.3431372549%, shown as -0.34%","|deviation| ≤ 5% tolerance: pass"]}`},
		{"carboplatin capped",
			`{"kind":"carboplatin","auc":"5","gfr":"140 mL/min"}`,
			`{"kind":"carboplatin","dose":"750 mg","capped":true,"gfr_used":"125 mL/min","display":{"dose":"750 mg","gfr_used":"125 mL/min"},` +
				`"steps":["GFR 140 mL/min is above the cap 125 mL/min; the cap is used",` +
				`"carboplatin dose (Calvert) = AUC 5 mg/mL·min × (125 mL/min + 25 mL/min) = 750 mg"]}`},
		{"percent",
			`{"kind":"percent","strength":"1:1000"}`,
			`{"kind":"percent","concentration":"1 mg/mL","percent":"0.1%","ratio":"1:1000","display":{"concentration":"1 mg/mL"},` +
				`"steps":["concentration = 1 mg/mL","percent w/v = 1 mg/mL ÷ 10 = 0.1%","ratio strength = 1:(1000 ÷ 1 mg/mL) = 1:1,000"]}`},
		{"vials",
			`{"kind":"vials","dose":"1087.5 mg","vial_amount":"500 mg"}`,
			`{"kind":"vials","vials":"3","remainder":"412.5 mg","display":{"remainder":"412.5 mg"},` +
				`"steps":["vials = ceiling(1,087.5 mg ÷ 500 mg) = 3","left in the last vial = 3 × 500 mg − 1,087.5 mg = 412.5 mg"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Evaluate([]byte(tt.req))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(res)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestEvaluateOutputs checks the main output of every kind, including the ones beyond the
// table of calculators.
func TestEvaluateOutputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		req, field string
		want       any
	}{
		{`{"kind":"dose","dose":"100 mg/m2","weight":"75 kg","height":"175 cm"}`, "bsa", "1.91 m2"},
		{`{"kind":"dose","dose":"100 mg/m2","weight":"75 kg","height":"175 cm","bsa_formula":"haycock"}`, "dose", "192 mg"},
		{`{"kind":"dose","dose":"15 mg/kg","weight":"100 kg","max_dose":"1 g"}`, "capped", true},
		{`{"kind":"dose","dose":"15 mg/kg","weight":"100 kg","max_dose":"1 g"}`, "calculated_dose", "1500 mg"},
		{`{"kind":"volume","dose":"118.5 mg","concentration":"50 mg/mL","round_to":"syringe"}`, "syringe", "3 mL"},
		{`{"kind":"volume","dose":"118.5 mg","concentration":"50 mg/mL","round_to":"syringe"}`, "volume", "2.4 mL"},
		{`{"kind":"dilution","stock_concentration":"5 mg/mL","final_concentration":"3 mg/mL","final_volume":"100 mL"}`, "diluent_volume", "40 mL"},
		{`{"kind":"reconstitution","amount":"1 g","displacement":"0.5 mL","target_concentration":"100 mg/mL"}`, "diluent_volume", "9.5 mL"},
		{`{"kind":"infusion_rate","dose_rate":"5 mcg/kg/min","weight":"70 kg","concentration":"1600 mcg/mL"}`, "rate", "13.1 mL/h"},
		{`{"kind":"infusion_rate","volume":"1000 mL","duration":"8 h"}`, "rate", "125 mL/h"},
		{`{"kind":"drip_rate","volume":"1000 mL","duration":"8 h","drop_factor":"15 gtt/mL"}`, "rate", "31 gtt/min"},
		{`{"kind":"bsa","weight":"75 kg","height":"175 cm","formula":"DuBois"}`, "bsa", "1.9 m2"},
		{`{"kind":"bsa","weight":"75 kg","height":"175 cm"}`, "formula", "mosteller"},
		{`{"kind":"crcl","age":"40","sex":"male","weight":"80 kg","serum_creatinine":"1 mg/dL"}`, "crcl", "111 mL/min"},
		{`{"kind":"crcl","age":"40","sex":"Male","weight":"150 kg","height":"180 cm","serum_creatinine":"1 mg/dL","weight_basis":"adjusted","adjustment_factor":"0.3"}`, "crcl", "135 mL/min"},
		{`{"kind":"crcl","age":"40","sex":"male","weight":"150 kg","height":"180 cm","serum_creatinine":"1 mg/dL","weight_basis":"ideal"}`, "weight_basis", "ideal"},
		{`{"kind":"carboplatin","auc":"5","gfr":"140 mL/min","gfr_cap":"150 mL/min"}`, "dose", "825 mg"},
		{`{"kind":"meq","amount":"20 mEq","molar_mass":"74.55 g/mol","valence":"1"}`, "mass", "1491 mg"},
		{`{"kind":"meq","mass":"1491 mg","molar_mass":"74.55 g/mol","valence":"1"}`, "meq", "20 mEq"},
		{`{"kind":"ibw","height":"160 cm","sex":"female"}`, "ibw", "52.4 kg"},
		{`{"kind":"ibw","height":"160 cm","sex":"female","weight":"80 kg"}`, "adjusted_weight", "63.4 kg"},
		{`{"kind":"osmolarity","concentration":"0.9%","molar_mass":"58.44 g/mol","particles":"2"}`, "osmolarity", "308 mOsm/L"},
		{`{"kind":"osmolarity","concentration":"3%","molar_mass":"58.44 g/mol","particles":"2"}`, "above_limit", true},
		{`{"kind":"osmolarity","components":[{"concentration":"10%","molar_mass":"180.16 g/mol","particles":"1"},{"concentration":"20 mmol/L","particles":"2"}]}`, "osmolarity", "595 mOsm/L"},
		{`{"kind":"alligation","stronger":"70%","weaker":"5%","target":"20%"}`, "parts_weaker", "10"},
		{`{"kind":"alligation","stronger":"50%","weaker":"5%","target":"10%","total":"900 mL"}`, "volume_stronger", "100 mL"},
		{`{"kind":"percent","strength":"0.9%"}`, "concentration", "9 mg/mL"},
	}
	for _, tt := range tests {
		t.Run(tt.req, func(t *testing.T) {
			res, err := EvaluateWith([]byte(tt.req), testGuards())
			if err != nil {
				t.Fatal(err)
			}
			got, ok := res.Output(tt.field)
			if !ok || got != tt.want {
				t.Errorf("%s = %v, want %v (outputs %v)", tt.field, got, tt.want, res.Outputs)
			}
			if len(res.Steps) == 0 {
				t.Error("no steps")
			}
			var generic map[string]any
			b, _ := json.Marshal(res)
			if err := json.Unmarshal(b, &generic); err != nil || generic["kind"] == nil {
				t.Errorf("response JSON %s is not an object with kind: %v", b, err)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, req   string
		field, code string
	}{
		{"JSON number for a quantity", `{"kind":"dose","dose":15,"weight":"72.5 kg"}`, "dose", CodeInvalid},
		{"JSON number for age", `{"kind":"crcl","age":40,"sex":"male","weight":"80 kg","serum_creatinine":"1 mg/dL"}`, "age", CodeInvalid},
		{"unknown field", `{"kind":"dose","dose":"15 mg/kg","weight":"72.5 kg","patient":"x"}`, "patient", CodeInvalid},
		{"missing field", `{"kind":"volume","dose":"100 mg"}`, "concentration", CodeMissing},
		{"null is missing", `{"kind":"volume","dose":"100 mg","concentration":null}`, "concentration", CodeMissing},
		{"empty string", `{"kind":"volume","dose":"100 mg","concentration":" "}`, "concentration", CodeMissing},
		{"unknown kind", `{"kind":"magic"}`, "kind", CodeInvalid},
		{"missing kind", `{"dose":"100 mg"}`, "kind", CodeMissing},
		{"kind not a string", `{"kind":3}`, "kind", CodeInvalid},
		{"duplicate field", `{"kind":"dose","dose":"1 mg","dose":"2 mg"}`, "dose", CodeInvalid},
		{"trailing data", `{"kind":"dose","dose":"1 mg"} {}`, "request", CodeInvalid},
		{"not an object", `["kind"]`, "request", CodeInvalid},
		{"malformed", `{"kind":"dose",`, "request", CodeInvalid},
		{"empty", ``, "request", CodeInvalid},
		{"too large", `{"kind":"dose","dose":"` + strings.Repeat("1", maxRequestBytes) + `"}`, "request", CodeInvalid},
		{"parse error names the field", `{"kind":"dose","dose":"15 mgg/kg","weight":"72.5 kg"}`, "dose", CodeUnknownUnit},
		{"wrong dimension names the field", `{"kind":"dose","dose":"15 mg/kg","weight":"72.5 mL"}`, "weight", CodeWrongDimension},
		{"C2 above C1", `{"kind":"dilution","stock_concentration":"5 mg/mL","final_concentration":"6 mg/mL","final_volume":"100 mL"}`,
			"final_concentration", CodeOutOfRange},
		{"no specific gravity", `{"kind":"gravimetric","volume":"20 mL","measured":"20 g","tolerance":"5%"}`, "specific_gravity", CodeMissing},
		{"tolerance without %", `{"kind":"gravimetric","volume":"20 mL","specific_gravity":"1","measured":"20 g","tolerance":"5"}`, "tolerance", CodeInvalid},
		{"tolerance missing", `{"kind":"gravimetric","volume":"20 mL","specific_gravity":"1","measured":"20 g"}`, "tolerance", CodeMissing},
		{"crcl without sex", `{"kind":"crcl","age":"40","weight":"80 kg","serum_creatinine":"1 mg/dL"}`, "sex", CodeMissing},
		{"crcl without age", `{"kind":"crcl","sex":"male","weight":"4.5 kg","serum_creatinine":"0.5 mg/dL"}`, "age", CodeMissing},
		{"crcl zero factor", `{"kind":"crcl","age":"40","sex":"male","weight":"80 kg","height":"180 cm","serum_creatinine":"1 mg/dL","weight_basis":"adjusted","adjustment_factor":"0"}`,
			"adjustment_factor", CodeNotPositive},
		{"bsa without height", `{"kind":"bsa","weight":"80 kg"}`, "height", CodeMissing},
		{"bad bsa formula", `{"kind":"dose","dose":"1 mg/m2","weight":"80 kg","height":"180 cm","bsa_formula":"boyd"}`, "bsa_formula", CodeInvalid},
		{"meq both", `{"kind":"meq","amount":"20 mEq","mass":"1 g","molar_mass":"74.55 g/mol","valence":"1"}`, "mass", CodeConflict},
		{"meq neither", `{"kind":"meq","molar_mass":"74.55 g/mol","valence":"1"}`, "amount", CodeMissing},
		{"osmolarity both forms", `{"kind":"osmolarity","concentration":"1%","components":[]}`, "concentration", CodeInvalid},
		{"osmolarity empty components", `{"kind":"osmolarity","components":[]}`, "components", CodeInvalid},
		{"osmolarity unknown component field", `{"kind":"osmolarity","components":[{"concentration":"1%","x":"1"}]}`, "components[0].x", CodeInvalid},
		{"osmolarity component missing", `{"kind":"osmolarity","components":[{"concentration":"1%","particles":"1"}]}`, "components[0].molar_mass", CodeMissing},
		{"osmolarity component number", `{"kind":"osmolarity","components":[{"concentration":1,"particles":"1"}]}`, "components[0].concentration", CodeInvalid},
		{"ibw without sex", `{"kind":"ibw","height":"160 cm"}`, "sex", CodeMissing},
		{"round_to a mass", `{"kind":"volume","dose":"100 mg","concentration":"10 mg/mL","round_to":"1 mg"}`, "round_to", CodeWrongDimension},
		{"round_to not parseable", `{"kind":"volume","dose":"100 mg","concentration":"10 mg/mL","round_to":"fine"}`, "round_to", CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Evaluate([]byte(tt.req))
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	got := strings.Join(Kinds(), ",")
	for _, k := range []string{"dose", "volume", "dilution", "reconstitution", "infusion_rate", "drip_rate", "bsa", "crcl",
		"carboplatin", "gravimetric", "meq"} {
		if !strings.Contains(","+got+",", ","+k+",") {
			t.Errorf("kind %q missing from %s", k, got)
		}
	}
}

func TestResponseMarshalWarnings(t *testing.T) {
	t.Parallel()
	r := &Response{Kind: "x", Outputs: []Output{{"b", "2 mL"}, {"a", true}}, Warnings: []Warning{{Code: "note", Message: "careful <here>", Field: "b"}}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal escapes HTML in a Marshaler's output too.
	want := `{"kind":"x","b":"2 mL","a":true,"steps":[],"warnings":[{"code":"note","message":"careful \u003chere\u003e","field":"b"}]}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	if _, err := json.Marshal(&Response{Kind: "x", Outputs: []Output{{"bad", func() {}}}}); err == nil {
		t.Error("an unencodable output did not fail")
	}
}

func FuzzEvaluate(f *testing.F) {
	for _, s := range []string{
		`{"kind":"dose","dose":"15 mg/kg","weight":"72.5 kg"}`,
		`{"kind":"volume","dose":"1087.5 mg","concentration":"50 mg/mL","round_to":"0.2 mL"}`,
		`{"kind":"volume","dose":"1 mg","concentration":"1:1000","round_to":"syringe"}`,
		`{"kind":"infusion_rate","dose_rate":"5 mcg/kg/min","weight":"70 kg","concentration":"1600 mcg/mL"}`,
		`{"kind":"bsa","weight":"75 kg","height":"175 cm","formula":"haycock"}`,
		`{"kind":"crcl","age":"40","sex":"male","weight":"150 kg","height":"180 cm","serum_creatinine":"88 umol/L","weight_basis":"adjusted"}`,
		`{"kind":"gravimetric","volume":"20 mL","specific_gravity":"1.02","measured":"20.33 g","tolerance":"5%"}`,
		`{"kind":"osmolarity","components":[{"concentration":"10%","molar_mass":"180.16 g/mol","particles":"1"}]}`,
		`{"kind":"alligation","stronger":"70%","weaker":"0","target":"20%","total":"1 L"}`,
		`{"kind":"reconstitution","amount":"5 million units","displacement":"2 mL","target_concentration":"500000 units/mL"}`,
		`{"kind":"meq","mass":"149 mg/mL","molar_mass":"74.55 g/mol","valence":"1"}`,
		`{"kind":"dose","dose":15}`, `{}`, `[]`, `{"kind":"dose","dose":"1 mg","dose":"1 mg"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Evaluate(data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Field == "" || ce.Code == "" || ce.Message == "" {
				t.Fatalf("Evaluate(%q) rejection %#v is not a complete *Error", data, err)
			}
			return
		}
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if !json.Valid(b) {
			t.Fatalf("invalid JSON %s", b)
		}
	})
}

// splitObject reads every object the token decoder reads, member for member, or leaves it to
// the decoder.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{`{"kind":"volume","dose":"1087.5 mg"}`, `{}`, ` { "a" : [1, {"b": "}"}], "c": null } `,
		`{"a":1,"a":2}`, `{"a\"b":1}`, `{"":1}`, `[1]`, `{"a":"x\\"}"}`, `{"a":1} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := splitObject(data)
		if !ok {
			return
		}
		want, err := decodeObjectSlow(data, "request")
		if err != nil {
			t.Fatalf("%q split, but the decoder refuses it: %v", data, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d members, decoder %d", data, len(got), len(want))
		}
		for k, v := range want {
			if string(got[k]) != string(v) {
				t.Fatalf("%q member %q: %s, decoder %s", data, k, got[k], v)
			}
		}
	})
}
