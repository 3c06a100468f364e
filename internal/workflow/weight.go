package workflow

import (
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// WeightCheck is a weight measured for a weigh step and its verdict.
type WeightCheck struct {
	Measured  calc.Quantity
	Tolerance decimal.Decimal
	Result    calc.GravimetricResult
}

// CheckWeight judges a measured weight ("10.42 g") against a weigh step's
// expected weight (volume × specific gravity) and tolerance. A bad step ID
// or a measured value that is not a weight is a 400 naming the field.
func CheckWeight(ws *Worksheet, stepID, measured string) (WeightCheck, error) {
	s, ok := ws.Step(stepID)
	if !ok {
		return WeightCheck{}, apperr.InvalidField("step_id", "%q is not a step of this preparation", short(stepID))
	}
	if s.Kind != StepWeigh {
		return WeightCheck{}, apperr.InvalidField("step_id", "step %s is a %s step, not a weigh step", s.ID, s.Kind)
	}
	m, err := calc.Parse(measured)
	if err != nil {
		return WeightCheck{}, apperr.InvalidField("measured", "%s (expected a weight such as \"10.42 g\")", apperr.Message(err))
	}
	if _, err := m.In("g"); err != nil {
		return WeightCheck{}, apperr.InvalidField("measured", "%q is not a weight; expected e.g. \"10.42 g\"", short(measured))
	}
	if m.Value.Sign() <= 0 {
		return WeightCheck{}, apperr.InvalidField("measured", "must be above zero, got %s", m.String())
	}
	vol, err1 := calc.Parse(s.Expects.WeighVolume)
	sg, err2 := calc.ParseDecimal(s.Expects.SpecificGravity)
	tol, err3 := calc.ParsePercent(s.Expects.Tolerance)
	if err1 != nil || err2 != nil || err3 != nil {
		return WeightCheck{}, apperr.Wrap(apperr.New(apperr.Internal, "weigh step %s has a broken expectation", s.ID), "worksheet")
	}
	res, err := calc.Gravimetric(calc.GravimetricInput{Volume: vol, SpecificGravity: &sg, Measured: m, Tolerance: tol})
	if err != nil {
		return WeightCheck{}, apperr.InvalidField("measured", "%s", apperr.Message(err))
	}
	return WeightCheck{Measured: m, Tolerance: tol, Result: res}, nil
}
