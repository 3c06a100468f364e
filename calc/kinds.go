package calc

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/shopspring/decimal"
)

// The calculations, one function per kind (see kinds): each reads its
// inputs, computes and writes its outputs.

func runDose(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	weight, e2 := in.optQuantity("weight")
	height, e3 := in.optQuantity("height")
	bsa, e4 := in.optQuantity("bsa")
	maxDose, e5 := in.optQuantity("max_dose")
	f, e6 := in.word("bsa_formula")
	if err := firstErr(e1, e2, e3, e4, e5, e6); err != nil {
		return err
	}
	formula, err := ParseBSAFormula(f)
	if err != nil {
		return relabel(err, "bsa_formula")
	}
	if bsa != nil && (height != nil || f != "") {
		other := "height"
		if height == nil {
			other = "bsa_formula"
		}
		return conflict("bsa", other, "give either bsa or height (with weight and bsa_formula), not both: they may disagree")
	}
	res, err := Dose(DoseInput{Dose: dose, Weight: weight, Height: height, BSA: bsa, Formula: formula, MaxDose: maxDose})
	if err != nil {
		return err
	}
	if err := in.plausibleBSA(res.BSA, bsa); err != nil {
		return err
	}
	var perKg *Quantity
	if dose.Unit.has(dimMass, true) {
		perKg = &dose
	}
	if w, ok := in.guards.implausibleDose(perKg, res.Calculated); ok {
		res.Warnings = append(res.Warnings, w)
	}
	r.quantity("dose", res.Dose)
	r.flag("capped", res.Capped)
	if res.BSA != nil {
		r.quantity("bsa", *res.BSA)
	}
	if res.Capped {
		r.quantity("calculated_dose", res.Calculated)
	}
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

// plausibleBSA checks a BSA computed from weight and height (one given was checked on input).
func (in *inputs) plausibleBSA(computed, given *Quantity) error {
	if computed == nil || given != nil {
		return nil
	}
	return in.plausible("bsa", *computed)
}

func runVolume(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	conc, e2 := in.quantity("concentration")
	s, hasRound, e3 := in.str("round_to")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	vi := VolumeInput{Dose: dose, Concentration: conc, Guards: in.guards}
	if hasRound {
		if strings.EqualFold(strings.TrimSpace(s), "syringe") {
			if in.guards == nil || len(in.guards.Syringes) == 0 {
				return errorf("round_to", CodeInvalid, "no syringe list is configured; give an increment such as \"0.1 mL\"")
			}
			vi.Syringes = in.guards.Syringes
		} else {
			q, err := Parse(s)
			if err != nil {
				return relabel(err, "round_to")
			}
			vi.RoundTo = &q
		}
	}
	res, err := Volume(vi)
	if err != nil {
		return err
	}
	r.quantity("exact_volume", res.Exact)
	r.quantity("volume", res.Volume)
	r.quantity("delivered_dose", res.Delivered)
	dev := res.Deviation
	if in.guards == nil && vi.RoundTo != nil || in.guards == nil && res.Syringe != nil {
		if p, _, ok := (&Guards{}).deviationFast(exactOf(res.Delivered), exactOf(dose)); res.Delivered.Unit == dose.Unit && ok {
			dev = p
		} else {
			exact, _ := Deviation(dose, res.Delivered)
			dev = exact.Round(1)
		}
	}
	r.text("deviation", DeviationText(dev))
	if res.Syringe != nil {
		r.quantity("syringe", res.Syringe.Capacity)
	}
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func runDilution(in *inputs, r *Response) error {
	c1, e1 := in.quantity("stock_concentration")
	c2, e2 := in.quantity("final_concentration")
	v2, e3 := in.quantity("final_volume")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := Dilution(DilutionInput{StockConcentration: c1, FinalConcentration: c2, FinalVolume: v2})
	if err != nil {
		return err
	}
	r.quantity("stock_volume", res.StockVolume)
	r.quantity("diluent_volume", res.DiluentVolume)
	r.Steps = res.Steps
	return nil
}

func runReconstitution(in *inputs, r *Response) error {
	amount, e1 := in.quantity("amount")
	disp, e2 := in.quantity("displacement")
	dil, e3 := in.optQuantity("diluent_volume")
	target, e4 := in.optQuantity("target_concentration")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	res, err := Reconstitution(ReconstitutionInput{Amount: amount, Displacement: disp, DiluentVolume: dil, TargetConcentration: target})
	if err != nil {
		return err
	}
	r.quantity("final_volume", res.FinalVolume)
	r.quantity("concentration", res.Concentration)
	r.quantity("diluent_volume", res.DiluentVolume)
	r.Steps = res.Steps
	return nil
}

func runInfusion(in *inputs, r *Response) error {
	dr, e1 := in.optQuantity("dose_rate")
	w, e2 := in.optQuantity("weight")
	c, e3 := in.optQuantity("concentration")
	v, e4 := in.optQuantity("volume")
	d, e5 := in.optQuantity("duration")
	if err := firstErr(e1, e2, e3, e4, e5); err != nil {
		return err
	}
	res, err := InfusionRate(InfusionInput{DoseRate: dr, Weight: w, Concentration: c, Volume: v, Duration: d})
	if err != nil {
		return err
	}
	r.quantity("exact_rate", res.Exact)
	r.quantity("rate", res.Rate)
	dev, _ := Deviation(res.Exact, res.Rate)
	r.text("deviation", DeviationText(dev))
	if w, ok := in.guards.deviationWarning("rate", res.Exact, res.Rate, dev, in.guards.DeviationLevel(dev)); ok {
		r.Warnings = append(r.Warnings, w)
	}
	r.Steps = res.Steps
	return nil
}

func runDrip(in *inputs, r *Response) error {
	v, e1 := in.quantity("volume")
	d, e2 := in.quantity("duration")
	f, e3 := in.quantity("drop_factor")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := DripRate(DripInput{Volume: v, Duration: d, DropFactor: f})
	if err != nil {
		return err
	}
	r.quantity("exact_rate", res.Exact)
	r.quantity("rate", res.Rate)
	r.Steps = res.Steps
	return nil
}

func runBSA(in *inputs, r *Response) error {
	w, e1 := in.quantity("weight")
	h, e2 := in.quantity("height")
	f, e3 := in.word("formula")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := BSA(w, h, BSAFormula(f))
	if err != nil {
		return err
	}
	r.quantity("exact_bsa", res.Exact)
	r.quantity("bsa", res.BSA)
	r.text("formula", string(res.Formula))
	r.Steps = res.Steps
	return nil
}

func runCrCl(in *inputs, r *Response) error {
	age, e1 := in.decimal("age")
	sex, e2 := in.word("sex")
	w, e3 := in.quantity("weight")
	scr, e4 := in.quantity("serum_creatinine")
	basis, e5 := in.word("weight_basis")
	h, e6 := in.optQuantity("height")
	f, e7 := in.optDecimal("adjustment_factor")
	if err := firstErr(e1, e2, e3, e4, e5, e6, e7); err != nil {
		return err
	}
	if sex == "" {
		return errorf("sex", CodeMissing, "sex is required: female or male")
	}
	ci := CrClInput{Age: age, Sex: Sex(sex), Weight: w, SerumCreatinine: scr, Basis: WeightBasis(basis), Height: h}
	if f != nil {
		if f.IsZero() {
			return errorf("adjustment_factor", CodeNotPositive, "must be above zero")
		}
		ci.AdjustmentFactor = *f
	}
	res, err := CreatinineClearance(ci)
	if err != nil {
		return err
	}
	r.quantity("exact_crcl", res.Exact)
	r.quantity("crcl", res.CrCl)
	r.quantity("weight_used", res.WeightUsed)
	r.text("weight_basis", string(res.Basis))
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func runCarboplatin(in *inputs, r *Response) error {
	auc, e1 := in.decimal("auc")
	gfr, e2 := in.quantity("gfr")
	gcap, e3 := in.optQuantity("gfr_cap")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := Carboplatin(auc, gfr, gcap)
	if err != nil {
		return err
	}
	r.quantity("dose", res.Dose)
	r.flag("capped", res.Capped)
	r.quantity("gfr_used", res.GFRUsed)
	r.Steps = res.Steps
	return nil
}

func runGravimetric(in *inputs, r *Response) error {
	v, e1 := in.quantity("volume")
	sg, e2 := in.optDecimal("specific_gravity")
	m, e3 := in.quantity("measured")
	s, ok, e4 := in.str("tolerance")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	if !ok {
		return errorf("tolerance", CodeMissing, "tolerance is required, e.g. \"5%%\"")
	}
	tol, err := ParsePercent(s)
	if err != nil {
		return relabel(err, "tolerance")
	}
	res, err := Gravimetric(GravimetricInput{Volume: v, SpecificGravity: sg, Measured: m, Tolerance: tol})
	if err != nil {
		return err
	}
	r.quantity("expected", res.Expected)
	r.text("deviation", plain(res.Deviation)+"%")
	r.text("exact_deviation", plain(res.ExactDeviation)+"%")
	r.flag("pass", res.Pass)
	r.Steps = res.Steps
	return nil
}

func runMEq(in *inputs, r *Response) error {
	amount, e1 := in.optQuantity("amount")
	mass, e2 := in.optQuantity("mass")
	mm, e3 := in.quantity("molar_mass")
	val, e4 := in.decimal("valence")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	var res MEqResult
	var err error
	switch {
	case amount != nil && mass != nil:
		return conflict("mass", "amount", "give either amount (mEq or mmol) or mass, not both")
	case amount != nil:
		res, err = EquivalentsToMass(*amount, mm, val)
	case mass != nil:
		res, err = MassToEquivalents(*mass, mm, val)
	default:
		return errorf("amount", CodeMissing, "amount (mEq or mmol) or mass is required")
	}
	if err != nil {
		return err
	}
	r.quantity("mass", res.Mass)
	r.quantity("meq", res.MEq)
	r.quantity("mmol", res.MMol)
	r.Steps = res.Steps
	return nil
}

func runVials(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	per, e2 := in.quantity("vial_amount")
	if err := firstErr(e1, e2); err != nil {
		return err
	}
	res, err := Vials(dose, per)
	if err != nil {
		return err
	}
	r.text("vials", decimal.NewFromInt(res.Vials).String())
	r.quantity("remainder", res.Remainder)
	r.Steps = res.Steps
	return nil
}

func runIBW(in *inputs, r *Response) error {
	h, e1 := in.quantity("height")
	sex, e2 := in.word("sex")
	w, e3 := in.optQuantity("weight")
	f, e4 := in.optDecimal("adjustment_factor")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	if sex == "" {
		return errorf("sex", CodeMissing, "sex is required: female or male")
	}
	ibw, err := IdealBodyWeight(h, Sex(sex))
	if err != nil {
		return err
	}
	r.quantity("exact_ibw", ibw.Exact)
	r.quantity("ibw", ibw.Weight)
	r.Steps, r.Warnings = ibw.Steps, ibw.Warnings
	if w != nil {
		factor := zero
		if f != nil {
			if f.IsZero() {
				return errorf("adjustment_factor", CodeNotPositive, "must be above zero")
			}
			factor = *f
		}
		abw, err := AdjustedBodyWeight(*w, ibw.Exact, factor)
		if err != nil {
			return err
		}
		r.quantity("exact_adjusted_weight", abw.Exact)
		r.quantity("adjusted_weight", abw.Weight)
		r.Steps = append(r.Steps, abw.Steps...)
		r.Warnings = append(r.Warnings, abw.Warnings...)
	}
	return nil
}

func runOsmolarity(in *inputs, r *Response) error {
	limit, err := in.optQuantity("limit")
	if err != nil {
		return err
	}
	var comps []OsmoleComponent
	if raw, ok := in.raw["components"]; ok && string(raw) != "null" {
		for _, f := range []string{"concentration", "molar_mass", "particles"} {
			if _, flat := in.raw[f]; flat {
				return errorf(f, CodeInvalid, "give components or a single concentration, molar_mass and particles, not both")
			}
		}
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
			return errorf("components", CodeInvalid, "must be a non-empty array of {\"concentration\", \"molar_mass\", \"particles\"}")
		}
		for i, item := range list {
			prefix := "components[" + itoa(i) + "]."
			fields, err := decodeObject(item, "components["+itoa(i)+"]")
			if err != nil {
				return err
			}
			for key := range fields {
				if key != "concentration" && key != "molar_mass" && key != "particles" {
					return errorf(prefix+key, CodeInvalid, "unknown field; accepted: concentration, molar_mass, particles")
				}
			}
			c, err := readComponent(&inputs{raw: fields, prefix: prefix})
			if err != nil {
				return err
			}
			comps = append(comps, c)
		}
	} else {
		c, err := readComponent(in)
		if err != nil {
			return err
		}
		comps = []OsmoleComponent{c}
	}
	res, err := Osmolarity(comps, limit)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) && len(comps) == 1 && in.raw["components"] != nil &&
			(ce.Field == "concentration" || ce.Field == "molar_mass" || ce.Field == "particles") {
			return relabel(ce, "components[0]."+ce.Field)
		}
		return err
	}
	r.quantity("exact_osmolarity", res.Exact)
	r.quantity("osmolarity", res.Osmolarity)
	r.quantity("limit", res.Limit)
	r.flag("above_limit", res.AboveLimit)
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func readComponent(in *inputs) (OsmoleComponent, error) {
	c, e1 := in.quantity("concentration")
	mm, e2 := in.optQuantity("molar_mass")
	p, e3 := in.decimal("particles")
	if err := firstErr(e1, e2, e3); err != nil {
		return OsmoleComponent{}, err
	}
	return OsmoleComponent{Concentration: c, MolarMass: mm, Particles: p}, nil
}

func runAlligation(in *inputs, r *Response) error {
	s, e1 := in.quantity("stronger")
	w, e2 := in.quantity("weaker")
	t, e3 := in.quantity("target")
	total, e4 := in.optQuantity("total")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	res, err := Alligation(s, w, t, total)
	if err != nil {
		return err
	}
	r.text("parts_stronger", plain(res.PartsStronger))
	r.text("parts_weaker", plain(res.PartsWeaker))
	if res.VolumeStronger != nil {
		r.quantity("volume_stronger", *res.VolumeStronger)
		r.quantity("volume_weaker", *res.VolumeWeaker)
	}
	r.Steps = res.Steps
	return nil
}

func runPercent(in *inputs, r *Response) error {
	q, err := in.quantity("strength")
	if err != nil {
		return err
	}
	res, err := Strength(q)
	if err != nil {
		return err
	}
	r.quantity("concentration", res.Concentration)
	r.text("percent", plain(res.Percent)+"%")
	if res.Ratio != nil {
		r.text("ratio", "1:"+plain(*res.Ratio))
	}
	r.Steps = res.Steps
	return nil
}
