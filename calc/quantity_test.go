package calc

import (
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // Quantity.String()
	}{
		{"15 mg/kg", "15 mg/kg"},
		{"15mg/kg", "15 mg/kg"},
		{"  72.5 kg ", "72.5 kg"},
		{"0.9%", "9 mg/mL"},
		{"0.9 %", "9 mg/mL"},
		{"1:1000", "1 mg/mL"},
		{"1 : 10000", "0.1 mg/mL"},
		{"1:3", "333.333333333333333333333 mg/mL"},
		{"5mcg/kg/min", "5 mcg/kg/min"},
		{"5 µg/kg/min", "5 mcg/kg/min"},
		{"5 μg/kg/min", "5 mcg/kg/min"},
		{"5 ug/kg/min", "5 mcg/kg/min"},
		{"2 mEq/mL", "2 mEq/mL"},
		{"2 meq/ml", "2 mEq/mL"},
		{"100000 units", "100000 units"},
		{"100000 U", "100000 units"},
		{"100000 IU", "100000 units"},
		{"1 unit", "1 units"},
		{"2 million units", "2 million units"},
		{"4 milliunits/min", "4 milliunits/min"},
		{"10 cc", "10 mL"},
		{"10 ml", "10 mL"},
		{"1.73 m²", "1.73 m2"},
		{"1.73 m^2", "1.73 m2"},
		{"1.73m2", "1.73 m2"},
		{"100 mg/m2", "100 mg/m2"},
		{"20 mL/hr", "20 mL/h"},
		{"20 mL/hour", "20 mL/h"},
		{"3 days", "3 day"},
		{"15 gtt/mL", "15 gtt/mL"},
		{"74.55 g/mol", "74.55 g/mol"},
		{"5 mg·h/L", "5 mg·h/L"},
		{"5 mg*h/L", "5 mg·h/L"},
		{"308 mOsm/L", "308 mOsm/L"},
		{"88.4 umol/L", "88.4 micromol/L"},
		{"150 lb", "150 lb"},
		{"0.50 mg", "0.5 mg"},
		{"-3 mg", "-3 mg"},
		{"45", "45"},
		{"0", "0"},
		{"1/h", "1/h"}, // a dimensionless number "1" followed by unit "/h" is not valid; see below
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if tt.in == "1/h" {
				if _, err := Parse(tt.in); err == nil {
					t.Fatalf("Parse(%q) accepted a unit starting with /", tt.in)
				}
				return
			}
			q, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := q.String(); got != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		code     string
		mentions string
	}{
		{"", CodeMissing, "empty"},
		{"   ", CodeMissing, "empty"},
		{"100,000 units", CodeInvalid, "thousands"},
		{"1,5 mg", CodeInvalid, "decimal comma"},
		{".5 mg", CodeInvalid, "leading zero"},
		{"5. mg", CodeInvalid, "digit after"},
		{"1e3 mg", CodeInvalid, "exponent"},
		{"1E-3 mg", CodeInvalid, "exponent"},
		{"mg", CodeInvalid, "number"},
		{"5 mgg", CodeUnknownUnit, "mgg"},
		{"5 furlongs", CodeUnknownUnit, "furlongs"},
		{"5 mM", CodeUnknownUnit, "molar"},
		{"5 M", CodeUnknownUnit, "molar"},
		{"5 mg/kg·min", CodeInvalid, "ambiguous"},
		{"5 mg/(kg·min)", CodeInvalid, "parentheses"},
		{"5 mg·g", CodeInvalid, "mixes"},
		{"5 mg/mg", CodeInvalid, "cancels"},
		{"5 mg/", CodeInvalid, "empty unit term"},
		{"2:1000", CodeInvalid, "1:x"},
		{"1:0", CodeNotPositive, "above zero"},
		{"1:1000 mg", CodeInvalid, "no unit"},
		{"5 %w/v", CodeInvalid, "w/v"},
		{"1234567890123456789012345678901 mg", CodeOutOfRange, "digits"},
		{strings.Repeat("1", 101), CodeInvalid, "longer"},
		{"−5 mg", CodeInvalid, "number"}, // Unicode minus: refused rather than guessed
		{"5 m10", CodeUnknownUnit, "m10"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse(%q) error = %v, want *Error", tt.in, err)
			}
			if ce.Code != tt.code || ce.Field == "" || !strings.Contains(ce.Message, tt.mentions) {
				t.Errorf("Parse(%q) = %+v, want code %s mentioning %q", tt.in, ce, tt.code, tt.mentions)
			}
		})
	}
}

