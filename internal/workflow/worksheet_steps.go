package workflow

import (
	"fmt"
	"strings"

	"github.com/laminar-rx/laminar/calc"
)

// buildSteps turns the recipe's step templates into the worksheet's steps,
// each with what it expects; the intermediate dilution, when there is one,
// comes before the draw.
func (c *computation) buildSteps() error {
	base := c.ws.AllowedDiluents
	for _, t := range c.componentScans(c.in.Recipe.Steps) {
		if t.Kind == StepDraw && c.ws.Dilution != nil {
			c.ws.Steps = append(c.ws.Steps, c.diluteStep())
		}
		s := Step{ID: t.ID, Kind: t.Kind, Of: t.Of, Instruction: t.Instruction, State: "pending"}
		keep, err := c.fillStep(t, &s, base)
		if err != nil {
			return err
		}
		if keep {
			c.ws.Steps = append(c.ws.Steps, s)
		}
	}
	return c.doseEvidence()
}

// componentScans returns the recipe's steps with a scan of every component
// it names: a recipe that reconstitutes (or dilutes first) but does not scan
// that diluent gets the scan before the first step that uses it.
func (c *computation) componentScans(steps []StepTemplate) []StepTemplate {
	r := c.in.Recipe
	has := map[string]bool{}
	ids := map[string]bool{}
	for _, t := range steps {
		ids[t.ID] = true
		if t.Kind == StepScanDiluent {
			has[t.Of] = true
		}
	}
	need := func(of string, uses func(StepTemplate) bool) {
		if has[of] {
			return
		}
		id := "scan-" + strings.ReplaceAll(of, "_", "-")
		for ids[id] {
			id += "-1"
		}
		for i, t := range steps {
			if uses(t) {
				steps = append(steps[:i:i], append([]StepTemplate{{ID: id, Kind: StepScanDiluent, Of: of}}, steps[i:]...)...)
				return
			}
		}
	}
	if r.Reconstitution != nil && c.reconDiluent != nil {
		need(OfReconDiluent, func(t StepTemplate) bool {
			return t.Kind == StepReconstitute || (t.Kind == StepWeigh && t.Of == OfReconDiluent)
		})
	}
	if c.ws.Dilution != nil {
		need(OfDilutionDiluent, func(t StepTemplate) bool { return t.Kind == StepDraw })
	}
	return steps
}

// componentStep fills a scan of a component other than the drug and the
// base solution: the products the recipe allows for it (listed among the
// allowed diluents too), one container.
func (c *computation) componentStep(t StepTemplate, s *Step) (bool, error) {
	r := c.in.Recipe
	var name string
	switch {
	case t.Of == OfReconDiluent && r.Reconstitution != nil && c.reconDiluent != nil:
		name = r.Reconstitution.Diluent
	case t.Of == OfDilutionDiluent && r.Dilution != nil && c.ws.Dilution != nil:
		name = r.Dilution.Diluent
	default:
		// The powder needs no reconstitution (a solution was chosen) or
		// the dose needs no dilution: there is nothing to scan.
		return false, nil
	}
	ps := c.in.Components[t.Of]
	if len(ps) == 0 {
		return false, refuse("no_diluent_product", "recipe."+t.Of,
			"the recipe %q names %s, but no formulary product of it is allowed: it cannot be scanned", r.Name, or(name, "a diluent"))
	}
	s.Expects.Count = 1
	for _, p := range ps {
		s.Expects.ProductIDs = append(s.Expects.ProductIDs, p.ID)
		s.Expects.Products = append(s.Expects.Products, p.Label())
		if !c.ws.allows(p.ID) {
			c.ws.AllowedDiluents = append(c.ws.AllowedDiluents, p)
		}
	}
	what := "the " + or(name, ps[0].Label())
	if t.Of == OfReconDiluent {
		what += " used to dissolve the powder"
	} else {
		what += " for the dilution"
	}
	s.Instruction = or(s.Instruction, "Scan "+what)
	return true, nil
}

