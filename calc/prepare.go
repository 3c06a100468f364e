package calc

import (
	"github.com/shopspring/decimal"
)

// DilutionInput holds C1, C2 and V2 of C1 × V1 = C2 × V2.
type DilutionInput struct {
	StockConcentration Quantity
	FinalConcentration Quantity
	FinalVolume        Quantity
}

// DilutionResult is the stock volume V1 and the diluent to add, in mL.
type DilutionResult struct {
	StockVolume   Quantity
	DiluentVolume Quantity
	Steps         []string
}

// Dilution solves C1 × V1 = C2 × V2 for V1 = C2 × V2 ÷ C1, and diluent = V2 − V1.
// A final concentration above the stock is an error on final_concentration.
func Dilution(in DilutionInput) (DilutionResult, error) {
	var t trail
	for _, f := range []struct {
		name string
		q    Quantity
	}{{"stock_concentration", in.StockConcentration}, {"final_concentration", in.FinalConcentration}, {"final_volume", in.FinalVolume}} {
		if err := positive(f.name, f.q); err != nil {
			return DilutionResult{}, err
		}
	}
	c1 := exactOf(in.StockConcentration)
	if !in.StockConcentration.Unit.has(dimVolume, true) {
		return DilutionResult{}, wrongDim("stock_concentration", in.StockConcentration, "an amount per volume", "10 mg/mL")
	}
	if !in.FinalConcentration.Unit.SameDimension(c1.u) {
		return DilutionResult{}, errorf("final_concentration", CodeWrongDimension, "%s is %s but the stock %s is %s",
			in.FinalConcentration.String(), in.FinalConcentration.Unit.Dimension(), in.StockConcentration.String(), c1.u.Dimension())
	}
	v2, err := need("final_volume", in.FinalVolume, unitML, "100 mL")
	if err != nil {
		return DilutionResult{}, err
	}
	c2 := exactOf(in.FinalConcentration)
	if c, _ := c2.cmp(c1); c > 0 {
		return DilutionResult{}, errorf("final_concentration", CodeOutOfRange,
			"%s is above the stock concentration %s; a dilution cannot concentrate", in.FinalConcentration.String(), in.StockConcentration.String())
	}
	amount, _ := c2.mul(v2)
	v1, err := amount.div(c1)
	if err != nil {
		return DilutionResult{}, relabel(err, "stock_concentration")
	}
	v1, err = v1.to(unitML)
	if err != nil {
		return DilutionResult{}, relabel(err, "stock_concentration")
	}
	diluent, _ := v2.sub(v1)
	res := DilutionResult{StockVolume: v1.quantity(), DiluentVolume: diluent.quantity()}
	t.step("stock volume V1 = C2 × V2 ÷ C1 = ", Display(in.FinalConcentration), " × ", Display(in.FinalVolume), " ÷ ",
		Display(in.StockConcentration), " ", eq(res.StockVolume))
	t.step("diluent = V2 − V1 = ", Display(v2.quantity()), " − ", show(res.StockVolume), " ", eq(res.DiluentVolume))
	res.Steps = t.steps
	return res, nil
}

// ReconstitutionInput holds a powder vial's contents and either the diluent added or the
// concentration wanted.
type ReconstitutionInput struct {
	// Amount of drug in the vial (mg, g, units, ...).
	Amount Quantity
	// Displacement is the volume the powder adds once dissolved (may be 0 mL).
	Displacement Quantity
	// Exactly one of DiluentVolume and TargetConcentration.
	DiluentVolume       *Quantity
	TargetConcentration *Quantity
}

// ReconstitutionResult describes the reconstituted vial.
type ReconstitutionResult struct {
	FinalVolume   Quantity
	Concentration Quantity
	DiluentVolume Quantity
	Steps         []string
}

