package calc

import (
	"slices"

	"github.com/shopspring/decimal"
)

// DoseInput holds the inputs of a dose calculation.
type DoseInput struct {
	// Dose is per body weight (mg/kg, mcg/kg/min), per BSA (mg/m2) or flat (mg).
	Dose Quantity
	// Weight is needed for a per-weight dose, and with Height for a per-m2 dose.
	Weight *Quantity
	// Height is needed for a per-m2 dose unless BSA is given.
	Height *Quantity
	// BSA, when given, is used as is instead of computing it.
	BSA *Quantity
	// Formula picks the BSA formula; empty means Mosteller.
	Formula BSAFormula
	// MaxDose caps the result when given; it must have the result's dimension (mg, or mg/day
	// for a daily dose).
	MaxDose *Quantity
}

// DoseResult is a calculated dose.
type DoseResult struct {
	// Dose is exact, after any cap.
	Dose Quantity
	// Calculated is the dose before the cap.
	Calculated Quantity
	Capped     bool
	// BSA is the rounded BSA that multiplied a per-m2 dose, nil otherwise.
	BSA      *Quantity
	Steps    []string
	Warnings []string
}

// Dose multiplies a per-kg dose by the weight, a per-m2 dose by the BSA rounded to 0.01 m2,
// or takes a flat dose as is, then applies the maximum dose.
func Dose(in DoseInput) (DoseResult, error) {
	var t trail
	if err := positive("dose", in.Dose); err != nil {
		return DoseResult{}, err
	}
	d := exactOf(in.Dose)
	var res DoseResult
	switch {
	case in.Dose.Unit.has(dimMass, true):
		if in.Weight == nil {
			return DoseResult{}, missing("weight", "weight (for a dose per "+atoms[in.Dose.Unit.neg[dimMass].atom].sym+")")
		}
		if _, err := weightKg("weight", *in.Weight); err != nil {
			return DoseResult{}, err
		}
		r, err := d.mul(exactOf(*in.Weight))
		if err != nil {
			return DoseResult{}, relabel(err, "dose")
		}
		d = r
		t.step("dose = ", Display(in.Dose), " × ", Display(*in.Weight), " ", eq(d.quantity()))
	case in.Dose.Unit.neg[dimLength].pow == 2:
		bsa, err := doseBSA(in, &t)
		if err != nil {
			return DoseResult{}, err
		}
		res.BSA = &bsa
		r, err := d.mul(exactOf(bsa))
		if err != nil {
			return DoseResult{}, relabel(err, "dose")
		}
		d = r
		t.step("dose = ", Display(in.Dose), " × ", Display(bsa), " ", eq(d.quantity()))
	default:
		t.step("flat dose = ", Display(in.Dose))
	}
	if d.u.has(dimMass, true) || d.u.neg[dimLength].pow != 0 {
		return DoseResult{}, errorf("dose", CodeInvalid, "%s still depends on weight or BSA after one multiplication", in.Dose.String())
	}
	res.Calculated = d.quantity()
	res.Dose = res.Calculated
	if in.MaxDose != nil {
		m := *in.MaxDose
		if err := positive("max_dose", m); err != nil {
			return DoseResult{}, err
		}
		if !m.Unit.SameDimension(d.u) {
			return DoseResult{}, errorf("max_dose", CodeWrongDimension, "%s is %s but the calculated dose %s is %s",
				m.String(), m.Unit.Dimension(), res.Calculated.String(), d.u.Dimension())
		}
		if c, _ := d.cmp(exactOf(m)); c > 0 {
			capped, _ := exactOf(m).to(d.u)
			res.Dose, res.Capped = capped.quantity(), true
			t.step("capped at the maximum ", Display(m), ": dose = ", Display(res.Dose))
		}
	}
	res.Steps, res.Warnings = t.steps, t.warnings
	return res, nil
}

func doseBSA(in DoseInput, t *trail) (Quantity, error) {
	if in.BSA != nil {
		if err := positive("bsa", *in.BSA); err != nil {
			return Quantity{}, err
		}
		b, err := need("bsa", *in.BSA, unitM2, "1.8 m2")
		if err != nil {
			return Quantity{}, err
		}
		t.step("BSA given = ", Display(b.quantity()))
		return b.quantity(), nil
	}
	switch {
	case in.Weight == nil:
		return Quantity{}, missing("weight", "weight (for a dose per m2)")
	case in.Height == nil:
		return Quantity{}, missing("height", "height (for a dose per m2)")
	}
	b, err := BSA(*in.Weight, *in.Height, in.Formula)
	if err != nil {
		if ce, ok := err.(*Error); ok && ce.Field == "formula" {
			return Quantity{}, relabel(err, "bsa_formula")
		}
		return Quantity{}, err
	}
	t.steps = append(t.steps, b.Steps...)
	return b.BSA, nil
}

