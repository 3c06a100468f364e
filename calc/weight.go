package calc

import (
	"github.com/shopspring/decimal"
)

// Sex selects the sex-specific constants of IBW and Cockcroft–Gault.
type Sex string

// The two values the formulas distinguish.
const (
	Female Sex = "female"
	Male   Sex = "male"
)

// ParseSex accepts "female" and "male".
func ParseSex(s string) (Sex, error) {
	switch Sex(s) {
	case Female, Male:
		return Sex(s), nil
	}
	return "", errorf("sex", CodeInvalid, "expected \"female\" or \"male\", got %q", s)
}

// WeightResult is a derived body weight.
type WeightResult struct {
	// Exact is the unrounded weight in kg.
	Exact Quantity
	// Weight is rounded half away from zero to 0.1 kg.
	Weight   Quantity
	Steps    []string
	Warnings []Warning
}

var (
	devineMale    = decimal.NewFromInt(50)
	devineFemale  = decimal.RequireFromString("45.5")
	devinePerInch = decimal.RequireFromString("2.3")
	sixtyInches   = decimal.NewFromInt(60)
	// DefaultAdjustmentFactor is the usual fraction of excess weight in adjusted body weight.
	DefaultAdjustmentFactor = decimal.RequireFromString("0.4")
)

// IdealBodyWeight is Devine's IBW: 50 kg (male) or 45.5 kg (female) + 2.3 kg per inch over
// 60 in. Below 60 in the formula is applied as written (it goes under the base weight), with a
// warning, as the reference implementation does.
func IdealBodyWeight(height Quantity, sex Sex) (WeightResult, error) {
	var t trail
	ibw, err := ibwKg(height, sex, &t)
	if err != nil {
		return WeightResult{}, err
	}
	return weightResult(ibw, &t), nil
}

func ibwKg(height Quantity, sex Sex, t *trail) (rq, error) {
	if _, err := ParseSex(string(sex)); err != nil {
		return rq{}, err
	}
	h, err := heightCm("height", height)
	if err != nil {
		return rq{}, err
	}
	in, _ := h.to(unitIn)
	base := devineMale
	if sex == Female {
		base = devineFemale
	}
	over, _ := in.sub(rq{n: sixtyInches, d: one, u: unitIn})
	ibw := over.scale(devinePerInch)
	ibw = rq{n: ibw.n.Add(base.Mul(ibw.d)), d: ibw.d, u: unitKg}
	t.step("height ", show(height), " ", eq(in.quantity()))
	t.step("IBW (Devine, ", string(sex), ") = ", DisplayDecimal(base), " kg + 2.3 kg/in × (", show(in.quantity()),
		" − 60 in) ", eq(ibw.quantity()))
	if over.sign() < 0 {
		t.warn(WarnNote, "height", "height is under 60 in: the Devine formula is extrapolated below its base weight")
	}
	return ibw, nil
}

// AdjustedBodyWeight is IBW + factor × (actual − IBW); a zero factor means the usual 0.4.
func AdjustedBodyWeight(actual, ideal Quantity, factor decimal.Decimal) (WeightResult, error) {
	var t trail
	a, err := weightKg("weight", actual)
	if err != nil {
		return WeightResult{}, err
	}
	i, err := weightKg("ideal_weight", ideal)
	if err != nil {
		return WeightResult{}, err
	}
	abw, err := adjustedKg(a, i, factor, &t)
	if err != nil {
		return WeightResult{}, err
	}
	return weightResult(abw, &t), nil
}

func adjustedKg(actual, ibw rq, factor decimal.Decimal, t *trail) (rq, error) {
	if factor.IsZero() {
		factor = DefaultAdjustmentFactor
	}
	if factor.Sign() < 0 || factor.GreaterThan(one) {
		return rq{}, errorf("adjustment_factor", CodeOutOfRange, "must lie between 0 and 1, got %s", plain(factor))
	}
	excess, _ := actual.sub(ibw)
	abw, _ := ibw.add(excess.scale(factor))
	t.step("adjusted body weight = ", show(ibw.quantity()), " + ", DisplayDecimal(factor), " × (",
		show(actual.quantity()), " − ", show(ibw.quantity()), ") ", eq(abw.quantity()))
	if excess.sign() <= 0 {
		t.warn(WarnNote, "weight", "actual weight is not above ideal body weight; adjusted body weight is meant for actual > IBW")
	}
	return abw, nil
}