// allows reports whether a product is among the allowed products or diluents.
func (ws *Worksheet) allows(id int64) bool {
	for _, list := range [][]Product{ws.AllowedProducts, ws.AllowedDiluents} {
		for _, p := range list {
			if p.ID == id {
				return true
			}
		}
	}
	return false
}

// fillStep fills in what one step expects; keep is false for a step that
// does not apply to this preparation.
func (c *computation) fillStep(t StepTemplate, s *Step, base []Product) (keep bool, err error) {
	switch t.Kind {
	case StepScanVial:
		s.Expects.Count = int(c.vials.Vials)
		for _, p := range c.ws.AllowedProducts {
			s.Expects.ProductIDs = append(s.Expects.ProductIDs, p.ID)
			s.Expects.Products = append(s.Expects.Products, p.Label())
		}
		s.Instruction = or(s.Instruction, fmt.Sprintf("Scan %d × %s", c.vials.Vials, c.prod.Label()))
	case StepScanDiluent:
		if t.Of != "" {
			return c.componentStep(t, s)
		}
		if c.ws.Diluent == nil {
			c.ws.Warnings = append(c.ws.Warnings, "step "+t.ID+" scans a diluent, but the order has no base solution; it was left out")
			return false, nil
		}
		s.Expects.Count = 1
		for _, p := range base {
			s.Expects.ProductIDs = append(s.Expects.ProductIDs, p.ID)
			s.Expects.Products = append(s.Expects.Products, p.Label())
		}
		s.Instruction = or(s.Instruction, "Scan the "+c.ws.Diluent.Label())
	case StepReconstitute:
		if c.reconDiluent == nil {
			return false, nil
		}
		s.Expects.Volume = c.reconDiluent.String()
		s.Instruction = or(s.Instruction, fmt.Sprintf("Add %s %s to each vial and dissolve: %s",
			calc.Display(*c.reconDiluent), c.in.Recipe.Reconstitution.Diluent, c.ws.Quantities["concentration"].Display))
	case StepDraw:
		c.drawStep(s)
	case StepInject:
		if c.ws.Diluent != nil {
			s.Instruction = or(s.Instruction, fmt.Sprintf("Inject %s into the %s", calc.Display(c.draw.Volume), c.ws.Diluent.Label()))
		}
	case StepWeigh:
		return c.weighStep(t, s)
	case StepInspect:
		s.Instruction = or(s.Instruction, "Inspect the bag: no particles, no leaks, clear solution (the label is checked once it is printed, after completing)")
	case StepPhoto:
		s.Instruction = or(s.Instruction, "Photograph the syringe and the vials before injecting")
	}
	return true, nil
}

// drawStep is the draw, from the stock or from the dilution.
func (c *computation) drawStep(s *Step) {
	s.Expects.Volume = c.draw.Volume.String()
	s.Expects.Syringe = c.syringe
	from := ""
	if c.ws.Dilution != nil {
		from = " of the dilution (" + c.ws.Quantities["dilution_concentration"].Display + ")"
	}
	s.Instruction = or(s.Instruction, fmt.Sprintf("Draw %s%s with a %s syringe", calc.Display(c.draw.Volume), from, c.syringe))
}

// diluteStep is the intermediate dilution, with its own derivation.
func (c *computation) diluteStep() Step {
	d := c.ws.Dilution
	q := c.ws.Quantities
	return Step{ID: "dilute", Kind: StepDilute, State: "pending",
		Expects: Expect{Volume: d.StockVolume, Syringe: d.StockSyringe},
		Instruction: fmt.Sprintf("Dilute first: draw %s of %s with a %s syringe and add it to %s %s: %s",
			q["dilution_stock_volume"].Display, c.prod.Label(), d.StockSyringe, q["dilution_diluent_volume"].Display, d.Diluent,
			q["dilution_concentration"].Display)}
}