// Syringe is a measuring device: its capacity and the graduation a volume is rounded to.
type Syringe struct {
	Capacity   Quantity
	Graduation Quantity
}

// DefaultSyringes is the usual syringe range of an IV room, as data: capacity and graduation
// (1 mL/0.01, 3 mL/0.1, 5 mL/0.2, 10 mL/0.2, 20 mL/1, 30 mL/1, 60 mL/1). Sites with other
// stock pass their own list.
func DefaultSyringes() []Syringe {
	rows := [][2]string{
		{"1 mL", "0.01 mL"}, {"3 mL", "0.1 mL"}, {"5 mL", "0.2 mL"}, {"10 mL", "0.2 mL"},
		{"20 mL", "1 mL"}, {"30 mL", "1 mL"}, {"60 mL", "1 mL"},
	}
	out := make([]Syringe, len(rows))
	for i, r := range rows {
		out[i] = Syringe{Capacity: MustParse(r[0]), Graduation: MustParse(r[1])}
	}
	return out
}

// String names a syringe by its capacity, e.g. "10 mL".
func (s Syringe) String() string { return s.Capacity.String() }

// minFill is the fraction of capacity below which a syringe measures poorly.
var minFill = decimal.RequireFromString("0.2")

// ChooseSyringe picks the smallest syringe whose capacity holds the volume, preferring one
// the volume fills to at least 20% (smaller fills lose accuracy). It is an error when no
// syringe holds the volume.
func ChooseSyringe(volume Quantity, syringes []Syringe) (Syringe, error) {
	if err := positive("volume", volume); err != nil {
		return Syringe{}, err
	}
	v, err := need("volume", volume, unitML, "2.5 mL")
	if err != nil {
		return Syringe{}, err
	}
	if len(syringes) == 0 {
		return Syringe{}, missing("syringes", "a list of syringes")
	}
	for _, s := range syringes {
		if err := positive("syringes", s.Capacity); err != nil {
			return Syringe{}, err
		}
		if err := positive("syringes", s.Graduation); err != nil {
			return Syringe{}, err
		}
		if !s.Capacity.Unit.only(dimVolume) || !s.Graduation.Unit.only(dimVolume) {
			return Syringe{}, errorf("syringes", CodeWrongDimension, "syringe %s graduated %s must be given in volumes",
				s.Capacity.String(), s.Graduation.String())
		}
	}
	sorted := slices.Clone(syringes)
	slices.SortStableFunc(sorted, func(a, b Syringe) int {
		c, _ := a.Capacity.Cmp(b.Capacity)
		return c
	})
	var fallback *Syringe
	for i := range sorted {
		s := &sorted[i]
		if c, _ := v.cmp(exactOf(s.Capacity)); c > 0 {
			continue
		}
		if c, _ := v.cmp(exactOf(s.Capacity).scale(minFill)); c >= 0 {
			return *s, nil
		}
		if fallback == nil {
			fallback = s
		}
	}
	if fallback != nil {
		return *fallback, nil
	}
	return Syringe{}, errorf("volume", CodeOutOfRange, "%s is more than the largest syringe (%s) holds; split the draw",
		volume.String(), sorted[len(sorted)-1].Capacity.String())
}

// VolumeInput holds the inputs of a volume-to-draw calculation.
type VolumeInput struct {
	Dose          Quantity
	Concentration Quantity
	// RoundTo is the measuring increment (e.g. 0.1 mL); nil leaves the volume exact unless
	// Syringes is given.
	RoundTo *Quantity
	// Syringes, when RoundTo is nil, picks a syringe with ChooseSyringe and rounds to its
	// graduation.
	Syringes []Syringe
}

// VolumeResult is a volume to draw.
type VolumeResult struct {
	// Exact is dose ÷ concentration in mL, unrounded.
	Exact Quantity
	// Volume is Exact rounded half away from zero to the increment, or Exact.
	Volume Quantity
	// Delivered is Volume × concentration, in the dose's unit: what the patient actually gets.
	Delivered Quantity
	// Syringe is the syringe chosen, when Syringes was given.
	Syringe  *Syringe
	Steps    []string
	Warnings []string
}