func TestParseDecimalAndPercent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"45", "45", true}, {"0.425", "0.425", true}, {"-3", "-3", true}, {"45 kg", "", false}, {"", "", false}, {".5", "", false},
	} {
		t.Run("decimal "+tt.in, func(t *testing.T) {
			d, err := ParseDecimal(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseDecimal(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && plain(d) != tt.want {
				t.Errorf("ParseDecimal(%q) = %s, want %s", tt.in, plain(d), tt.want)
			}
		})
	}
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"5%", "5", true}, {"0.5 %", "0.5", true}, {"5", "", false}, {"5 mg%", "", false}, {"%", "", false},
	} {
		t.Run("percent "+tt.in, func(t *testing.T) {
			d, err := ParsePercent(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParsePercent(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if tt.ok && plain(d) != tt.want {
				t.Errorf("ParsePercent(%q) = %s, want %s", tt.in, plain(d), tt.want)
			}
		})
	}
}

func TestQuantityArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   func(a, b Quantity) (Quantity, error)
		a, b string
		want string
		code string // expected error code, "" for success
	}{
		{"per kg times kg", Quantity.Mul, "15 mg/kg", "72.5 kg", "1087.5 mg", ""},
		{"per kg times g", Quantity.Mul, "15 mg/kg", "72500 g", "1087.5 mg", ""},
		{"per kg times lb", Quantity.Mul, "10 mg/kg", "100 lb", "453.5923700 mg", ""},
		{"per kg per min times kg", Quantity.Mul, "5 mcg/kg/min", "70 kg", "350 mcg/min", ""},
		{"per m2 times m2", Quantity.Mul, "100 mg/m2", "1.91 m2", "191 mg", ""},
		{"dose over concentration", Quantity.Div, "1087.5 mg", "50 mg/mL", "21.75 mL", ""},
		{"g over mg/mL", Quantity.Div, "1 g", "50 mg/mL", "20 mL", ""},
		{"rate over concentration", Quantity.Div, "350 mcg/min", "1.6 mg/mL", "0.21875 mL/min", ""},
		{"per kg over concentration", Quantity.Div, "15 mg/kg", "50 mg/mL", "0.3 mL/kg", ""},
		{"divide by zero", Quantity.Div, "1 mg", "0 mL", "", CodeNotPositive},
		{"add mg and g", Quantity.Add, "500 mg", "1 g", "1500 mg", ""},
		{"add h to min", Quantity.Add, "1 h", "30 min", "1.5 h", ""},
		{"sub", Quantity.Sub, "1 L", "250 mL", "0.75 L", ""},
		{"add mg and mL", Quantity.Add, "5 mg", "5 mL", "", CodeWrongDimension},
		{"add mg/kg and mg", Quantity.Add, "5 mg/kg", "5 mg", "", CodeWrongDimension},
		{"add mEq and mg", Quantity.Add, "5 mEq", "5 mg", "", CodeWrongDimension},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.op(MustParse(tt.a), MustParse(tt.b))
			if tt.code != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Code != tt.code {
					t.Fatalf("got %v, %v; want error %s", got, err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := MustParse(tt.want)
			if got.Unit != want.Unit || !got.Value.Equal(want.Value) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestQuantityCmp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"1 g", "1000 mg", 0}, {"1 g", "999 mg", 1}, {"60 min", "1 h", 0}, {"1 mL/min", "60 mL/h", 0},
		{"1 mL/min", "59.9 mL/h", 1}, {"1 lb", "453.59237 g", 0}, {"0.9%", "9 mg/mL", 0},
	}
	for _, tt := range tests {
		t.Run(tt.a+" vs "+tt.b, func(t *testing.T) {
			got, err := MustParse(tt.a).Cmp(MustParse(tt.b))
			if err != nil || got != tt.want {
				t.Errorf("Cmp = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	if _, err := MustParse("1 g").Cmp(MustParse("1 mL")); err == nil {
		t.Error("comparing g with mL succeeded")
	}
}

func TestConvert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to, want string
	}{
		{"1 g", "mg", "1000 mg"},
		{"1087.5 mg", "g", "1.0875 g"},
		{"2.5 mcg", "ng", "2500 ng"},
		{"1 L", "mL", "1000 mL"},
		{"60 mL/h", "mL/min", "1 mL/min"},
		{"10 mL/min", "L/h", "0.6 L/h"},
		{"5 mcg/kg/min", "mg/kg/h", "0.3 mg/kg/h"},
		{"175 cm", "m", "1.75 m"},
		{"70 in", "cm", "177.8 cm"},
		{"10000 cm2", "m2", "1 m2"},
		{"1 day", "h", "24 h"},
		{"2 million units", "units", "2000000 units"},
		{"1 Eq", "mEq", "1000 mEq"},
		{"1 g/dL", "mg/dL", "1000 mg/dL"},
		{"1 mg/mL", "g/L", "1 g/L"},
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			got, err := MustParse(tt.from).In(tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	for _, tt := range []struct{ from, to, mentions string }{
		{"1 mEq", "mg", "equivalents"},
		{"1 mg/kg", "mg", "mass/mass"},
		{"1 units", "mg", "activity"},
		{"1 mL", "g", "volume"},
		{"1 m2", "m", "area"},
	} {
		t.Run(tt.from+" refused as "+tt.to, func(t *testing.T) {
			_, err := MustParse(tt.from).In(tt.to)
			var ce *Error
			if !errors.As(err, &ce) || ce.Code != CodeWrongDimension || !strings.Contains(ce.Message, tt.mentions) {
				t.Errorf("got %v, want wrong_dimension naming %q", err, tt.mentions)
			}
		})
	}
}

func TestUnitStringAndDimension(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, str, dim string }{
		{"mg", "mg", "mass"},
		{"mcg/kg/min", "mcg/kg/min", "mass/mass/time"},
		{"units/kg/hr", "units/kg/h", "activity/mass/time"},
		{"mL/h", "mL/h", "volume/time"},
		{"gtt/min", "gtt/min", "drops/time"},
		{"mg/m²", "mg/m2", "mass/area"},
		{"g/mol", "g/mol", "mass/amount"},
		{"1/h", "1/h", "1/time"},
		{"min/mL", "min/mL", "time/volume"},
		{"mL/min/kg", "mL/kg/min", "volume/mass/time"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseUnit(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if u.String() != tt.str || u.Dimension() != tt.dim {
				t.Errorf("got %q (%s), want %q (%s)", u.String(), u.Dimension(), tt.str, tt.dim)
			}
			back, err := ParseUnit(u.String())
			if err != nil || back != u {
				t.Errorf("canonical %q does not parse back to the same unit: %v", u.String(), err)
			}
		})
	}
	if !(Unit{}).IsDimensionless() || (Unit{}).Dimension() != "dimensionless" {
		t.Error("zero Unit is not dimensionless")
	}
	if MustParseUnit("mg/kg").SameDimension(Unit{}) {
		t.Error("mg/kg must not collapse to a plain number")
	}
}

func TestMustParsePanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustParse did not panic on bad input")
		}
	}()
	MustParse("five mg")
}

