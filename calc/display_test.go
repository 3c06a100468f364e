package calc

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestDisplayRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, in, want string
	}{
		{"leading zero", "0.5 mg", "0.5 mg"},
		{"leading zero, small", "0.05 mg", "0.05 mg"},
		{"no trailing zero", "5.0 mg", "5 mg"},
		{"no trailing zero after decimals", "2.50 mL", "2.5 mL"},
		{"graduation value unpadded", "21.80 mL", "21.8 mL"},
		{"space before unit", "5mg", "5 mg"},
		{"mL never ml", "5 ml", "5 mL"},
		{"mL never cc", "5 cc", "5 mL"},
		{"mcg never ug", "5 ug", "5 mcg"},
		{"mcg never µg", "5 µg", "5 mcg"},
		{"units never U", "5000 U", "5,000 units"},
		{"units never IU", "100000 IU", "100,000 units"},
		{"mEq", "20 meq", "20 mEq"},
		{"mmol", "15 MMOL", "15 mmol"},
		{"no separator below 1,000", "999 mg", "999 mg"},
		{"separator from 1,000", "1000 mg", "1,000 mg"},
		{"separator 1,250", "1250 mg", "1,250 mg"},
		{"separator with decimals", "1087.5 mg", "1,087.5 mg"},
		{"separator 100,000", "100000 units", "100,000 units"},
		{"separator millions", "1234567.25 units", "1,234,567.25 units"},
		{"decimals never grouped", "0.00012345 mg", "0.00012345 mg"},
		{"compound unit", "5 mcg/kg/min", "5 mcg/kg/min"},
		{"rate", "13.1 mL/hr", "13.1 mL/h"},
		{"zero", "0 mL", "0 mL"},
		{"negative", "-1250.5 mg", "-1,250.5 mg"},
		{"plain number", "1000", "1,000"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			got := Display(MustParse(tt.in))
			if got != tt.want {
				t.Errorf("Display(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.HasSuffix(got, ".") {
				t.Errorf("Display(%q) = %q ends with a period", tt.in, got)
			}
		})
	}
}

func TestPlainIgnoresDecimalGlobals(t *testing.T) {
	// Output must not change when another package flips decimal's global
	// switches. Not parallel: it sets those globals, which the parallel
	// tests read (go test runs them only after the sequential ones).
	oldSci, oldTrim := decimal.UseScientificNotation, decimal.TrimTrailingZeros
	decimal.UseScientificNotation, decimal.TrimTrailingZeros = true, false
	defer func() { decimal.UseScientificNotation, decimal.TrimTrailingZeros = oldSci, oldTrim }()
	for _, tt := range []struct {
		d    decimal.Decimal
		want string
	}{
		{decimal.New(15, 2), "1500"},
		{decimal.New(1500, -3), "1.5"},
		{decimal.New(5, -7), "0.0000005"},
		{decimal.New(-2180, -2), "-21.8"},
		{decimal.New(0, 3), "0"},
	} {
		if got := plain(tt.d); got != tt.want {
			t.Errorf("plain(%#v) = %q, want %q", tt.d, got, tt.want)
		}
		if got := MustParse("1087.50 mg").String(); got != "1087.5 mg" {
			t.Errorf("String() = %q under changed globals", got)
		}
	}
}

// genDecimal draws decimals with up to 12 digits and up to 8 places, including negatives.
func genDecimal() *rapid.Generator[decimal.Decimal] {
	return rapid.Custom(func(t *rapid.T) decimal.Decimal {
		c := rapid.Int64Range(-999_999_999_999, 999_999_999_999).Draw(t, "coefficient")
		e := rapid.Int32Range(-8, 6).Draw(t, "exponent")
		return decimal.New(c, e)
	})
}

func TestDisplayProperties(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		d := genDecimal().Draw(t, "d")
		s := DisplayDecimal(d)
		num := strings.TrimPrefix(s, "-")
		if strings.HasPrefix(num, ".") {
			t.Fatalf("%q has a bare leading point", s)
		}
		if strings.Contains(num, ".") && (strings.HasSuffix(num, "0") || strings.HasSuffix(num, ".")) {
			t.Fatalf("%q has a trailing zero or point", s)
		}
		if strings.ContainsAny(s, "eE") {
			t.Fatalf("%q has an exponent", s)
		}
		intPart, _, _ := strings.Cut(num, ".")
		groups := strings.Split(intPart, ",")
		for i, g := range groups {
			if (i > 0 && len(g) != 3) || len(g) == 0 || len(g) > 3 {
				t.Fatalf("%q is grouped wrongly", s)
			}
		}
		// Removing the separators gives back the same number.
		back, err := decimal.NewFromString(strings.ReplaceAll(s, ",", ""))
		if err != nil || !back.Equal(d) {
			t.Fatalf("%q does not read back as %s", s, d)
		}
		// And the API's plain form parses with Parse.
		q, err := Parse(plain(d))
		if err != nil || !q.Value.Equal(d) {
			t.Fatalf("plain %q does not parse back: %v", plain(d), err)
		}
	})
}

func TestRoundSigAndEq(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, want string
		approx   bool
	}{
		{"1.909406539564933336", "1.90940654", true}, // 10 significant digits
		{"21.75", "21.75", false},
		{"113.33333333333333", "113.3333333", true},
		{"0.000123456789012", "0.0001234567890", true},
		{"0", "0", false},
	} {
		got, approx := roundSig(decimalOf(tt.in), stepDigits)
		if !got.Equal(decimalOf(tt.want)) || approx != tt.approx {
			t.Errorf("roundSig(%s) = %s,%v; want %s,%v", tt.in, got, approx, tt.want, tt.approx)
		}
	}
	if got := eq(MustParse("21.75 mL")); got != "= 21.75 mL" {
		t.Errorf("eq = %q", got)
	}
	if got := eq(Quantity{Value: decimalOf("113.333333333333333"), Unit: unitMLPerMin}); got != "≈ 113.3333333 mL/min" {
		t.Errorf("eq = %q", got)
	}
}

func TestDisplayMeasured(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q    string
		sig  int32
		want string
	}{
		{"0.00105 mg", 3, "1.05 mcg"},
		{"0.05 g", 3, "50 mg"},
		{"0.00005 g", 3, "50 mcg"},
		{"0.5 mg", 3, "0.5 mg"},
		{"333.333333333333333333333 mg/mL", 4, "333.3 mg/mL"},
		{"12.82051282051282051 mL", 3, "12.8 mL"},
		{"0.0123456 mg/mL", 3, "12.3 mcg/mL"},
		{"1087.5 mg", 6, "1,087.5 mg"},
		{"3030.30303030303 mg", 6, "3,030.3 mg"},
		{"0.005 mL", 3, "0.005 mL"},
		{"4.16666666 units/mL", 3, "4.17 units/mL"},
	}
	for _, tt := range tests {
		if got := DisplayMeasured(MustParse(tt.q), tt.sig); got != tt.want {
			t.Errorf("DisplayMeasured(%s, %d) = %q, want %q", tt.q, tt.sig, got, tt.want)
		}
	}
}
