package textcheck

import (
	"errors"
	"testing"
)

// The attacks of the review, each in the field it arrived in.
func TestHostileText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, code, field string
	}{
		{"right-to-left override in a location", `{"patient":{"location":"Ward \u202e3B"}}`, CodeBadCharacter, "patient.location"},
		{"isolate in a name", `{"patient":{"name":"Doe\u2067, Jane"}}`, CodeBadCharacter, "patient.name"},
		{"Cyrillic c in cefazolin", `{"drug":"сeFAZolin"}`, CodeMixedScript, "drug"},
		{"Greek omicron in a brand", `{"brand":"Ancef\u03bf"}`, CodeMixedScript, "brand"},
		{"CR LF in a name", `{"display_name":"tech\r\nadmin"}`, CodeBadCharacter, "display_name"},
		{"ESC in a label field", `{"items":[{"lot":"A1"},{"lot":"\u001b[31mB2"}]}`, CodeBadCharacter, "items[1].lot"},
		{"NUL anywhere", `{"reason":"x\u0000y"}`, CodeBadCharacter, "reason"},
		{"GS outside scanner data", `{"lot":"A\u001dB"}`, CodeBadCharacter, "lot"},
		{"zero-width space", `{"username":"ph\u200barm1"}`, CodeBadCharacter, "username"},
		{"control character in a key", `{"a\u0007":"x"}`, CodeBadCharacter, "a\a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := JSON([]byte(c.body))
			var te *Error
			if !errors.As(err, &te) || te.Code != c.code || te.Field != c.field {
				t.Fatalf("JSON(%s) = %v; want %s on %q", c.body, err, c.code, c.field)
			}
		})
	}
}

// What ordinary clinical text looks like passes.
func TestOrdinaryText(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"drug":"ceFAZolin","dose":"1 g","patient":{"name":"Müller, Zoë","location":"4 West – 12"}}`,
		`{"data":"]d2010030012345678917270131\u001d10A123"}`,
		`{"reason":"bag leaked\nremade","note":"tab\there"}`,
		`{"drug":"5-fluorouracil","diluent":"NS 0.9%"}`,
		`{"drug":"ЦЕФАЗОЛИН"}`,
		`not json at all`,
		`{"n":[1,2,{"x":null,"y":true}]}`,
	} {
		if err := JSON([]byte(body)); err != nil {
			t.Errorf("JSON(%s) = %v; want it accepted", body, err)
		}
	}
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`{"drug":"сeFAZolin","a":[{"b":"\u202e"}]}`))
	f.Add([]byte(`{"data":"\u001d"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := JSON(b)
		var te *Error
		if err != nil && (!errors.As(err, &te) || te.Code == "" || te.Msg == "") {
			t.Fatalf("JSON(%q) = %v: not a named refusal", b, err)
		}
	})
}

// BenchmarkJSON is the check's cost on a typical order body.
func BenchmarkJSON(b *testing.B) {
	body := []byte(`{"patient":{"mrn":"00123456","name":"Müller, Zoë","birth_date":"1961-04-02","weight":"72.5 kg","height":"170 cm","location":"4 West 12"},` +
		`"drug":"ceFAZolin","dose":"2 g","route":"IV","diluent":"NS","final_volume":"100 mL","due_at":"2026-12-03T10:00:00Z","priority":"routine"}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := JSON(body); err != nil {
			b.Fatal(err)
		}
	}
}
