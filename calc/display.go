package calc

import (
	"github.com/shopspring/decimal"
)

// Display is the one ISMP formatter for every dose, strength, volume and rate shown to a
// person: a leading zero (0.5 mg), no trailing zero (5 mg), thousands separators from 1,000
// (1,087.5 mg; 100,000 units), a space before the unit, canonical unit spellings (mL, mcg,
// units, mEq) and no period after the unit.
func Display(q Quantity) string {
	var buf [64]byte
	return string(appendDisplay(buf[:0], q))
}

// appendDisplay appends Display(q) to b.
func appendDisplay(b []byte, q Quantity) []byte {
	b = appendDecimal(b, q.Value, true)
	if !q.Unit.IsDimensionless() {
		b = append(b, ' ')
		b = q.Unit.appendTo(b)
	}
	return b
}

// DisplayDecimal formats a number by the same rules as Display, without a unit.
func DisplayDecimal(d decimal.Decimal) string {
	var buf [48]byte
	return string(appendDecimal(buf[:0], d, true))
}

// plain writes a decimal with no exponent, no trailing zeros, no separators, and a leading
// zero before the point: the API's output form.
func plain(d decimal.Decimal) string {
	var buf [48]byte
	return string(appendDecimal(buf[:0], d, false))
}

// appendDecimal writes d without exponent or trailing zeros, with a leading zero before the
// point, and with thousands separators when group is set. It works from the coefficient so
// that decimal's global formatting switches (TrimTrailingZeros, UseScientificNotation) can
// never change clinical output.
func appendDecimal(b []byte, d decimal.Decimal, group bool) []byte {
	sign := d.Sign()
	if sign == 0 {
		return append(b, '0')
	}
	if sign < 0 {
		b = append(b, '-')
	}
	if d.NumDigits() <= 18 {
		c := d.CoefficientInt64()
		if c < 0 {
			c = -c
		}
		return appendFx(b, fx{c: c, e: d.Exponent()}, group)
	}
	c := d.Coefficient()
	return appendDigits(b, []byte(c.Abs(c).String()), int(d.Exponent()), group)
}

// appendDigits writes the coefficient's digits (no sign, no leading zero) times 10^exp as
// appendDecimal does.
func appendDigits(b, digits []byte, exp int, group bool) []byte {
	for exp < 0 && len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	// Split into integer digits (followed by `zeros` zeros) and fraction digits.
	intDigits, zeros, leadZeros := digits, 0, 0
	var frac []byte
	switch {
	case exp >= 0:
		zeros = exp
	case -exp >= len(digits):
		intDigits, frac, leadZeros = nil, digits, -exp-len(digits)
	default:
		intDigits, frac = digits[:len(digits)+exp], digits[len(digits)+exp:]
	}
	if len(intDigits) == 0 {
		b = append(b, '0')
	}
	n := len(intDigits) + zeros
	for i := 0; i < n; i++ {
		if group && i > 0 && (n-i)%3 == 0 && n >= 4 {
			b = append(b, ',')
		}
		if i < len(intDigits) {
			b = append(b, intDigits[i])
		} else {
			b = append(b, '0')
		}
	}
	if len(frac) > 0 {
		b = append(b, '.')
		for range leadZeros {
			b = append(b, '0')
		}
		b = append(b, frac...)
	}
	return b
}

// stepDigits is how many significant digits a derivation line shows for a value that does not
// terminate; the output fields carry the full value.
const stepDigits = 10

// roundSig rounds half away from zero to n significant digits and reports whether that
// changed the value.
func roundSig(d decimal.Decimal, n int32) (decimal.Decimal, bool) {
	if d.IsZero() {
		return d, false
	}
	places := n - (int32(d.NumDigits()) + d.Exponent())
	if places >= -d.Exponent() {
		return d, false
	}
	r := d.Round(places)
	return r, !r.Equal(d)
}

