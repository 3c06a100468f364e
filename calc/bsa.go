package calc

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// BSAFormula names a body-surface-area formula.
type BSAFormula string

// The supported BSA formulas; Mosteller is the default.
const (
	Mosteller BSAFormula = "mosteller"
	DuBois    BSAFormula = "dubois"
	Haycock   BSAFormula = "haycock"
)

// ParseBSAFormula accepts "mosteller" (also ""), "dubois" and "haycock".
func ParseBSAFormula(s string) (BSAFormula, error) {
	switch BSAFormula(s) {
	case "", Mosteller:
		return Mosteller, nil
	case DuBois:
		return DuBois, nil
	case Haycock:
		return Haycock, nil
	}
	// Quoted here rather than by errorf's %q, so that s (and a DoseInput holding it) does not
	// escape to the heap with the message's arguments.
	return "", errorf("formula", CodeInvalid, "unknown BSA formula %s; expected mosteller, dubois or haycock", strconv.Quote(s))
}

// bsaPlaces is the working precision of roots and fractional powers: 30 decimal places is more
// than 20 significant digits for any BSA within the plausibility bounds.
const bsaPlaces = 30

// BSA rounding: doses multiply the BSA rounded to 0.01 m2.
const bsaRoundPlaces = 2

// BSAResult is a body surface area with its derivation.
type BSAResult struct {
	Formula BSAFormula
	// Exact is the unrounded BSA to SignificantDigits significant digits.
	Exact Quantity
	// BSA is rounded half away from zero to 0.01 m2; it is the value doses use.
	BSA   Quantity
	Steps []string
}

// Formula coefficients, as published.
var (
	duboisK  = decimal.RequireFromString("0.007184")
	duboisH  = decimal.RequireFromString("0.725")
	duboisW  = decimal.RequireFromString("0.425")
	haycockK = decimal.RequireFromString("0.024265")
	haycockH = decimal.RequireFromString("0.3964")
	haycockW = decimal.RequireFromString("0.5378")
	n3600    = decimal.NewFromInt(3600)
)

// BSA computes body surface area from weight and height (any mass and length units):
// Mosteller √(cm × kg ÷ 3600), DuBois 0.007184 × cm^0.725 × kg^0.425,
// Haycock 0.024265 × cm^0.3964 × kg^0.5378, each to at least 20 significant digits before
// the one rounding to 0.01 m2.
func BSA(weight, height Quantity, given BSAFormula) (BSAResult, error) {
	formula, err := ParseBSAFormula(string(given))
	if err != nil {
		return BSAResult{}, err
	}
	w, err := weightKg("weight", weight)
	if err != nil {
		return BSAResult{}, err
	}
	h, err := heightCm("height", height)
	if err != nil {
		return BSAResult{}, err
	}
	// Both are terminating after metric conversion unless given in lb or in; the working
	// precision below covers either.
	wv := w.n.DivRound(w.d, bsaPlaces+10)
	hv := h.n.DivRound(h.d, bsaPlaces+10)
	var t trail
	var exact decimal.Decimal
	switch formula {
	case Mosteller:
		x := hv.Mul(wv).DivRound(n3600, 2*bsaPlaces)
		exact, err = x.SqrtRound(bsaPlaces)
		t.step("BSA (Mosteller) = √(", showD(hv), " cm × ", showD(wv), " kg ÷ 3600) ")
	case DuBois:
		exact, err = powProduct(duboisK, hv, duboisH, wv, duboisW)
		t.step("BSA (DuBois) = 0.007184 × ", showD(hv), " cm^0.725 × ", showD(wv), " kg^0.425 ")
	case Haycock:
		exact, err = powProduct(haycockK, hv, haycockH, wv, haycockW)
		t.step("BSA (Haycock) = 0.024265 × ", showD(hv), " cm^0.3964 × ", showD(wv), " kg^0.5378 ")
	}
	if err != nil {
		return BSAResult{}, errorf("height", CodeOutOfRange, "cannot compute BSA: %v", err)
	}
	exactQ := Quantity{Value: trimSig(exact), Unit: unitM2}
	t.steps[0] += eq(exactQ)
	rounded := Quantity{Value: exact.Round(bsaRoundPlaces).Normalize(), Unit: unitM2}
	t.step("BSA rounded to 0.01 m2 = ", Display(rounded))
	return BSAResult{Formula: formula, Exact: exactQ, BSA: rounded, Steps: t.steps}, nil
}

// powProduct returns k × h^ph × w^pw with bsaPlaces places in each power.
func powProduct(k, h, ph, w, pw decimal.Decimal) (decimal.Decimal, error) {
	hp, err := h.PowWithPrecision(ph, bsaPlaces)
	if err != nil {
		return zero, fmt.Errorf("height power: %w", err)
	}
	wp, err := w.PowWithPrecision(pw, bsaPlaces)
	if err != nil {
		return zero, fmt.Errorf("weight power: %w", err)
	}
	return k.Mul(hp).Mul(wp).Round(bsaPlaces), nil
}

// trimSig keeps SignificantDigits significant digits of an irrational result.
func trimSig(d decimal.Decimal) decimal.Decimal {
	r, _ := roundSig(d, SignificantDigits)
	return r.Normalize()
}
