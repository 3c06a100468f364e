package workflow

import (
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/guard"
)

// Codes of the guard refusals of a worksheet.
const (
	CodeRoundingDeviation     = calc.WarnRoundingDeviation
	CodeBelowMeasurableVolume = calc.WarnBelowMeasurable
	CodeImplausibleValue      = "implausible_value"
)

// computeDraw computes the volume to draw, rounded to the smallest syringe
// that holds it, never delivering more than the recipe's maximum dose nor
// more than the vials hold. A volume below the syringe's floor is diluted
// first where the recipe names a dilution, else refused; a rounding that
// moves the delivered dose beyond the hard stop is refused.
func (c *computation) computeDraw() error {
	r := c.in.Recipe
	syringes := r.syringes(c.guards.Syringes)
	maxDose, err := c.maxDose()
	if err != nil {
		return err
	}
	contents := c.vialContents()
	v, err := calc.Volume(calc.VolumeInput{Dose: c.dose.Dose, Concentration: c.amount, In: &c.inVolume,
		Syringes: syringes, MaxDelivered: maxDose, MaxVolume: contents, Guards: c.guards})
	if err != nil {
		return fromCalc(err, "dose")
	}
	c.drawAmount, c.drawIn = c.amount, c.inVolume
	stockDrawn := v.Delivered
	if v.BelowFloor {
		if r.Dilution == nil {
			return refuse(CodeBelowMeasurableVolume, "dose",
				"%s of %s is below %s, the smallest volume a %s syringe measures accurately, and the recipe %q names no dilution",
				displayOf(v.Exact), c.prod.Label(), calc.Display(v.Syringe.Floor), calc.Display(v.Syringe.Capacity), r.Name)
		}
		if v, stockDrawn, err = c.dilute(syringes, maxDose); err != nil {
			return err
		}
	}
	if err := c.checkDeviation("dose", c.dose.Dose, v); err != nil {
		return err
	}
	c.draw = v
	c.syringe = calc.Display(v.Syringe.Capacity)
	volLine := line(v.Volume, v.Steps)
	volLine.Exact = v.Exact.String()
	volLine.Note = fmt.Sprintf("rounded to the %s graduation of a %s syringe", calc.Display(v.Syringe.Graduation), c.syringe)
	c.ws.Quantities["volume"] = volLine
	delivered := line(v.Delivered, deliveredSteps(v))
	delivered.Note = "deviation from the dose " + calc.DeviationText(v.Deviation)
	c.ws.Quantities["delivered_dose"] = delivered
	c.ws.Deviation = calc.DeviationText(v.Deviation)
	c.ws.Quantities["deviation"] = Line{Value: c.ws.Deviation, Display: c.ws.Deviation,
		Steps: []string{"deviation = (" + displayOf(v.Delivered) + " − " + displayOf(c.dose.Dose) + ") ÷ " + displayOf(c.dose.Dose) + " = " + c.ws.Deviation}}
	c.ws.Warnings = append(c.ws.Warnings, messages(v.Warnings)...)
	return c.remainder(stockDrawn)
}

// maxDose is the recipe's maximum dose, which no rounding may exceed.
func (c *computation) maxDose() (*calc.Quantity, error) {
	if c.in.Recipe.MaxDose == "" {
		return nil, nil
	}
	m, err := calc.Parse(c.in.Recipe.MaxDose)
	if err != nil {
		return nil, fromCalc(err, "recipe.max_dose")
	}
	return &m, nil
}

// vialContents is the volume the counted vials hold, or nil when unknown.
func (c *computation) vialContents() *calc.Quantity {
	each := c.prod.Volume
	if c.prod.Concentration == nil {
		each = &c.inVolume // reconstituted: the vial's final volume
	}
	if each == nil {
		return nil
	}
	total := calc.Quantity{Value: each.Value.Mul(decimalOf(c.vials.Vials)), Unit: each.Unit}
	return &total
}

// remainder is what is left in the vials once the stock is drawn: from the
// volume actually drawn, not from the dose ordered.
func (c *computation) remainder(stockDrawn calc.Quantity) error {
	total, err := calc.Quantity{Value: c.per.Value.Mul(decimalOf(c.vials.Vials)), Unit: c.per.Unit}.Convert(stockDrawn.Unit)
	if err != nil {
		return fromCalc(err, "dose")
	}
	drawn := stockDrawn
	left, err := total.Sub(drawn)
	if err != nil {
		return fromCalc(err, "dose")
	}
	if left.Value.Sign() < 0 {
		// computeDraw keeps the draw within the vials; this is a defect.
		return refuse("cannot_compute", "dose", "the draw %s is more than the %d vials hold", displayOf(drawn), c.vials.Vials)
	}
	c.ws.Quantities["vial_remainder"] = line(left, []string{fmt.Sprintf("left in the vials = %d × %s − %s drawn = %s",
		c.vials.Vials, calc.Display(c.per), displayOf(drawn), displayOf(left))})
	return nil
}

