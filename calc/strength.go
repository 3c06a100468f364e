package calc

import (
	"math/big"

	"github.com/shopspring/decimal"
)

// Basis says what a percent strength is a percentage of.
type Basis string

// Percent bases: w/v is g per 100 mL, w/w g per 100 g, v/v mL per 100 mL.
const (
	WeightPerVolume Basis = "w/v"
	WeightPerWeight Basis = "w/w"
	VolumePerVolume Basis = "v/v"
)

var ten = decimal.NewFromInt(10)

// PercentStrength turns a percentage into a concentration: w/v → mg/mL (0.9% = 9 mg/mL),
// w/w → mg/g, v/v → mL/L (a ratio of like units would cancel to a plain number).
func PercentStrength(percent decimal.Decimal, basis Basis) (Quantity, error) {
	if percent.Sign() < 0 {
		return Quantity{}, errorf("percent", CodeNotPositive, "must not be negative, got %s", plain(percent))
	}
	switch basis {
	case WeightPerVolume, "":
		return Quantity{Value: percent.Mul(ten), Unit: unitMgPerML}, nil
	case WeightPerWeight:
		return Quantity{Value: percent.Mul(ten), Unit: unitMgPerG}, nil
	case VolumePerVolume:
		return Quantity{Value: percent.Mul(ten), Unit: unitMLPerL}, nil
	}
	return Quantity{}, errorf("basis", CodeInvalid, "expected w/v, w/w or v/v, got %q", basis)
}

// StrengthResult expresses one w/v strength three ways.
type StrengthResult struct {
	// Concentration in mg/mL.
	Concentration Quantity
	// Percent is g per 100 mL.
	Percent decimal.Decimal
	// Ratio is x in "1:x" (1 g in x mL); nil for a zero strength.
	Ratio *decimal.Decimal
	Steps []string
}

// Strength converts a mass-per-volume strength ("0.9%", "1:1000", "9 mg/mL", "1 g/L")
// between mg/mL, percent w/v and ratio strength 1:x, where x = 100 ÷ percent.
func Strength(q Quantity) (StrengthResult, error) {
	var t trail
	if err := nonNegative("strength", q); err != nil {
		return StrengthResult{}, err
	}
	c, err := need("strength", q, unitMgPerML, "0.9%")
	if err != nil {
		return StrengthResult{}, err
	}
	res := StrengthResult{Concentration: c.quantity()}
	pct := rq{n: c.n, d: c.d.Mul(ten)}
	res.Percent = pct.value()
	t.step("concentration ", eq(res.Concentration))
	t.step("percent w/v = ", show(res.Concentration), " ÷ 10 ", eq(Quantity{Value: res.Percent}), "%")
	if c.sign() > 0 {
		x := rq{n: c.d.Mul(decimal.NewFromInt(1000)), d: c.n}.value()
		res.Ratio = &x
		t.step("ratio strength = 1:(1000 ÷ ", show(res.Concentration), ") = 1:", showD(x))
	}
	res.Steps = t.steps
	return res, nil
}

// MEqResult gives one electrolyte amount as mEq, mmol and mass, each per the same volume or
// time as the input (2 mEq/mL → mg/mL).
type MEqResult struct {
	MEq   Quantity
	MMol  Quantity
	Mass  Quantity
	Steps []string
}