// Volume is dose ÷ concentration, rounded once to what can be measured.
func Volume(in VolumeInput) (VolumeResult, error) {
	var t trail
	if err := positive("dose", in.Dose); err != nil {
		return VolumeResult{}, err
	}
	if err := positive("concentration", in.Concentration); err != nil {
		return VolumeResult{}, err
	}
	c := exactOf(in.Concentration)
	v, err := exactOf(in.Dose).div(c)
	if err != nil {
		return VolumeResult{}, relabel(err, "concentration")
	}
	if !v.u.only(dimVolume) {
		return VolumeResult{}, errorf("concentration", CodeWrongDimension,
			"%s (%s) does not turn a dose of %s (%s) into a volume", in.Concentration.String(),
			in.Concentration.Unit.Dimension(), in.Dose.String(), in.Dose.Unit.Dimension())
	}
	v, _ = v.to(unitML)
	res := VolumeResult{Exact: v.quantity()}
	t.step("volume = ", Display(in.Dose), " ÷ ", Display(in.Concentration), " ", eq(res.Exact))
	inc := in.RoundTo
	if inc == nil && len(in.Syringes) > 0 {
		s, err := ChooseSyringe(res.Exact, in.Syringes)
		if err != nil {
			return VolumeResult{}, err
		}
		res.Syringe = &s
		inc = &s.Graduation
		t.step("syringe: ", Display(s.Capacity), " (graduated every ", Display(s.Graduation), ")")
		if c, _ := v.cmp(exactOf(s.Capacity).scale(minFill)); c < 0 {
			t.warn(show(res.Exact) + " is under 20% of the " + Display(s.Capacity) + " syringe, so it measures less accurately")
		}
	}
	rounded := v
	if inc != nil {
		if err := positive("round_to", *inc); err != nil {
			return VolumeResult{}, err
		}
		i, err := need("round_to", *inc, unitML, "0.1 mL")
		if err != nil {
			return VolumeResult{}, err
		}
		rounded = rq{n: v.roundTo(i.value()), d: one, u: unitML}
		if rounded.sign() == 0 {
			return VolumeResult{}, errorf("round_to", CodeOutOfRange, "%s rounds to 0 mL at %s; use a finer increment",
				res.Exact.String(), inc.String())
		}
		t.step("volume rounded to ", Display(*inc), " = ", Display(rounded.quantity()))
	}
	res.Volume = rounded.quantity()
	dl, err := rounded.mul(c)
	if err != nil {
		return VolumeResult{}, relabel(err, "concentration")
	}
	dl, err = dl.to(in.Dose.Unit)
	if err != nil {
		return VolumeResult{}, relabel(err, "concentration")
	}
	res.Delivered = dl.quantity()
	if inc != nil {
		t.step("delivered dose = ", Display(res.Volume), " × ", Display(in.Concentration), " ", eq(res.Delivered))
	}
	res.Steps, res.Warnings = t.steps, t.warnings
	return res, nil
}

// VialsResult is how many vials a dose needs.
type VialsResult struct {
	// Vials is ceiling(dose ÷ amount per vial).
	Vials int64
	// Remainder is what is left in the last vial, in the dose's unit.
	Remainder Quantity
	Steps     []string
}

// maxVials bounds the count; more than this is a unit slip, not a preparation.
const maxVials = 1000

// Vials counts the vials a dose needs and what is left in the last one.
func Vials(dose, perVial Quantity) (VialsResult, error) {
	var t trail
	if err := positive("dose", dose); err != nil {
		return VialsResult{}, err
	}
	if err := positive("vial_amount", perVial); err != nil {
		return VialsResult{}, err
	}
	if !perVial.Unit.SameDimension(dose.Unit) {
		return VialsResult{}, errorf("vial_amount", CodeWrongDimension, "%s is %s but the dose %s is %s",
			perVial.String(), perVial.Unit.Dimension(), dose.String(), dose.Unit.Dimension())
	}
	d := exactOf(dose)
	p, _ := exactOf(perVial).to(dose.Unit)
	n := ceilDiv(d, p)
	if n.GreaterThan(decimal.NewFromInt(maxVials)) {
		return VialsResult{}, errorf("vial_amount", CodeOutOfRange, "%s would need more than %d vials of %s; check the units",
			dose.String(), maxVials, perVial.String())
	}
	total := p.scale(n)
	rem, _ := total.sub(d)
	res := VialsResult{Vials: n.IntPart(), Remainder: rem.quantity()}
	t.step("vials = ceiling(", Display(dose), " ÷ ", Display(perVial), ") = ", DisplayDecimal(n))
	t.step("left in the last vial = ", DisplayDecimal(n), " × ", Display(perVial), " − ", Display(dose), " ", eq(res.Remainder))
	res.Steps = t.steps
	return res, nil
}
