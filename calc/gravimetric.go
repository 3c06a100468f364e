package calc

import (
	"github.com/shopspring/decimal"
)

// GravimetricInput holds a weight check of a drawn volume.
type GravimetricInput struct {
	// Volume drawn or added.
	Volume Quantity
	// SpecificGravity of the product (water 1.000). nil means the formulary has none, and the
	// check is refused rather than assuming 1.
	SpecificGravity *decimal.Decimal
	// Measured is the net weight after taring.
	Measured Quantity
	// Tolerance in percent (5 means ±5%).
	Tolerance decimal.Decimal
}

// GravimetricResult is the outcome of a weight check.
type GravimetricResult struct {
	// Expected weight in g, exact.
	Expected Quantity
	// Deviation in percent, signed, rounded half away from zero to 0.01.
	Deviation decimal.Decimal
	// ExactDeviation is the unrounded deviation in percent.
	ExactDeviation decimal.Decimal
	// Pass is judged on the unrounded deviation: |deviation| ≤ tolerance.
	Pass  bool
	Steps []string
}

var maxTolerance = decimal.NewFromInt(100)

// Gravimetric compares a measured weight with volume × specific gravity:
// deviation % = (measured − expected) ÷ expected × 100.
func Gravimetric(in GravimetricInput) (GravimetricResult, error) {
	var t trail
	if in.SpecificGravity == nil {
		return GravimetricResult{}, errorf("specific_gravity", CodeMissing,
			"no specific gravity is recorded for this product, so the gravimetric check is not possible; verify the volume another way")
	}
	sg := *in.SpecificGravity
	if err := positiveD("specific_gravity", sg); err != nil {
		return GravimetricResult{}, err
	}
	if err := positive("volume", in.Volume); err != nil {
		return GravimetricResult{}, err
	}
	v, err := need("volume", in.Volume, unitML, "20 mL")
	if err != nil {
		return GravimetricResult{}, err
	}
	if err := nonNegative("measured", in.Measured); err != nil {
		return GravimetricResult{}, err
	}
	m, err := need("measured", in.Measured, unitG, "20.4 g")
	if err != nil {
		return GravimetricResult{}, err
	}
	if in.Tolerance.Sign() < 0 || in.Tolerance.GreaterThanOrEqual(maxTolerance) {
		return GravimetricResult{}, errorf("tolerance", CodeOutOfRange, "must be from 0%% to under 100%%, got %s%%", plain(in.Tolerance))
	}
	// Specific gravity is the density relative to water, i.e. g per mL.
	exp := rq{n: v.n.Mul(sg), d: v.d, u: unitG}
	diff, _ := m.sub(exp)
	dev := rq{n: diff.n.Mul(exp.d).Mul(hundred), d: diff.d.Mul(exp.n)}
	res := GravimetricResult{
		Expected:       exp.quantity(),
		Deviation:      dev.round(2),
		ExactDeviation: dev.value(),
		// |n/d| ≤ tol ⇔ |n| ≤ tol × d, with d > 0: no rounding enters the judgement.
		Pass: dev.n.Abs().LessThanOrEqual(in.Tolerance.Mul(dev.d)),
	}
	t.step("expected = ", Display(in.Volume), " × specific gravity ", DisplayDecimal(sg), " ", eq(res.Expected))
	t.step("deviation = (", Display(in.Measured), " − ", show(res.Expected), ") ÷ ", show(res.Expected), " × 100 ",
		eq(Quantity{Value: res.ExactDeviation}), "%, shown as ", DisplayDecimal(res.Deviation), "%")
	verdict := "pass"
	if !res.Pass {
		verdict = "fail"
	}
	t.step("|deviation| ≤ ", DisplayDecimal(in.Tolerance), "% tolerance: ", verdict)
	res.Steps = t.steps
	return res, nil
}
