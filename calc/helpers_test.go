package calc

import (
	"errors"
	"strings"
	"testing"
)

// wantQ fails unless got prints as want (the API's plain form).
func wantQ(t *testing.T, what string, got Quantity, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %q, want %q", what, got.String(), want)
	}
}

// wantErr fails unless err is a *Error on field with code.
func wantErr(t *testing.T, err error, field, code string) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want *Error{Field: %q, Code: %q}", err, field, code)
	}
	if ce.Field != field || ce.Code != code {
		t.Errorf("error = %+v, want field %q code %q", ce, field, code)
	}
	if ce.Message == "" {
		t.Error("error has no message")
	}
}

// wantStep fails unless one of the steps contains sub.
func wantStep(t *testing.T, steps []string, sub string) {
	t.Helper()
	for _, s := range steps {
		if strings.Contains(s, sub) {
			return
		}
	}
	t.Errorf("no step contains %q; steps:\n%s", sub, strings.Join(steps, "\n"))
}

func qp(s string) *Quantity {
	q := MustParse(s)
	return &q
}

// testSyringes is the usual syringe range of an IV room with floors (capacity, graduation,
// smallest accurate volume), the same numbers the site data ships with.
func testSyringes() []Syringe {
	rows := [][3]string{
		{"1 mL", "0.01 mL", "0.1 mL"}, {"3 mL", "0.1 mL", "0.5 mL"}, {"5 mL", "0.2 mL", "1 mL"}, {"10 mL", "0.2 mL", "2 mL"},
		{"20 mL", "1 mL", "4 mL"}, {"30 mL", "1 mL", "6 mL"}, {"60 mL", "1 mL", "12 mL"},
	}
	out := make([]Syringe, len(rows))
	for i, r := range rows {
		out[i] = Syringe{Capacity: MustParse(r[0]), Graduation: MustParse(r[1]), Floor: MustParse(r[2])}
	}
	return out
}

// testGuards are the site defaults the data ships with, built by hand here because the
// calculator reads no data of its own.
func testGuards() *Guards {
	r := func(lo, hi string, flag bool) Range {
		var rg Range
		if lo != "" {
			rg.Min = qp(lo)
		}
		if hi != "" {
			rg.Max = qp(hi)
		}
		rg.FlagOnly = flag
		return rg
	}
	return &Guards{
		DeviationWarn: decimalOf("5"), DeviationRefuse: decimalOf("10"), Syringes: testSyringes(),
		Ranges: map[string]Range{
			"weight": r("0.2 kg", "650 kg", false), "height": r("20 cm", "275 cm", false), "bsa": r("0.03 m2", "4 m2", false),
			"serum_creatinine": r("0.1 mg/dL", "25 mg/dL", false), "crcl": r("", "250 mL/min", true),
			"auc": r("1", "10", false), "rate": r("0.1 mL/h", "999 mL/h", false),
		},
		ImplausiblePerKg: qp("10 g/kg"), ImplausibleTotal: qp("500 g"),
	}
}