// weighStep is a gravimetric check of the draw or of the reconstitution
// diluent, left out (and said so) when no specific gravity is known; the
// draw then needs a photo (see doseEvidence).
func (c *computation) weighStep(t StepTemplate, s *Step) (bool, error) {
	r := c.in.Recipe
	wv := c.draw.Volume
	sg, src := c.drawGravity()
	what := "the drawn " + c.prod.Name()
	switch {
	case t.Of == "reconstitution_diluent":
		if c.reconDiluent == nil {
			return false, nil
		}
		wv, sg, src = *c.reconDiluent, r.Reconstitution.DiluentSpecificGravity, "the recipe ("+r.Reconstitution.Diluent+")"
		what = "the " + r.Reconstitution.Diluent + " for one vial"
	case c.ws.Dilution != nil:
		what = "the drawn dilution of " + c.prod.Name()
	}
	if sg == "" {
		c.ws.Gravimetric = append(c.ws.Gravimetric, fmt.Sprintf(
			"gravimetric check of %s is not possible: no specific gravity is recorded for it (none is assumed); step %s was left out", what, t.ID))
		return false, nil
	}
	if err := c.fillWeigh(s, what, wv, sg, src); err != nil {
		return false, err
	}
	if t.Of != "reconstitution_diluent" {
		c.drawWeigh = s.ID
	}
	return true, nil
}

// fillWeigh fills in a weigh step: the volume, the specific gravity and its
// source, the tolerance and the expected weight.
func (c *computation) fillWeigh(s *Step, what string, wv calc.Quantity, sg, src string) error {
	r := c.in.Recipe
	sgd, err := calc.ParseDecimal(sg)
	if err != nil {
		return fromCalc(err, "recipe.specific_gravity")
	}
	tol := r.Gravimetric.Tolerance
	if small, err := calc.Parse(r.Gravimetric.SmallVolume); err == nil {
		if cmp, err := wv.Cmp(small); err == nil && cmp <= 0 {
			tol = r.Gravimetric.SmallVolumeTolerance
		}
	}
	g, _ := wv.In("mL")
	expected := calc.Quantity{Value: g.Value.Mul(sgd), Unit: calc.MustParseUnit("g")}
	s.Expects.WeighVolume = wv.String()
	s.Expects.SpecificGravity = sgd.String()
	s.Expects.GravitySource = src
	s.Expects.Tolerance = tol
	s.Expects.ExpectedWeight = expected.String()
	s.Instruction = or(s.Instruction, fmt.Sprintf("Weigh %s (tare first): expect %s ± %s", what, calc.Display(expected), tol))
	c.ws.Gravimetric = append(c.ws.Gravimetric, fmt.Sprintf("%s: %s × specific gravity %s (from %s) = %s, tolerance ±%s",
		what, calc.Display(wv), calc.DisplayDecimal(sgd), src, calc.Display(expected), tol))
	return nil
}

// drawGravity is the specific gravity of the solution drawn, with its
// source: the one on record for the product at the drawn concentration
// (published or determined on site), else the recipe's, else the
// formulary's for a solution drawn as supplied; "" when none is known.
func (c *computation) drawGravity() (sg, src string) {
	r := c.in.Recipe
	if conc, err := c.drawAmount.Div(c.drawIn); err == nil {
		if key, err := ConcentrationKey(conc); err == nil {
			if g, ok := gravityFor(c.in.Gravities, c.prod.ID, key); ok {
				return g.SpecificGravity.String(), g.Describe()
			}
		}
	}
	switch {
	case c.ws.Dilution != nil:
		if r.Dilution.SpecificGravity != "" {
			return r.Dilution.SpecificGravity, "the recipe (dilution)"
		}
	case r.SpecificGravity != "":
		return r.SpecificGravity, "the recipe: " + r.SpecificGravitySource
	case c.prod.Concentration != nil && c.prod.SpecificGravity != nil:
		return c.prod.SpecificGravity.String(), "the formulary"
	}
	return "", ""
}