// EquivalentsToMass converts an amount in mEq or mmol (or per volume: mEq/mL) to mass:
// mmol = mEq ÷ valence, mg = mmol × molar mass (g/mol = mg/mmol).
func EquivalentsToMass(amount, molarMass Quantity, valence decimal.Decimal) (MEqResult, error) {
	var t trail
	mm, err := molarMassOf(molarMass, valence)
	if err != nil {
		return MEqResult{}, err
	}
	if err := positive("amount", amount); err != nil {
		return MEqResult{}, err
	}
	u := amount.Unit
	if u.has(dimEquivalent, true) || u.has(dimAmount, true) {
		return MEqResult{}, wrongDim("amount", amount, "mEq or mmol (optionally per volume)", "20 mEq")
	}
	var meq, mmol rq
	switch {
	case u.pos(dimEquivalent).pow == 1 && !u.has(dimAmount, false) && !u.has(dimMass, false):
		meq, _ = exactOf(amount).to(u.withNumerator(dimEquivalent, "mEq"))
		mmol = rq{n: meq.n, d: meq.d.Mul(valence), u: meq.u.replaced(dimEquivalent, "mmol")}
		t.step("mmol = ", Display(amount), " ÷ valence ", DisplayDecimal(valence), " ", eq(mmol.quantity()))
	case u.pos(dimAmount).pow == 1 && !u.has(dimEquivalent, false) && !u.has(dimMass, false):
		mmol, _ = exactOf(amount).to(u.withNumerator(dimAmount, "mmol"))
		meq = rq{n: mmol.n.Mul(valence), d: mmol.d, u: mmol.u.replaced(dimAmount, "mEq")}
		t.step("mEq = ", Display(amount), " × valence ", DisplayDecimal(valence), " ", eq(meq.quantity()))
	default:
		return MEqResult{}, wrongDim("amount", amount, "mEq or mmol (optionally per volume)", "20 mEq")
	}
	mass := rq{n: mmol.n.Mul(mm.n), d: mmol.d.Mul(mm.d), u: mmol.u.replaced(dimAmount, "mg")}
	t.step("mass = ", show(mmol.quantity()), " × ", Display(molarMass), " ", eq(mass.quantity()))
	return MEqResult{MEq: meq.quantity(), MMol: mmol.quantity(), Mass: mass.quantity(), Steps: t.steps}, nil
}

// MassToEquivalents converts a mass (or mass per volume) to mEq and mmol:
// mEq = mg × valence ÷ molar mass (KCl 74.55 g/mol: 149 mg/mL ≈ 2 mEq/mL).
func MassToEquivalents(mass, molarMass Quantity, valence decimal.Decimal) (MEqResult, error) {
	var t trail
	mm, err := molarMassOf(molarMass, valence)
	if err != nil {
		return MEqResult{}, err
	}
	if err := positive("mass", mass); err != nil {
		return MEqResult{}, err
	}
	u := mass.Unit
	if u.pos(dimMass).pow != 1 || u.has(dimAmount, false) || u.has(dimEquivalent, false) ||
		u.has(dimAmount, true) || u.has(dimEquivalent, true) {
		return MEqResult{}, wrongDim("mass", mass, "a mass (optionally per volume)", "149 mg/mL")
	}
	mg, _ := exactOf(mass).to(u.withNumerator(dimMass, "mg"))
	mmol := rq{n: mg.n.Mul(mm.d), d: mg.d.Mul(mm.n), u: mg.u.replaced(dimMass, "mmol")}
	meq := rq{n: mmol.n.Mul(valence), d: mmol.d, u: mmol.u.replaced(dimAmount, "mEq")}
	t.step("mmol = ", Display(mass), " ÷ ", Display(molarMass), " ", eq(mmol.quantity()))
	t.step("mEq = ", show(mmol.quantity()), " × valence ", DisplayDecimal(valence), " ", eq(meq.quantity()))
	return MEqResult{MEq: meq.quantity(), MMol: mmol.quantity(), Mass: mg.quantity(), Steps: t.steps}, nil
}

// molarMassOf validates molar mass and valence and returns the molar mass in mg/mmol.
func molarMassOf(molarMass Quantity, valence decimal.Decimal) (rq, error) {
	if err := positive("molar_mass", molarMass); err != nil {
		return rq{}, err
	}
	mm, err := need("molar_mass", molarMass, unitMgPerMmol, "74.55 g/mol")
	if err != nil {
		return rq{}, err
	}
	if err := positiveD("valence", valence); err != nil {
		return rq{}, err
	}
	if !valence.IsInteger() || valence.GreaterThan(decimal.NewFromInt(9)) {
		return rq{}, errorf("valence", CodeOutOfRange, "must be a whole number of charges from 1 to 9, got %s", plain(valence))
	}
	return mm, nil
}

