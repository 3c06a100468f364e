package calc

import (
	"strings"

	"github.com/shopspring/decimal"
)

// Plausibility bounds: they catch gross unit slips (a height of "175 m") and keep fractional
// powers away from absurd inputs. They are wide on purpose; they do not judge a patient.
var (
	maxWeightKg = decimal.NewFromInt(700)
	maxHeightCm = decimal.NewFromInt(300)
)

// trail collects the derivation lines and warnings of one calculation.
type trail struct {
	steps    []string
	warnings []Warning
}

func (t *trail) step(parts ...string) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n)
	for _, p := range parts {
		b.WriteString(p)
	}
	if t.steps == nil {
		t.steps = make([]string, 0, 8)
	}
	t.steps = append(t.steps, b.String())
}

// line adds a derivation line built in b (one allocation for the line, none for its parts).
func (t *trail) line(b []byte) {
	if t.steps == nil {
		t.steps = make([]string, 0, 8)
	}
	t.steps = append(t.steps, string(b))
}

func (t *trail) warn(code, field, msg string) {
	t.warnings = append(t.warnings, Warning{Code: code, Field: field, Message: msg})
}

// need checks that q has want's dimension and converts it to want exactly.
func need(field string, q Quantity, want Unit, example string) (rq, error) {
	if !q.Unit.SameDimension(want) {
		return rq{}, wrongDim(field, q, want.Dimension(), example)
	}
	return exactOf(q).to(want)
}

func wrongDim(field string, q Quantity, want, example string) error {
	return errorf(field, CodeWrongDimension, "%s is %s; expected %s, e.g. %q", q.String(), q.Unit.Dimension(), want, example)
}

// positive requires q > 0.
func positive(field string, q Quantity) error {
	if q.Value.Sign() <= 0 {
		return errorf(field, CodeNotPositive, "must be above zero, got %s", q.String())
	}
	return nil
}

// nonNegative requires q ≥ 0.
func nonNegative(field string, q Quantity) error {
	if q.Value.Sign() < 0 {
		return errorf(field, CodeNotPositive, "must not be negative, got %s", q.String())
	}
	return nil
}

func positiveD(field string, d decimal.Decimal) error {
	if d.Sign() <= 0 {
		return errorf(field, CodeNotPositive, "must be above zero, got %s", plain(d))
	}
	return nil
}

func missing(field, what string) error {
	return errorf(field, CodeMissing, "%s is required", what)
}

// weightKg validates a body weight and returns it in kg.
func weightKg(field string, q Quantity) (rq, error) {
	if err := positive(field, q); err != nil {
		return rq{}, err
	}
	w, err := need(field, q, unitKg, "72.5 kg")
	if err != nil {
		return rq{}, err
	}
	if c, _ := w.cmp(plainKg(maxWeightKg)); c > 0 {
		return rq{}, errorf(field, CodeOutOfRange, "%s is above %s kg; check the unit", q.String(), plain(maxWeightKg))
	}
	return w, nil
}

// heightCm validates a height and returns it in cm.
func heightCm(field string, q Quantity) (rq, error) {
	if err := positive(field, q); err != nil {
		return rq{}, err
	}
	h, err := need(field, q, unitCm, "175 cm")
	if err != nil {
		return rq{}, err
	}
	if c, _ := h.cmp(rq{n: maxHeightCm, d: one, u: unitCm}); c > 0 {
		return rq{}, errorf(field, CodeOutOfRange, "%s is above %s cm; check the unit", q.String(), plain(maxHeightCm))
	}
	return h, nil
}

func plainKg(v decimal.Decimal) rq { return rq{n: v, d: one, u: unitKg} }

// numeratorDim returns the single dimension in q's numerator when the unit is exactly one
// atom to the first power over any denominator (mg, mg/mL, units/h), and false otherwise.
func numeratorDim(u Unit) (dimension, bool) {
	found, d := 0, dimension(0)
	for i := range numDims {
		if f := u.pos(i); f.atom != 0 {
			if f.pow != 1 {
				return 0, false
			}
			found++
			d = dimension(i)
		}
	}
	return d, found == 1
}

// canonicalAmount is the atom a drug amount is reported in: mg, units, mEq or mmol.
var canonicalAmount = map[dimension]string{
	dimMass: "mg", dimActivity: "units", dimEquivalent: "mEq", dimAmount: "mmol",
}

// isAmount reports whether u is a bare drug amount (mg, units, mEq, mmol, ...).
func isAmount(u Unit) bool {
	d, ok := numeratorDim(u)
	if !ok {
		return false
	}
	_, known := canonicalAmount[d]
	return known && u.den == 0
}