func weightResult(w rq, t *trail) WeightResult {
	r := Quantity{Value: w.round(1), Unit: unitKg}
	t.step("rounded to 0.1 kg = ", Display(r))
	return WeightResult{Exact: w.quantity(), Weight: r, Steps: t.steps, Warnings: t.warnings}
}

// WeightBasis says which body weight Cockcroft–Gault uses.
type WeightBasis string

// The weights a caller may choose for Cockcroft–Gault.
const (
	ActualWeight   WeightBasis = "actual"
	IdealWeight    WeightBasis = "ideal"
	AdjustedWeight WeightBasis = "adjusted"
)

// CrClInput holds the inputs of Cockcroft–Gault.
type CrClInput struct {
	// Age in years, a plain number.
	Age decimal.Decimal
	Sex Sex
	// Weight is the actual body weight.
	Weight Quantity
	// SerumCreatinine in mg/dL, or in an amount per volume (micromol/L), converted with the
	// molar mass of creatinine, 113.12 g/mol.
	SerumCreatinine Quantity
	// Basis picks actual (default), ideal or adjusted weight; the last two need Height.
	Basis  WeightBasis
	Height *Quantity
	// AdjustmentFactor for adjusted weight; zero means 0.4.
	AdjustmentFactor decimal.Decimal
}

// CrClResult is a creatinine clearance with its derivation.
type CrClResult struct {
	// Exact is the unrounded clearance in mL/min.
	Exact Quantity
	// CrCl is rounded half away from zero to a whole mL/min.
	CrCl Quantity
	// WeightUsed is the weight that entered the formula, in kg, and Basis says which it was.
	WeightUsed Quantity
	Basis      WeightBasis
	Steps      []string
	Warnings   []Warning
}

var (
	cg140            = decimal.NewFromInt(140)
	cg72             = decimal.NewFromInt(72)
	cgFemale         = decimal.RequireFromString("0.85")
	creatinineMolarM = MustParse("113.12 mg/mmol")
	eighteen         = decimal.NewFromInt(18)
)

// CreatinineClearance is Cockcroft–Gault: (140 − age) × weight kg ÷ (72 × SCr mg/dL),
// × 0.85 for female, rounded to a whole mL/min.
func CreatinineClearance(in CrClInput) (CrClResult, error) {
	var t trail
	if err := positiveD("age", in.Age); err != nil {
		return CrClResult{}, err
	}
	if in.Age.GreaterThanOrEqual(cg140) {
		return CrClResult{}, errorf("age", CodeOutOfRange, "must be under 140 years, got %s", plain(in.Age))
	}
	if _, err := ParseSex(string(in.Sex)); err != nil {
		return CrClResult{}, err
	}
	scr, err := serumCreatinine(in.SerumCreatinine, &t)
	if err != nil {
		return CrClResult{}, err
	}
	w, err := weightKg("weight", in.Weight)
	if err != nil {
		return CrClResult{}, err
	}
	basis := in.Basis
	if basis == "" {
		basis = ActualWeight
	}
	switch basis {
	case ActualWeight:
	case IdealWeight, AdjustedWeight:
		if in.Height == nil {
			return CrClResult{}, missing("height", "height (for "+string(basis)+" body weight)")
		}
		ibw, err := ibwKg(*in.Height, in.Sex, &t)
		if err != nil {
			return CrClResult{}, err
		}
		if basis == IdealWeight {
			if c, _ := w.cmp(ibw); c < 0 {
				t.warn(WarnNote, "weight", "actual weight is below ideal body weight; many protocols use the actual weight then")
			}
			w = ibw
		} else {
			if w, err = adjustedKg(w, ibw, in.AdjustmentFactor, &t); err != nil {
				return CrClResult{}, err
			}
		}
	default:
		return CrClResult{}, errorf("weight_basis", CodeInvalid, "expected actual, ideal or adjusted, got %q", basis)
	}
	// The formula is empirical: its numbers are years, kg and mg/dL, and its result mL/min.
	num := cg140.Sub(in.Age).Mul(w.n).Mul(scr.d)
	den := cg72.Mul(scr.n).Mul(w.d)
	sexFactor := ""
	if in.Sex == Female {
		num = num.Mul(cgFemale)
		sexFactor = " × 0.85"
	}
	c := rq{n: num, d: den, u: unitMLPerMin}
	rounded := Quantity{Value: c.round(0), Unit: unitMLPerMin}
	t.step("CrCl (Cockcroft–Gault, ", string(basis), " weight) = (140 − ", DisplayDecimal(in.Age), ") × ",
		show(w.quantity()), " ÷ (72 × ", show(scr.quantity()), ")", sexFactor, " ", eq(c.quantity()))
	t.step("rounded to a whole mL/min = ", Display(rounded))
	if in.Age.LessThan(eighteen) {
		t.warn(WarnNote, "age", "Cockcroft–Gault is validated in adults; age is under 18")
	}
	return CrClResult{Exact: c.quantity(), CrCl: rounded, WeightUsed: w.quantity(), Basis: basis,
		Steps: t.steps, Warnings: t.warnings}, nil
}