// OsmoleComponent is one solute of a mixture.
type OsmoleComponent struct {
	// Concentration as mass per volume (needs MolarMass) or amount per volume (mmol/L).
	Concentration Quantity
	MolarMass     *Quantity
	// Particles per molecule once dissolved (NaCl 2, dextrose 1).
	Particles decimal.Decimal
}

// OsmolarityResult is the osmolarity of a mixture and whether it exceeds the limit.
type OsmolarityResult struct {
	// Exact is in mOsm/L, unrounded.
	Exact Quantity
	// Osmolarity is rounded half away from zero to a whole mOsm/L.
	Osmolarity Quantity
	Limit      Quantity
	// AboveLimit compares the exact value with Limit.
	AboveLimit bool
	Steps      []string
	Warnings   []Warning
}

// DefaultPeripheralLimit is the usual ceiling for a peripheral line.
var DefaultPeripheralLimit = MustParse("900 mOsm/L")

// Osmolarity sums mOsm/L = (g/L ÷ molar mass) × 1000 × particles over the components and
// warns above the limit (nil means DefaultPeripheralLimit).
func Osmolarity(components []OsmoleComponent, limit *Quantity) (OsmolarityResult, error) {
	var t trail
	if len(components) == 0 {
		return OsmolarityResult{}, missing("components", "at least one component")
	}
	lim := DefaultPeripheralLimit
	if limit != nil {
		lim = *limit
	}
	if err := positive("limit", lim); err != nil {
		return OsmolarityResult{}, err
	}
	limRQ, err := need("limit", lim, unitMOsmPerL, "900 mOsm/L")
	if err != nil {
		return OsmolarityResult{}, err
	}
	total := rq{n: zero, d: one, u: unitMOsmPerL}
	for i, c := range components {
		name := func(f string) string {
			if len(components) == 1 {
				return f
			}
			return "components[" + itoa(i) + "]." + f
		}
		if err := positive(name("concentration"), c.Concentration); err != nil {
			return OsmolarityResult{}, err
		}
		if err := positiveD(name("particles"), c.Particles); err != nil {
			return OsmolarityResult{}, err
		}
		conc := exactOf(c.Concentration)
		switch {
		case c.Concentration.Unit.SameDimension(unitMgPerML):
			if c.MolarMass == nil {
				return OsmolarityResult{}, missing(name("molar_mass"), "molar_mass (for a mass concentration)")
			}
			if err := positive(name("molar_mass"), *c.MolarMass); err != nil {
				return OsmolarityResult{}, err
			}
			mm, err := need(name("molar_mass"), *c.MolarMass, unitGPerMol, "58.44 g/mol")
			if err != nil {
				return OsmolarityResult{}, err
			}
			conc, _ = conc.div(mm)
		case c.Concentration.Unit.SameDimension(unitMmolPerL):
		default:
			return OsmolarityResult{}, wrongDim(name("concentration"), c.Concentration, "mass or mmol per volume", "9 mg/mL")
		}
		mmolL, _ := conc.to(unitMmolPerL)
		mosm := rq{n: mmolL.n.Mul(c.Particles), d: mmolL.d, u: unitMOsmPerL}
		label := "component: "
		if len(components) > 1 {
			label = "component " + itoa(i+1) + ": "
		}
		t.step(label, Display(c.Concentration), " ", eq(mmolL.quantity()), " × ", DisplayDecimal(c.Particles),
			" particles ", eq(mosm.quantity()))
		total, _ = total.add(mosm)
	}
	res := OsmolarityResult{Exact: total.quantity(), Osmolarity: Quantity{Value: total.round(0), Unit: unitMOsmPerL}, Limit: lim}
	if len(components) > 1 {
		t.step("osmolarity = sum ", eq(res.Exact))
	}
	t.step("rounded to a whole mOsm/L = ", Display(res.Osmolarity))
	if c, _ := total.cmp(limRQ); c > 0 {
		res.AboveLimit = true
		t.warn(WarnAboveLimit, "limit", "osmolarity "+Display(res.Osmolarity)+" is above the peripheral limit "+Display(lim)+"; use a central line")
	}
	res.Steps, res.Warnings = t.steps, t.warnings
	return res, nil
}