// checkDeviation refuses a rounding beyond the hard stop, naming both the
// dose wanted and the dose the rounded volume delivers.
func (c *computation) checkDeviation(field string, want calc.Quantity, v calc.VolumeResult) error {
	if v.DeviationLevel < 2 {
		return nil
	}
	return refuse(CodeRoundingDeviation, field,
		"%s rounded to %s delivers %s for %s (%s), beyond the %s%% hard stop; use another concentration or a dilution",
		displayOf(v.Exact), calc.Display(v.Volume), displayOf(v.Delivered), displayOf(want),
		calc.DeviationText(v.Deviation), c.guards.DeviationRefuse.String())
}

// dilute makes the intermediate dilution the recipe names and returns the
// draw from it and the amount of stock drawn for it.
func (c *computation) dilute(syringes []calc.Syringe, maxDose *calc.Quantity) (calc.VolumeResult, calc.Quantity, error) {
	d := c.in.Recipe.Dilution
	target, err1 := calc.Parse(d.Concentration)
	vol, err2 := calc.Parse(d.Volume)
	if err1 != nil || err2 != nil {
		return calc.VolumeResult{}, calc.Quantity{}, refuse("cannot_compute", "recipe.dilution", "the recipe's dilution cannot be read")
	}
	want, err := target.Mul(vol)
	if err == nil {
		want, err = want.Convert(c.dose.Dose.Unit)
	}
	if err != nil {
		return calc.VolumeResult{}, calc.Quantity{}, refuse("cannot_compute", "recipe.dilution.concentration",
			"%s does not measure the drug as the dose %s does", d.Concentration, c.dose.Dose.String())
	}
	stock, err := calc.Volume(calc.VolumeInput{Dose: want, Concentration: c.amount, In: &c.inVolume, Syringes: syringes,
		MaxVolume: c.vialContents(), Guards: c.guards})
	if err != nil {
		return calc.VolumeResult{}, calc.Quantity{}, fromCalc(err, "recipe.dilution")
	}
	if stock.BelowFloor {
		return calc.VolumeResult{}, calc.Quantity{}, refuse(CodeBelowMeasurableVolume, "recipe.dilution",
			"even the dilution's stock draw of %s is below %s, the smallest volume a syringe measures", displayOf(stock.Exact), calc.Display(stock.Syringe.Floor))
	}
	if err := c.checkDeviation("recipe.dilution", want, stock); err != nil {
		return calc.VolumeResult{}, calc.Quantity{}, err
	}
	diluent, err := vol.Sub(stock.Volume)
	if err != nil || diluent.Value.Sign() <= 0 {
		return calc.VolumeResult{}, calc.Quantity{}, refuse("cannot_compute", "recipe.dilution.volume",
			"%s of stock does not fit in the dilution's %s", calc.Display(stock.Volume), d.Volume)
	}
	c.drawAmount, c.drawIn = stock.Delivered, vol
	conc, _ := stock.Delivered.Div(vol)
	final, err := calc.Volume(calc.VolumeInput{Dose: c.dose.Dose, Concentration: stock.Delivered, In: &vol, Syringes: syringes,
		MaxDelivered: maxDose, MaxVolume: &vol, Guards: c.guards})
	if err != nil {
		return calc.VolumeResult{}, calc.Quantity{}, fromCalc(err, "dose")
	}
	if final.BelowFloor {
		return calc.VolumeResult{}, calc.Quantity{}, refuse(CodeBelowMeasurableVolume, "dose",
			"%s of the dilution is still below %s; the recipe's dilution is not weak enough", displayOf(final.Exact), calc.Display(final.Syringe.Floor))
	}
	c.ws.Dilution = &DilutionPlan{Diluent: d.Diluent, StockVolume: stock.Volume.String(), StockSyringe: calc.Display(stock.Syringe.Capacity),
		DiluentVolume: diluent.String(), Concentration: conc.String()}
	c.ws.Quantities["dilution_stock_volume"] = line(stock.Volume, stock.Steps)
	c.ws.Quantities["dilution_diluent_volume"] = line(diluent, []string{"diluent = " + calc.Display(vol) + " − " +
		calc.Display(stock.Volume) + " stock = " + calc.Display(diluent)})
	c.ws.Quantities["dilution_concentration"] = line(conc, []string{"diluted concentration = " + displayOf(stock.Delivered) +
		" in " + calc.Display(vol) + " = " + displayOf(conc)})
	c.ws.Warnings = append(c.ws.Warnings, fmt.Sprintf("%s is too small to measure from %s: diluted first to %s",
		displayOf(c.dose.Dose), c.prod.Label(), displayOf(conc)))
	return final, stock.Delivered, nil
}

// deliveredSteps are the derivation lines of the delivered dose.
func deliveredSteps(v calc.VolumeResult) []string {
	var out []string
	for _, s := range v.Steps {
		if strings.HasPrefix(s, "delivered") || strings.HasPrefix(s, "deviation") || strings.HasPrefix(s, "rounded down") {
			out = append(out, s)
		}
	}
	return out
}