// serumCreatinine validates SCr and returns it in mg/dL.
func serumCreatinine(q Quantity, t *trail) (rq, error) {
	const field = "serum_creatinine"
	if err := positive(field, q); err != nil {
		return rq{}, err
	}
	if q.Unit.SameDimension(unitMmolPerL) {
		m, err := exactOf(q).mul(exactOf(creatinineMolarM))
		if err != nil {
			return rq{}, relabel(err, field)
		}
		s, err := m.to(unitMgPerDL)
		if err != nil {
			return rq{}, relabel(err, field)
		}
		t.step("serum creatinine ", show(q), " × 113.12 g/mol ", eq(s.quantity()))
		return s, nil
	}
	return need(field, q, unitMgPerDL, "1.1 mg/dL")
}

// CarboplatinResult is a Calvert carboplatin dose.
type CarboplatinResult struct {
	// Dose in mg, exact.
	Dose Quantity
	// Capped is true when the GFR was above the cap and the cap was used.
	Capped bool
	// GFRUsed is min(GFR, cap) in mL/min.
	GFRUsed Quantity
	Steps   []string
}

// DefaultGFRCap is the usual site cap on GFR in the Calvert formula.
var DefaultGFRCap = MustParse("125 mL/min")

var calvert25 = decimal.NewFromInt(25)

// Carboplatin is the classic Calvert formula: dose mg = AUC × (min(GFR, cap) + 25). A nil cap
// means DefaultGFRCap.
func Carboplatin(auc decimal.Decimal, gfr Quantity, gfrCap *Quantity) (CarboplatinResult, error) {
	var t trail
	if err := positiveD("auc", auc); err != nil {
		return CarboplatinResult{}, err
	}
	if err := positive("gfr", gfr); err != nil {
		return CarboplatinResult{}, err
	}
	g, err := need("gfr", gfr, unitMLPerMin, "80 mL/min")
	if err != nil {
		return CarboplatinResult{}, err
	}
	c := DefaultGFRCap
	if gfrCap != nil {
		c = *gfrCap
	}
	if err := positive("gfr_cap", c); err != nil {
		return CarboplatinResult{}, err
	}
	capRQ, err := need("gfr_cap", c, unitMLPerMin, "125 mL/min")
	if err != nil {
		return CarboplatinResult{}, err
	}
	capped := false
	if cmp, _ := g.cmp(capRQ); cmp > 0 {
		t.step("GFR ", show(gfr), " is above the cap ", show(c), "; the cap is used")
		g, capped = capRQ, true
	}
	dose := rq{n: g.n.Add(calvert25.Mul(g.d)).Mul(auc), d: g.d, u: unitMg}
	t.step("carboplatin dose (Calvert) = AUC ", DisplayDecimal(auc), " mg/mL·min × (", show(g.quantity()), " + 25 mL/min) ", eq(dose.quantity()))
	return CarboplatinResult{Dose: dose.quantity(), Capped: capped, GFRUsed: g.quantity(), Steps: t.steps}, nil
}