func TestErrorInterface(t *testing.T) {
	t.Parallel()
	_, err := Parse("5 mgg")
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatal("errors.As failed")
	}
	if !strings.HasPrefix(err.Error(), "quantity: ") {
		t.Errorf("Error() = %q, want the field first", err.Error())
	}
	if (&Error{Message: "m"}).Error() != "m" {
		t.Error("Error() without field")
	}
	if relabel(errors.New("x"), "f").(*Error).Field != "f" || relabel(nil, "f") != nil {
		t.Error("relabel")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"15 mg/kg", "0.9%", "1:1000", "5mcg/kg/min", "100,000 units", ".5", "1e3", "2 million units",
		"1.73 m²", "5 mg/kg·min", "-0", "1:", ":", "5 m^9", "5 m9/m9", "0.000000000000000000000000001 ng"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || ce.Field == "" || ce.Code == "" || ce.Message == "" {
				t.Fatalf("Parse(%q) rejection %v is not a complete *Error", s, err)
			}
			return
		}
		// Whatever parses prints canonically and parses back to the same quantity.
		out := q.String()
		back, err := Parse(out)
		if err != nil && (len(out) > maxInputLen || digitCount(out) > maxDigits) {
			return // canonical form of a value at the input limits (e.g. 30 digits in percent, ×10)
		}
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse back: %v", s, out, err)
		}
		if back.Unit != q.Unit || !back.Value.Equal(q.Value) {
			t.Fatalf("Parse(%q) = %q, parses back as %q", s, out, back)
		}
		_ = Display(q)
	})
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// decimalOf is a test helper for literal decimals.
func decimalOf(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// A unit keeps every atom at every power in either side of its dimension's slot, and
// clearing one slot leaves the others as they were.
func TestUnitSlotsHoldEveryFactor(t *testing.T) {
	for id := 1; id < len(atoms); id++ {
		d := atoms[id].dim
		for pow := int8(1); pow <= maxPow; pow++ {
			f := factor{uint8(id), pow}
			var u Unit
			u.setPos(d, f)
			u.setNeg(d, f)
			other := dimension((int(d) + 1) % int(numDims))
			u.setPos(other, factor{dimFirst[other] + 1, 1})
			if u.pos(d) != f || u.neg(d) != f {
				t.Fatalf("%s^%d: slots hold %v and %v", atoms[id].sym, pow, u.pos(d), u.neg(d))
			}
			u.setPos(d, factor{})
			if u.pos(d) != (factor{}) || u.neg(d) != f || u.pos(other) != (factor{dimFirst[other] + 1, 1}) {
				t.Fatalf("%s^%d: clearing one slot changed another: %+v", atoms[id].sym, pow, u)
			}
		}
	}
}