// computeBase adds the base solution: its container, the total volume and
// the final concentration, which must not exceed the recipe's maximum.
func (c *computation) computeBase() error {
	o, r := c.in.Order, c.in.Recipe
	c.total = c.draw.Volume
	if o.FinalVolume != nil {
		c.ws.DiluentName = o.Diluent
		for _, d := range c.in.Diluents {
			if d.Drug != o.Diluent || d.Volume == nil {
				continue
			}
			if cmp, err := d.Volume.Cmp(*o.FinalVolume); err == nil && cmp == 0 {
				c.ws.AllowedDiluents = append(c.ws.AllowedDiluents, d)
			}
		}
		if len(c.ws.AllowedDiluents) == 0 {
			return refuse("no_diluent_product", "diluent",
				"the recipe %q allows no %s container of %s", r.Name, o.Diluent, calc.Display(*o.FinalVolume))
		}
		d := c.ws.AllowedDiluents[0]
		c.ws.Diluent = &d
		t, err := o.FinalVolume.Add(c.draw.Volume)
		if err != nil {
			return fromCalc(err, "final_volume")
		}
		c.total, _ = t.In("mL")
		c.ws.Quantities["base_volume"] = line(*o.FinalVolume, nil)
		c.ws.Quantities["total_volume"] = line(c.total, []string{
			"total volume = " + calc.Display(*o.FinalVolume) + " " + o.Diluent + " + " + calc.Display(c.draw.Volume) + " drawn = " + calc.Display(c.total)})
	}
	fc, err := c.draw.Delivered.Div(c.total)
	if err != nil {
		return fromCalc(err, "final_volume")
	}
	if u := perML(c.dose.Dose); u != "" {
		if conc, err := fc.In(u); err == nil {
			fc = conc
		}
	}
	c.finalConc = fc
	c.ws.Quantities["final_concentration"] = line(fc, []string{
		"final concentration = " + displayOf(c.draw.Delivered) + " ÷ " + calc.Display(c.total) + " " + approx(fc)})
	return c.checkMaxConcentration(fc)
}

// checkMaxConcentration refuses a final concentration above the recipe's
// maximum, and a maximum that does not measure the drug the way the dose
// does (never skipped in silence).
func (c *computation) checkMaxConcentration(fc calc.Quantity) error {
	r := c.in.Recipe
	if r.MaxConcentration == "" {
		return nil
	}
	m, err := calc.Parse(r.MaxConcentration)
	if err != nil {
		return fromCalc(err, "recipe.max_concentration")
	}
	cmp, err := fc.Cmp(m)
	if err != nil {
		return refuse("cannot_compute", "recipe.max_concentration",
			"the recipe's maximum concentration %s is %s, but the final concentration %s is %s; an admin must correct the recipe",
			m.String(), m.Unit.Dimension(), displayOf(fc), fc.Unit.Dimension())
	}
	if cmp > 0 {
		return refuse("concentration_too_high", "final_volume",
			"the final concentration %s is above the recipe's maximum %s; use a larger final volume", displayOf(fc), calc.Display(m))
	}
	return nil
}

// computeRate is the pump rate when the order gives a duration; it must be
// a rate a pump can run.
func (c *computation) computeRate() error {
	o := c.in.Order
	if o.InfuseOver == nil {
		return nil
	}
	rate, err := calc.InfusionRate(calc.InfusionInput{Volume: &c.total, Duration: o.InfuseOver})
	if err != nil {
		return fromCalc(err, "infuse_over")
	}
	if _, err := c.guards.Check("rate", rate.Rate); err != nil {
		return refuse(CodeImplausibleValue, "infuse_over", "the pump rate %s", apperr.Message(err))
	}
	dev, _ := calc.Deviation(rate.Exact, rate.Rate)
	if c.guards.DeviationLevel(dev) == 2 {
		return refuse(CodeRoundingDeviation, "infuse_over", "the rate %s rounds to %s (%s), beyond the %s%% hard stop",
			displayOf(rate.Exact), calc.Display(rate.Rate), calc.DeviationText(dev), c.guards.DeviationRefuse.String())
	}
	rl := line(rate.Rate, rate.Steps)
	rl.Exact = rate.Exact.String()
	c.ws.Quantities["rate"] = rl
	return nil
}

// checkLimits judges the delivered dose, its rate and its concentration
// against the drug's dose-range limits; any finding holds the preparation
// for a pharmacist.
func (c *computation) checkLimits() error {
	o := c.in.Order
	c.ws.Holds = c.compiled.CheckDose(guard.Facts{
		Drug: o.Drug, Route: o.Route, Line: o.Line, Delivered: c.draw.Delivered,
		Weight: o.Patient.Weight, BSA: c.dose.BSA, Duration: o.InfuseOver, Concentration: &c.finalConc,
		At: o.DueAt, Others: c.in.SameDrug,
	})
	return nil
}

func decimalOf(n int64) decimal.Decimal { return decimal.NewFromInt(n) }