func itoa(i int) string { return decimal.NewFromInt(int64(i)).String() }

// AlligationResult gives the parts of each strength to mix, reduced to lowest terms, and the
// volumes when a total was given.
type AlligationResult struct {
	PartsStronger  decimal.Decimal
	PartsWeaker    decimal.Decimal
	VolumeStronger *Quantity
	VolumeWeaker   *Quantity
	Steps          []string
}

// Alligation mixes a stronger and a weaker preparation to reach a target strength: parts of
// the stronger = target − weaker, parts of the weaker = stronger − target. The target must lie
// strictly between. A weaker of plain "0" means a diluent. total, when given, splits a volume.
func Alligation(stronger, weaker, target Quantity, total *Quantity) (AlligationResult, error) {
	var t trail
	if err := positive("stronger", stronger); err != nil {
		return AlligationResult{}, err
	}
	if err := nonNegative("weaker", weaker); err != nil {
		return AlligationResult{}, err
	}
	s := exactOf(stronger)
	w := exactOf(weaker)
	if weaker.Unit.IsDimensionless() && weaker.Value.IsZero() {
		w.u = s.u
	}
	w, err := need("weaker", Quantity{Value: w.n, Unit: w.u}, s.u, stronger.String())
	if err != nil {
		return AlligationResult{}, err
	}
	tg, err := need("target", target, s.u, stronger.String())
	if err != nil {
		return AlligationResult{}, err
	}
	if c, _ := w.cmp(s); c >= 0 {
		return AlligationResult{}, errorf("weaker", CodeOutOfRange, "%s must be weaker than %s", weaker.String(), stronger.String())
	}
	c1, _ := tg.cmp(w)
	c2, _ := tg.cmp(s)
	if c1 <= 0 || c2 >= 0 {
		return AlligationResult{}, errorf("target", CodeOutOfRange, "%s must lie between %s and %s", target.String(), weaker.String(), stronger.String())
	}
	ps, _ := tg.sub(w)
	pw, _ := s.sub(tg)
	a, b := reduceParts(ps.value(), pw.value())
	res := AlligationResult{PartsStronger: a, PartsWeaker: b}
	t.step("parts of ", Display(stronger), " = ", Display(target), " − ", Display(w.quantity()), " ", eq(ps.quantity()))
	t.step("parts of ", Display(w.quantity()), " = ", Display(stronger), " − ", Display(target), " ", eq(pw.quantity()))
	t.step("ratio stronger : weaker = ", showD(a), " : ", showD(b))
	if total != nil {
		if err := positive("total", *total); err != nil {
			return AlligationResult{}, err
		}
		tot, err := need("total", *total, unitML, "500 mL")
		if err != nil {
			return AlligationResult{}, err
		}
		sum := a.Add(b)
		vs := rq{n: tot.n.Mul(a), d: tot.d.Mul(sum), u: unitML}
		vw, _ := tot.sub(vs)
		qs, qw := vs.quantity(), vw.quantity()
		res.VolumeStronger, res.VolumeWeaker = &qs, &qw
		t.step("volume of ", Display(stronger), " = ", Display(*total), " × ", showD(a), " ÷ ", showD(sum), " ", eq(qs))
		t.step("volume of ", Display(w.quantity()), " = ", Display(*total), " − ", show(qs), " ", eq(qw))
	}
	res.Steps = t.steps
	return res, nil
}

// reduceParts scales two positive decimals to integers and divides by their GCD when both
// terminate; otherwise it returns them unchanged.
func reduceParts(a, b decimal.Decimal) (decimal.Decimal, decimal.Decimal) {
	e := min(a.Exponent(), b.Exponent(), 0)
	if e < -maxDigits {
		return a, b
	}
	ai := a.Shift(-e).BigInt()
	bi := b.Shift(-e).BigInt()
	g := new(big.Int).GCD(nil, nil, ai, bi)
	if g.Sign() == 0 {
		return a, b
	}
	return decimal.NewFromBigInt(ai.Quo(ai, g), 0), decimal.NewFromBigInt(bi.Quo(bi, g), 0)
}
