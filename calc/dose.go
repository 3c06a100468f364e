package calc

import (
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
	Warnings []Warning
}

// Dose multiplies a per-kg dose by the weight, a per-m2 dose by the BSA rounded to 0.01 m2,
// or takes a flat dose as is, then applies the maximum dose.
func Dose(in DoseInput) (DoseResult, error) {
	if res, ok := doseFast(in); ok {
		return res, nil
	}
	return doseExact(in)
}

// doseExact is Dose in decimal arithmetic, for every input.
func doseExact(in DoseInput) (DoseResult, error) {
	var t trail
	if err := positive("dose", in.Dose); err != nil {
		return DoseResult{}, err
	}
	d := exactOf(in.Dose)
	var res DoseResult
	perWeight := false // the weight-based case computes its result while writing its step
	switch {
	case in.Dose.Unit.has(dimMass, true):
		if in.Weight == nil {
			return DoseResult{}, missing("weight", "weight (for a dose per "+atoms[in.Dose.Unit.neg(dimMass).atom].sym+")")
		}
		if _, err := weightKg("weight", *in.Weight); err != nil {
			return DoseResult{}, err
		}
		r, err := d.mul(exactOf(*in.Weight))
		if err != nil {
			return DoseResult{}, relabel(err, "dose")
		}
		d = r
		res.Calculated, perWeight = d.quantity(), true
		var buf [96]byte
		b := appendDisplay(append(buf[:0], "dose = "...), in.Dose)
		b = appendDisplay(append(b, " × "...), *in.Weight)
		t.line(appendEq(append(b, ' '), res.Calculated))
	case in.Dose.Unit.neg(dimLength).pow == 2:
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
	if d.u.has(dimMass, true) || d.u.neg(dimLength).pow != 0 {
		return DoseResult{}, errorf("dose", CodeInvalid, "%s still depends on weight or BSA after one multiplication", in.Dose.String())
	}
	if !perWeight {
		res.Calculated = d.quantity()
	}
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

// Syringe is a measuring device: its capacity, the graduation a volume is rounded to, and its
// floor, the smallest volume it measures accurately (zero: no floor known).
type Syringe struct {
	Capacity   Quantity
	Graduation Quantity
	Floor      Quantity
}

// String names a syringe by its capacity, e.g. "10 mL".
func (s Syringe) String() string { return s.Capacity.String() }

// ChooseSyringe picks the smallest syringe whose capacity holds the volume. It is an error
// when no syringe holds the volume.
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
	best := -1
	var largest Quantity
	for i, s := range syringes {
		if err := checkSyringe(s); err != nil {
			return Syringe{}, err
		}
		if c, _ := s.Capacity.Cmp(largest); i == 0 || c > 0 {
			largest = s.Capacity
		}
		if c, _ := v.cmp(exactOf(s.Capacity)); c > 0 {
			continue
		}
		if best < 0 {
			best = i
		} else if c, _ := s.Capacity.Cmp(syringes[best].Capacity); c < 0 {
			best = i
		}
	}
	if best >= 0 {
		return syringes[best], nil
	}
	return Syringe{}, errorf("volume", CodeOutOfRange, "%s is more than the largest syringe (%s) holds; split the draw",
		volume.String(), largest.String())
}

func checkSyringe(s Syringe) error {
	if err := positive("syringes", s.Capacity); err != nil {
		return err
	}
	if err := positive("syringes", s.Graduation); err != nil {
		return err
	}
	if !s.Capacity.Unit.only(dimVolume) || !s.Graduation.Unit.only(dimVolume) ||
		(!s.Floor.Value.IsZero() && !s.Floor.Unit.only(dimVolume)) {
		return errorf("syringes", CodeWrongDimension, "syringe %s graduated %s must be given in volumes",
			s.Capacity.String(), s.Graduation.String())
	}
	return nil
}

// VolumeInput holds the inputs of a volume-to-draw calculation.
type VolumeInput struct {
	Dose          Quantity
	Concentration Quantity
	// In, when given, makes Concentration an amount held in this volume (1 g in 3 mL): the
	// quotient is kept as an exact fraction instead of a rounded concentration.
	In *Quantity
	// RoundTo is the measuring increment (e.g. 0.1 mL); nil leaves the volume exact unless
	// Syringes is given.
	RoundTo *Quantity
	// Syringes, when RoundTo is nil, picks a syringe with ChooseSyringe and rounds to its
	// graduation.
	Syringes []Syringe
	// MaxDelivered, when given, is a dose the rounded volume must not deliver more than (a
	// maximum dose): rounding up past it rounds down instead.
	MaxDelivered *Quantity
	// MaxVolume, when given, is what the containers hold: the volume is never rounded above it.
	MaxVolume *Quantity
	// Guards, when given, report the rounding deviation and volumes below a syringe's floor.
	Guards *Guards
}

// VolumeResult is a volume to draw.
type VolumeResult struct {
	// Exact is dose ÷ concentration in mL, unrounded.
	Exact Quantity
	// Volume is Exact rounded half away from zero to the increment, or Exact.
	Volume Quantity
	// Delivered is Volume × concentration, in the dose's unit: what the patient actually gets.
	Delivered Quantity
	// Deviation is (Delivered − Dose) ÷ Dose in percent, rounded half away from zero to 0.1;
	// zero when nothing was rounded or no Guards were given.
	Deviation decimal.Decimal
	// DeviationLevel judges the exact deviation against the guards: 0 within the warning
	// limit, 1 above it, 2 above the hard stop (see Guards.DeviationLevel).
	DeviationLevel int
	// Syringe is the syringe chosen, when Syringes was given.
	Syringe *Syringe
	// BelowFloor is set when Exact is below the floor of the syringe chosen (or of the
	// smallest syringe of the guards).
	BelowFloor bool
	Steps      []string
	Warnings   []Warning
}

// Volume is dose ÷ concentration, rounded once to what can be measured, never above
// MaxDelivered or MaxVolume.
func Volume(in VolumeInput) (VolumeResult, error) {
	if res, ok := volumeFast(in); ok {
		return res, nil
	}
	return volumeExact(in)
}

// volumeExact is Volume in decimal arithmetic, for every input.
func volumeExact(in VolumeInput) (VolumeResult, error) {
	var t trail
	if err := positive("dose", in.Dose); err != nil {
		return VolumeResult{}, err
	}
	if err := positive("concentration", in.Concentration); err != nil {
		return VolumeResult{}, err
	}
	c := exactOf(in.Concentration)
	if in.In != nil {
		if err := positive("concentration", *in.In); err != nil {
			return VolumeResult{}, err
		}
		c, _ = c.div(exactOf(*in.In))
	}
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
	var buf [128]byte
	b := appendDisplay(append(buf[:0], "volume = "...), in.Dose)
	b = appendConc(append(b, " ÷ "...), in)
	t.line(appendEq(append(b, ' '), res.Exact))
	inc, err := volumeIncrement(in, v, &res, &t)
	if err != nil {
		return VolumeResult{}, err
	}
	rounded := v
	if inc != nil {
		if rounded, err = roundVolume(in, v, c, *inc, &t); err != nil {
			return VolumeResult{}, err
		}
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
		b := appendDisplay(append(buf[:0], "delivered dose = "...), res.Volume)
		b = appendConc(append(b, " × "...), in)
		t.line(appendEq(append(b, ' '), res.Delivered))
		// The deviation is judged where there are guards to judge it by (a caller without
		// guards may compute it with Deviation); the output fields carry it, not a step.
		if in.Guards != nil {
			ordered := exactOf(in.Dose)
			if p, lvl, ok := in.Guards.deviationFast(dl, ordered); ok {
				res.Deviation, res.DeviationLevel = p, lvl
			} else if diff, _ := dl.sub(ordered); diff.sign() != 0 {
				res.Deviation = percentOf(diff, ordered)
				res.DeviationLevel = in.Guards.levelOf(diff, ordered)
			}
		}
		if w, ok := in.Guards.deviationWarning("dose", in.Dose, res.Delivered, res.Deviation, res.DeviationLevel); ok {
			t.warnings = append(t.warnings, w)
		}
	}
	res.Steps, res.Warnings = t.steps, t.warnings
	return res, nil
}

// appendConc appends the concentration drawn from: "50 mg/mL", or "(1 g in 3 mL)".
func appendConc(b []byte, in VolumeInput) []byte {
	if in.In == nil {
		return appendDisplay(b, in.Concentration)
	}
	b = appendDisplay(append(b, '('), in.Concentration)
	return append(appendDisplay(append(b, " in "...), *in.In), ')')
}

// volumeIncrement picks the increment to round to (round_to, or the chosen syringe's
// graduation) and notes a volume below the floor of the syringe that would measure it.
func volumeIncrement(in VolumeInput, v rq, res *VolumeResult, t *trail) (*Quantity, error) {
	inc := in.RoundTo
	floor, hasFloor := in.Guards.smallestFloor()
	if inc == nil && len(in.Syringes) > 0 {
		s, err := ChooseSyringe(res.Exact, in.Syringes)
		if err != nil {
			return nil, err
		}
		res.Syringe = &s
		inc = &s.Graduation
		floor, hasFloor = s, s.Floor.Value.Sign() > 0
		t.step("syringe: ", Display(s.Capacity), " (graduated every ", Display(s.Graduation), ")")
	}
	if hasFloor {
		if c, err := v.cmp(exactOf(floor.Floor)); err == nil && c < 0 {
			res.BelowFloor = true
			t.warn(WarnBelowMeasurable, "dose", show(res.Exact)+" is below "+Display(floor.Floor)+
				", the smallest volume a "+Display(floor.Capacity)+" syringe measures accurately; dilute first")
		}
	}
	if inc != nil {
		if err := positive("round_to", *inc); err != nil {
			return nil, err
		}
		if _, err := need("round_to", *inc, unitML, "0.1 mL"); err != nil {
			return nil, err
		}
	}
	return inc, nil
}

// roundVolume rounds v half away from zero to inc; when that would deliver more than
// MaxDelivered or hold more than MaxVolume, it takes the largest multiple of inc within them.
func roundVolume(in VolumeInput, v, c rq, inc Quantity, t *trail) (rq, error) {
	i, _ := need("round_to", inc, unitML, "0.1 mL")
	step := i.value()
	n, rounded := roundCount(v, step)
	if n.Sign() == 0 {
		return rq{}, errorf("round_to", CodeOutOfRange, "%s rounds to 0 mL at %s; use a finer increment",
			v.quantity().String(), inc.String())
	}
	var buf [96]byte
	b := appendDisplay(append(buf[:0], "volume rounded to "...), inc)
	t.line(appendDisplay(append(b, " = "...), rounded.quantity()))
	if over, why := overLimit(in, rounded, c); over {
		n = floorWithin(in, c, step, n)
		if n.Sign() <= 0 {
			return rq{}, errorf("dose", CodeOutOfRange, "no multiple of %s stays within %s", inc.String(), why)
		}
		rounded = rq{n: n.Mul(step).Normalize(), d: one, u: unitML}
		t.step("rounded down to ", Display(rounded.quantity()), " so as not to exceed ", why)
	}
	return rounded, nil
}

// roundCount rounds v half away from zero to a count of steps and returns the count and the
// rounded volume, on integers where the numbers allow.
func roundCount(v rq, step decimal.Decimal) (decimal.Decimal, rq) {
	vn, vd, ok1 := fxRq(v)
	s, ok2 := fxOf(step)
	if ok1 && ok2 {
		if den, ok := vd.mul(s); ok {
			if k, ok := divRound(vn, den); ok {
				if r, ok := mul64(k, s.c); ok {
					return newDecimal(k, 0), rq{n: fx{c: r, e: s.e}.decimal(), d: one, u: unitML}
				}
			}
		}
	}
	n := v.n.DivRound(mulD(v.d, step), 0)
	return n, rq{n: n.Mul(step).Normalize(), d: one, u: unitML}
}

// floorWithin returns the largest count of steps ≤ n whose volume stays within the limits.
func floorWithin(in VolumeInput, c rq, step, n decimal.Decimal) decimal.Decimal {
	for _, lim := range []*Quantity{in.MaxVolume, in.MaxDelivered} {
		if lim == nil {
			continue
		}
		l := exactOf(*lim)
		var maxVol rq
		if lim == in.MaxDelivered {
			mv, err := l.div(c)
			if err != nil {
				continue
			}
			maxVol, _ = mv.to(unitML)
		} else {
			maxVol, _ = l.to(unitML)
		}
		k, _ := maxVol.n.QuoRem(mulD(maxVol.d, step), 0)
		if k.LessThan(n) {
			n = k
		}
	}
	return n
}

// overLimit reports whether a rounded volume delivers more than MaxDelivered or is more than
// MaxVolume, and which.
func overLimit(in VolumeInput, vol, c rq) (bool, string) {
	if in.MaxVolume != nil {
		if cmp, err := vol.cmp(exactOf(*in.MaxVolume)); err == nil && cmp > 0 {
			return true, Display(*in.MaxVolume) + " (what the containers hold)"
		}
	}
	if in.MaxDelivered != nil {
		dl, err := vol.mul(c)
		if err == nil {
			if cmp, err := dl.cmp(exactOf(*in.MaxDelivered)); err == nil && cmp > 0 {
				return true, "the maximum dose " + Display(*in.MaxDelivered)
			}
		}
	}
	return false, ""
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