// eq renders "= 1,087.5 mg", or "≈ 52.38188976 kg" when the value had to be shortened.
func eq(q Quantity) string {
	var buf [64]byte
	return string(appendEq(buf[:0], q))
}

// appendEq appends eq(q) to b.
func appendEq(b []byte, q Quantity) []byte {
	v, approx := roundSig(q.Value, stepDigits)
	if approx {
		b = append(b, "≈ "...)
	} else {
		b = append(b, "= "...)
	}
	return appendDisplay(b, Quantity{Value: v, Unit: q.Unit})
}

// show renders a value for a derivation line, shortened like eq.
func show(q Quantity) string {
	v, _ := roundSig(q.Value, stepDigits)
	return Display(Quantity{Value: v, Unit: q.Unit})
}

// showD is show for a plain number.
func showD(d decimal.Decimal) string {
	v, _ := roundSig(d, stepDigits)
	return DisplayDecimal(v)
}

// DisplaySignificant is Display at n significant digits for a derived value (a rate, a
// concentration, a per-kg dose): digits before the point are never dropped, and a value that
// fits is shown whole. 333.333… mg/mL with 4 gives "333.3 mg/mL"; 0.00105 mg gives
// "0.00105 mg" (use DisplayMeasured to switch to mcg).
func DisplaySignificant(q Quantity, n int32) string {
	return Display(Quantity{Value: roundSignificant(q.Value, n), Unit: q.Unit})
}

// roundSignificant rounds half away from zero to n significant digits, keeping every digit
// before the point.
func roundSignificant(d decimal.Decimal, n int32) decimal.Decimal {
	if d.IsZero() {
		return d
	}
	intDigits := int32(d.NumDigits()) + d.Exponent()
	places := n - intDigits
	if places < 0 {
		places = 0
	}
	if places >= -d.Exponent() {
		return d
	}
	return d.Round(places)
}

// measuredDigits: a value with more significant digits than this did not come from a
// measurement (a quotient that does not terminate) and is shown at measurable precision.
const measuredDigits = 6

// DisplayFor is the ISMP text of a result at the precision that can be measured: a small
// mass in the smaller unit (1.05 mcg, never 0.00105 mg); a value of a few digits (21.75 mL,
// 1,087.5 mg) as it is; a longer one to 4 significant digits for a concentration and 3 for
// anything else (333.3 mg/mL, 12.8 mL). The exact value stays in the plain output.
func DisplayFor(q Quantity) string {
	q = Smaller(q)
	if q.Value.NumDigits() <= measuredDigits {
		return Display(q)
	}
	if q.Unit.has(dimVolume, true) {
		return DisplaySignificant(q, 4)
	}
	return DisplaySignificant(q, 3)
}

// smallerMass is the next smaller mass unit a small value is shown in.
var smallerMass = map[string]string{"g": "mg", "mg": "mcg"}

// DisplayMeasured shows a value at the precision that can be measured or matters: a mass (or
// mass per volume, per time) below 0.1 of its unit switches to the next smaller unit, so
// 0.00105 mg reads 1.05 mcg, never 0.00105 mg; then sig significant digits are kept (digits
// before the point never dropped).
func DisplayMeasured(q Quantity, sig int32) string {
	return DisplaySignificant(Smaller(q), sig)
}

// Smaller returns q in the next smaller mass unit while its value is below 0.1 (g → mg → mcg);
// other quantities come back as they are.
func Smaller(q Quantity) Quantity {
	for range 2 {
		f := q.Unit.pos(dimMass)
		if f.atom == 0 || f.pow != 1 || q.Value.Abs().GreaterThanOrEqual(decimal.New(1, -1)) || q.Value.IsZero() {
			return q
		}
		to, ok := smallerMass[atoms[f.atom].sym]
		if !ok {
			return q
		}
		c, err := q.Convert(q.Unit.withNumerator(dimMass, to))
		if err != nil {
			return q
		}
		q = c
	}
	return q
}