// Reconstitution: final volume = diluent + displacement and concentration = amount ÷ final
// volume; or, for a target concentration, diluent = amount ÷ target − displacement.
func Reconstitution(in ReconstitutionInput) (ReconstitutionResult, error) {
	var t trail
	if err := positive("amount", in.Amount); err != nil {
		return ReconstitutionResult{}, err
	}
	if !isAmount(in.Amount.Unit) {
		return ReconstitutionResult{}, wrongDim("amount", in.Amount, "a drug amount (mass, units, mEq or mmol)", "1 g")
	}
	dim, _ := numeratorDim(in.Amount.Unit)
	amountUnit := MustParseUnit(canonicalAmount[dim])
	amount, _ := exactOf(in.Amount).to(amountUnit)
	if err := nonNegative("displacement", in.Displacement); err != nil {
		return ReconstitutionResult{}, err
	}
	disp, err := need("displacement", in.Displacement, unitML, "0.5 mL")
	if err != nil {
		return ReconstitutionResult{}, err
	}
	concUnit, _, _ := mulUnits(amountUnit, unitML.invert())
	var res ReconstitutionResult
	switch {
	case in.DiluentVolume != nil && in.TargetConcentration != nil:
		return ReconstitutionResult{}, conflict("target_concentration", "diluent_volume", "give either diluent_volume or target_concentration, not both")
	case in.DiluentVolume != nil:
		if err := positive("diluent_volume", *in.DiluentVolume); err != nil {
			return ReconstitutionResult{}, err
		}
		dil, err := need("diluent_volume", *in.DiluentVolume, unitML, "10 mL")
		if err != nil {
			return ReconstitutionResult{}, err
		}
		final, _ := dil.add(disp)
		conc, _ := amount.div(final)
		res = ReconstitutionResult{FinalVolume: final.quantity(), Concentration: conc.quantity(), DiluentVolume: dil.quantity()}
		t.step("final volume = ", Display(dil.quantity()), " diluent + ", Display(disp.quantity()), " displacement ", eq(res.FinalVolume))
		t.step("concentration = ", Display(amount.quantity()), " ÷ ", Display(res.FinalVolume), " ", eq(res.Concentration))
	case in.TargetConcentration != nil:
		tc := *in.TargetConcentration
		if err := positive("target_concentration", tc); err != nil {
			return ReconstitutionResult{}, err
		}
		target, err := need("target_concentration", tc, concUnit, "100 mg/mL")
		if err != nil {
			return ReconstitutionResult{}, err
		}
		final, _ := amount.div(target)
		final, _ = final.to(unitML)
		dil, _ := final.sub(disp)
		if dil.sign() <= 0 {
			return ReconstitutionResult{}, errorf("target_concentration", CodeOutOfRange,
				"%s cannot be reached: the powder alone displaces %s, which already gives %s", tc.String(),
				in.Displacement.String(), mustDivQ(amount, disp))
		}
		res = ReconstitutionResult{FinalVolume: final.quantity(), Concentration: target.quantity(), DiluentVolume: dil.quantity()}
		t.step("final volume = ", Display(amount.quantity()), " ÷ ", Display(tc), " ", eq(res.FinalVolume))
		t.step("diluent to add = ", show(res.FinalVolume), " − ", Display(disp.quantity()), " displacement ", eq(res.DiluentVolume))
	default:
		return ReconstitutionResult{}, missing("diluent_volume", "diluent_volume or target_concentration")
	}
	res.Steps = t.steps
	return res, nil
}

// mustDivQ renders a ÷ b for a message, or "an unlimited concentration" when b is zero.
func mustDivQ(a, b rq) string {
	if b.sign() == 0 {
		return "an unlimited concentration"
	}
	r, err := a.div(b)
	if err != nil {
		return "?"
	}
	return show(r.quantity())
}

// InfusionInput holds a continuous infusion order. Give DoseRate (mcg/kg/min, mg/min,
// units/h, units/kg/h, mg/h, or already mL/h), with Weight for a per-weight rate and
// Concentration unless the rate is a volume per time; or give Volume and Duration.
type InfusionInput struct {
	DoseRate      *Quantity
	Weight        *Quantity
	Concentration *Quantity
	Volume        *Quantity
	Duration      *Quantity
}

// RateResult is a pump or drip rate.
type RateResult struct {
	// Exact is the unrounded rate (mL/h for pumps, gtt/min for drips).
	Exact Quantity
	// Rate is rounded half away from zero (0.1 mL/h, or a whole drop).
	Rate  Quantity
	Steps []string
}

var rateIncrement = decimal.RequireFromString("0.1")

// InfusionRate converts an infusion order into mL/h, rounded to 0.1 mL/h:
// mL/h = dose rate (× weight) ÷ concentration, or volume ÷ duration.
func InfusionRate(in InfusionInput) (RateResult, error) {
	var t trail
	var r rq
	if in.DoseRate != nil && (in.Volume != nil || in.Duration != nil) {
		other := "volume"
		if in.Volume == nil {
			other = "duration"
		}
		return RateResult{}, conflict("dose_rate", other,
			"give either dose_rate (with weight and concentration) or volume and duration, not both: they may disagree")
	}
	switch {
	case in.DoseRate != nil:
		dr := *in.DoseRate
		if err := positive("dose_rate", dr); err != nil {
			return RateResult{}, err
		}
		if dr.Unit.neg(dimTime).pow != 1 {
			return RateResult{}, wrongDim("dose_rate", dr, "an amount per time", "5 mcg/kg/min")
		}
		if dr.Unit.neg(dimLength).pow != 0 {
			return RateResult{}, errorf("dose_rate", CodeInvalid, "%s is per BSA; multiply by the BSA first (use kind dose)", dr.String())
		}
		r = exactOf(dr)
		if dr.Unit.has(dimMass, true) {
			if in.Weight == nil {
				return RateResult{}, missing("weight", "weight (for a rate per "+atoms[dr.Unit.neg(dimMass).atom].sym+")")
			}
			if _, err := weightKg("weight", *in.Weight); err != nil {
				return RateResult{}, err
			}
			r, _ = r.mul(exactOf(*in.Weight))
			t.step("dose rate = ", Display(dr), " × ", Display(*in.Weight), " ", eq(r.quantity()))
		}
		if !r.u.SameDimension(unitMLPerH) {
			if in.Concentration == nil {
				return RateResult{}, missing("concentration", "concentration")
			}
			c := *in.Concentration
			if err := positive("concentration", c); err != nil {
				return RateResult{}, err
			}
			v, err := r.div(exactOf(c))
			if err != nil || !v.u.SameDimension(unitMLPerH) {
				return RateResult{}, errorf("concentration", CodeWrongDimension, "%s (%s) does not turn %s (%s) into a volume per time",
					c.String(), c.Unit.Dimension(), show(r.quantity()), r.u.Dimension())
			}
			t.step("rate = ", show(r.quantity()), " ÷ ", Display(c), " ", eq(v.quantity()))
			r = v
		}
	case in.Volume != nil || in.Duration != nil:
		if in.Volume == nil {
			return RateResult{}, missing("volume", "volume (with duration)")
		}
		if in.Duration == nil {
			return RateResult{}, missing("duration", "duration (with volume)")
		}
		vr, dr, err := volumeAndDuration(*in.Volume, *in.Duration)
		if err != nil {
			return RateResult{}, err
		}
		r, _ = vr.div(dr)
		t.step("rate = ", Display(*in.Volume), " ÷ ", Display(*in.Duration), " ", eq(r.quantity()))
	default:
		return RateResult{}, missing("dose_rate", "dose_rate (or volume and duration)")
	}
	r, _ = r.to(unitMLPerH)
	res := RateResult{Exact: r.quantity(), Rate: Quantity{Value: r.roundTo(rateIncrement), Unit: unitMLPerH}}
	t.step("rate in mL/h ", eq(res.Exact), ", rounded to 0.1 mL/h = ", Display(res.Rate))
	if res.Rate.Value.IsZero() {
		return RateResult{}, errorf("dose_rate", CodeOutOfRange, "the rate %s rounds to 0 mL/h; use a weaker concentration", res.Exact.String())
	}
	res.Steps = t.steps
	return res, nil
}

func volumeAndDuration(volume, duration Quantity) (rq, rq, error) {
	if err := positive("volume", volume); err != nil {
		return rq{}, rq{}, err
	}
	if err := positive("duration", duration); err != nil {
		return rq{}, rq{}, err
	}
	v, err := need("volume", volume, unitML, "1000 mL")
	if err != nil {
		return rq{}, rq{}, err
	}
	d, err := need("duration", duration, unitMin, "8 h")
	if err != nil {
		return rq{}, rq{}, err
	}
	return v, d, nil
}

// DripInput holds a gravity infusion: volume over duration with a set's drop factor.
type DripInput struct {
	Volume     Quantity
	Duration   Quantity
	DropFactor Quantity
}

// DripRate is gtt/min = volume mL × drop factor gtt/mL ÷ minutes, rounded to a whole drop.
func DripRate(in DripInput) (RateResult, error) {
	var t trail
	v, d, err := volumeAndDuration(in.Volume, in.Duration)
	if err != nil {
		return RateResult{}, err
	}
	if err := positive("drop_factor", in.DropFactor); err != nil {
		return RateResult{}, err
	}
	f, err := need("drop_factor", in.DropFactor, unitGttPerML, "15 gtt/mL")
	if err != nil {
		return RateResult{}, err
	}
	drops, _ := v.mul(f)
	r, _ := drops.div(d)
	r, _ = r.to(unitGttPerMin)
	res := RateResult{Exact: r.quantity(), Rate: Quantity{Value: r.round(0), Unit: unitGttPerMin}}
	t.step("drip rate = ", Display(v.quantity()), " × ", Display(in.DropFactor), " ÷ ", Display(d.quantity()), " ", eq(res.Exact))
	t.step("rounded to a whole drop = ", Display(res.Rate))
	if res.Rate.Value.IsZero() {
		return RateResult{}, errorf("duration", CodeOutOfRange, "%s over %s is under half a drop a minute; use a pump", in.Volume.String(), in.Duration.String())
	}
	res.Steps = t.steps
	return res, nil
}
