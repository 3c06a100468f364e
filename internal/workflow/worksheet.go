package workflow

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
)

var hundred = decimal.NewFromInt(100)

// Line is one computed number of a worksheet: the contract's plain value,
// the ISMP display text, the exact value where it was rounded, and how it
// was reached.
type Line struct {
	Value   string   `json:"value"`
	Display string   `json:"display"`
	Exact   string   `json:"exact,omitempty"`
	Note    string   `json:"note,omitempty"`
	Steps   []string `json:"steps,omitempty"`
}

// line makes a worksheet line. A value that does not terminate (1 g in
// 53 mL) is shown to 4 significant digits; Value and Exact keep it whole.
func line(q calc.Quantity, steps []string) Line {
	l := Line{Value: q.String(), Display: calc.Display(q), Steps: steps}
	if d := q.Value; d.NumDigits() > 8 {
		places := int32(4) - int32(d.NumDigits()) - d.Exponent()
		if places < 0 {
			places = 0
		}
		l.Display = calc.Display(calc.Quantity{Value: d.Round(places), Unit: q.Unit})
		l.Exact = q.String()
	}
	return l
}

// PatientSnapshot is the patient as the worksheet was computed for.
type PatientSnapshot struct {
	MRN       string `json:"mrn"`
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
	Location  string `json:"location"`
	Weight    string `json:"weight,omitempty"`
	Height    string `json:"height,omitempty"`
}

// Expect is what a step expects: the products a scan may show, how many
// containers, the volume, the weight.
type Expect struct {
	ProductIDs      []int64  `json:"product_ids,omitempty"`
	Products        []string `json:"products,omitempty"`
	Count           int      `json:"count,omitempty"`
	Volume          string   `json:"volume,omitempty"`
	Syringe         string   `json:"syringe,omitempty"`
	ExpectedWeight  string   `json:"expected_weight,omitempty"`
	WeighVolume     string   `json:"weigh_volume,omitempty"`
	SpecificGravity string   `json:"specific_gravity,omitempty"`
	Tolerance       string   `json:"tolerance,omitempty"`
}

// Step is one step of a preparation, with what it expects. State and Done
// are filled in when the preparation is read.
type Step struct {
	ID          string   `json:"id"`
	Kind        StepKind `json:"kind"`
	Instruction string   `json:"instruction"`
	Expects     Expect   `json:"expects"`
	Done        bool     `json:"done"`
	// State is pending, done or failed (a weight out of tolerance).
	State string `json:"state"`
}

// Worksheet is everything computed for one preparation. It is stored as
// computed, with the recipe version used, and never recomputed from a
// newer recipe.
type Worksheet struct {
	RecipeID        int64           `json:"recipe_id"`
	RecipeVersion   int             `json:"recipe_version"`
	RecipeName      string          `json:"recipe_name"`
	Drug            string          `json:"drug"`
	DrugDisplay     string          `json:"drug_display"`
	Route           string          `json:"route"`
	Patient         PatientSnapshot `json:"patient"`
	OrderedDose     string          `json:"ordered_dose"`
	DoseBasis       string          `json:"dose_basis"`
	Product         Product         `json:"product"`
	ProductAmount   string          `json:"product_amount"`
	AllowedProducts []Product       `json:"allowed_products"`
	Diluent         *Product        `json:"diluent,omitempty"`
	AllowedDiluents []Product       `json:"allowed_diluents,omitempty"`
	DiluentName     string          `json:"diluent_name,omitempty"`
	Quantities      map[string]Line `json:"quantities"`
	Vials           int64           `json:"vials"`
	Steps           []Step          `json:"steps"`
	// Gravimetric says, per weighable thing, whether a weight check is
	// possible and why not.
	Gravimetric []string `json:"gravimetric,omitempty"`
	Hazardous   bool     `json:"hazardous"`
	Handling    string   `json:"handling,omitempty"`

	Category           bud.Category `json:"category"`
	Method             bud.Method   `json:"method"`
	StartingComponents bud.Starting `json:"starting_components"`
	SterilityTested    bool         `json:"sterility_tested"`
	Storage            bud.Storage  `json:"storage"`
	StabilityLimit     string       `json:"stability_limit,omitempty"`
	StabilityReference string       `json:"stability_reference,omitempty"`
	// BUD is provisional (no lots yet, counted from the computation) until
	// completion, when it is computed from the real start and components.
	BUD            *bud.Result `json:"bud"`
	BUDProvisional bool        `json:"bud_provisional"`
	Warnings       []string    `json:"warnings,omitempty"`
	ComputedAt     time.Time   `json:"computed_at"`
}

// WorksheetInput is what a worksheet is computed from.
type WorksheetInput struct {
	Order  Order
	Recipe Recipe
	// Products are the products the recipe allows (resolved by the catalog).
	Products []Product
	// Diluents are the base solutions the recipe allows.
	Diluents []Product
	Rules    bud.Rules
	Now      time.Time
	Location *time.Location
}

// refuse is a 422 refusal raised while computing a worksheet.
func refuse(code, field, format string, args ...any) *apperr.Error {
	e := apperr.WithCode(apperr.Refused, code, format, args...)
	e.Field = field
	return e
}

// fromCalc turns a calculator error into a 422 naming the order field.
func fromCalc(err error, field string) error {
	var ce *calc.Error
	if errors.As(err, &ce) {
		f := field
		if f == "" {
			f = ce.Field
		}
		return refuse("cannot_compute", f, "%s", ce.Error())
	}
	return apperr.Wrap(err, "worksheet computation failed")
}

// ComputeWorksheet computes every quantity of a preparation exactly, with
// its derivation, and the steps to follow.
func ComputeWorksheet(in WorksheetInput) (Worksheet, error) {
	o, r := in.Order, in.Recipe
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	ws := Worksheet{
		RecipeID: r.ID, RecipeVersion: r.Version, RecipeName: r.Name,
		Drug: o.Drug, DrugDisplay: o.Drug, Route: o.Route,
		Patient:     PatientSnapshot{MRN: o.Patient.MRN, Name: o.Patient.Name, BirthDate: o.Patient.BirthDate, Location: o.Patient.Location},
		OrderedDose: o.Dose.String(), Quantities: map[string]Line{},
		Hazardous: r.Hazardous, Handling: r.Handling,
		Category: r.Category, Method: r.Method, StartingComponents: r.StartingComponents, SterilityTested: r.SterilityTested,
		Storage: r.Storage, StabilityLimit: r.StabilityLimit, StabilityReference: r.StabilityReference,
		ComputedAt: in.Now.UTC(),
	}
	if o.Patient.Weight != nil {
		ws.Patient.Weight = o.Patient.Weight.String()
		ws.Quantities["weight"] = line(*o.Patient.Weight, nil)
	}
	if o.Patient.Height != nil {
		ws.Patient.Height = o.Patient.Height.String()
	}

	// 1. The dose, on its basis.
	di := calc.DoseInput{Dose: o.Dose, Weight: o.Patient.Weight, Height: o.Patient.Height}
	if r.MaxDose != "" {
		m, err := calc.Parse(r.MaxDose)
		if err != nil {
			return Worksheet{}, fromCalc(err, "recipe.max_dose")
		}
		di.MaxDose = &m
	}
	dose, err := calc.Dose(di)
	if err != nil {
		return Worksheet{}, fromCalc(err, "dose")
	}
	switch {
	case dose.BSA != nil:
		ws.DoseBasis = "bsa"
		ws.Quantities["bsa"] = line(*dose.BSA, nil)
	case isPerWeight(o.Dose):
		ws.DoseBasis = "weight"
	default:
		ws.DoseBasis = "flat"
	}
	doseLine := line(dose.Dose, dose.Steps)
	if dose.Capped {
		doseLine.Note = "capped at the recipe's maximum dose " + r.MaxDose
		doseLine.Exact = dose.Calculated.String()
	}
	ws.Quantities["dose"] = doseLine
	ws.Warnings = append(ws.Warnings, dose.Warnings...)

	// 2. The product: the first allowed one that holds this kind of amount.
	var prod *Product
	var per calc.Quantity
	for i := range in.Products {
		p := in.Products[i]
		q, ok := p.PerContainer()
		if !ok || !q.Unit.SameDimension(dose.Dose.Unit) {
			continue
		}
		prod, per = &in.Products[i], q
		break
	}
	if prod == nil {
		return Worksheet{}, refuse("no_product", "drug",
			"the recipe %q allows no formulary product whose strength matches a dose of %s", r.Name, dose.Dose.String())
	}
	ws.Product = *prod
	ws.DrugDisplay = prod.Name()
	ws.ProductAmount = per.String()
	for _, p := range in.Products {
		if p.Drug == prod.Drug && sameStrength(p, *prod) {
			ws.AllowedProducts = append(ws.AllowedProducts, p)
		}
		ws.Hazardous = ws.Hazardous || (p.Hazardous && p.Drug == prod.Drug)
	}

	// 3. Vials needed and what is left.
	vials, err := calc.Vials(dose.Dose, per)
	if err != nil {
		return Worksheet{}, fromCalc(err, "dose")
	}
	ws.Vials = vials.Vials
	ws.Quantities["vials"] = Line{Value: fmt.Sprint(vials.Vials), Display: fmt.Sprint(vials.Vials), Steps: vials.Steps}
	ws.Quantities["vial_remainder"] = line(vials.Remainder, nil)

	// 4. The concentration drawn from, kept as an amount in a volume (1 g
	// in 3 mL) so that no non-terminating division happens before the end.
	var amount, inVolume calc.Quantity
	var reconDiluent *calc.Quantity
	switch {
	case prod.Concentration != nil:
		inVolume = calc.MustParse("1 mL")
		a, err := prod.Concentration.Mul(inVolume)
		if err != nil {
			return Worksheet{}, fromCalc(err, "drug")
		}
		amount = a
		ws.Quantities["concentration"] = line(*prod.Concentration, []string{"concentration of " + prod.Label() + " = " + calc.Display(*prod.Concentration)})
	case r.Reconstitution != nil:
		rc := r.Reconstitution
		dv, err1 := calc.Parse(rc.DiluentVolume)
		disp, err2 := calc.Parse(rc.Displacement)
		if err := errors.Join(err1, err2); err != nil {
			return Worksheet{}, fromCalc(err, "recipe.reconstitution")
		}
		res, err := calc.Reconstitution(calc.ReconstitutionInput{Amount: per, Displacement: disp, DiluentVolume: &dv})
		if err != nil {
			return Worksheet{}, fromCalc(err, "recipe.reconstitution")
		}
		amount, inVolume = per, res.FinalVolume
		reconDiluent = &dv
		ws.Quantities["reconstitution_diluent"] = line(dv, nil)
		ws.Quantities["reconstituted_volume"] = line(res.FinalVolume, nil)
		ws.Quantities["concentration"] = line(res.Concentration, res.Steps)
	default:
		return Worksheet{}, refuse("cannot_compute", "recipe.reconstitution",
			"%s is a powder with no concentration, and the recipe %q says nothing about reconstituting it", prod.Label(), r.Name)
	}

	// 5. The volume to draw, rounded to the syringe chosen.
	vol, err := drawVolume(dose.Dose, amount, inVolume, r.syringes())
	if err != nil {
		return Worksheet{}, fromCalc(err, "dose")
	}
	volLine := line(vol.Volume, vol.Steps)
	volLine.Exact = vol.Exact.String()
	syringe := calc.Display(vol.Syringe.Capacity)
	volLine.Note = fmt.Sprintf("rounded to the %s graduation of a %s syringe", calc.Display(vol.Syringe.Graduation), syringe)
	ws.Quantities["volume"] = volLine
	ws.Quantities["delivered_dose"] = line(vol.Delivered, vol.DeliveredSteps)

	// 6. The base solution, total volume and final concentration.
	total := vol.Volume
	if o.FinalVolume != nil {
		ws.DiluentName = o.Diluent
		for _, d := range in.Diluents {
			if d.Drug != o.Diluent || d.Volume == nil {
				continue
			}
			if c, err := d.Volume.Cmp(*o.FinalVolume); err == nil && c == 0 {
				ws.AllowedDiluents = append(ws.AllowedDiluents, d)
			}
		}
		if len(ws.AllowedDiluents) == 0 {
			return Worksheet{}, refuse("no_diluent_product", "diluent",
				"the recipe %q allows no %s container of %s", r.Name, o.Diluent, calc.Display(*o.FinalVolume))
		}
		d := ws.AllowedDiluents[0]
		ws.Diluent = &d
		t, err := o.FinalVolume.Add(vol.Volume)
		if err != nil {
			return Worksheet{}, fromCalc(err, "final_volume")
		}
		total, _ = t.In("mL")
		ws.Quantities["base_volume"] = line(*o.FinalVolume, nil)
		ws.Quantities["total_volume"] = line(total, []string{
			"total volume = " + calc.Display(*o.FinalVolume) + " " + o.Diluent + " + " + calc.Display(vol.Volume) + " drawn = " + calc.Display(total)})
	}
	fc, err := vol.Delivered.Div(total)
	if err != nil {
		return Worksheet{}, fromCalc(err, "final_volume")
	}
	if u := perML(dose.Dose); u != "" {
		if c, err := fc.In(u); err == nil {
			fc = c
		}
	}
	ws.Quantities["final_concentration"] = line(fc, []string{
		"final concentration = " + calc.Display(vol.Delivered) + " ÷ " + calc.Display(total) + " " + approx(fc)})
	if r.MaxConcentration != "" {
		if m, err := calc.Parse(r.MaxConcentration); err == nil {
			if c, err := fc.Cmp(m); err == nil && c > 0 {
				return Worksheet{}, refuse("concentration_too_high", "final_volume",
					"the final concentration %s is above the recipe's maximum %s; use a larger final volume", calc.Display(fc), calc.Display(m))
			}
		}
	}

	// 7. The rate, when a duration is given.
	if o.InfuseOver != nil {
		rate, err := calc.InfusionRate(calc.InfusionInput{Volume: &total, Duration: o.InfuseOver})
		if err != nil {
			return Worksheet{}, fromCalc(err, "infuse_over")
		}
		rl := line(rate.Rate, rate.Steps)
		rl.Exact = rate.Exact.String()
		ws.Quantities["rate"] = rl
	}

	// 8. The steps, each with what it expects.
	for _, t := range r.Steps {
		s := Step{ID: t.ID, Kind: t.Kind, Instruction: t.Instruction, State: "pending"}
		switch t.Kind {
		case StepScanVial:
			s.Expects.Count = int(vials.Vials)
			for _, p := range ws.AllowedProducts {
				s.Expects.ProductIDs = append(s.Expects.ProductIDs, p.ID)
				s.Expects.Products = append(s.Expects.Products, p.Label())
			}
			s.Instruction = or(s.Instruction, fmt.Sprintf("Scan %d × %s", vials.Vials, prod.Label()))
		case StepScanDiluent:
			if ws.Diluent == nil {
				ws.Warnings = append(ws.Warnings, "step "+t.ID+" scans a diluent, but the order has no base solution; it was left out")
				continue
			}
			s.Expects.Count = 1
			for _, p := range ws.AllowedDiluents {
				s.Expects.ProductIDs = append(s.Expects.ProductIDs, p.ID)
				s.Expects.Products = append(s.Expects.Products, p.Label())
			}
			s.Instruction = or(s.Instruction, "Scan the "+ws.Diluent.Label())
		case StepReconstitute:
			if reconDiluent == nil {
				continue
			}
			s.Expects.Volume = reconDiluent.String()
			s.Instruction = or(s.Instruction, fmt.Sprintf("Add %s %s to each vial and dissolve: %s",
				calc.Display(*reconDiluent), r.Reconstitution.Diluent, ws.Quantities["concentration"].Display))
		case StepDraw:
			s.Expects.Volume = vol.Volume.String()
			s.Expects.Syringe = syringe
			s.Instruction = or(s.Instruction, fmt.Sprintf("Draw %s (exact %s) with a %s syringe",
				calc.Display(vol.Volume), calc.Display(vol.Exact), syringe))
		case StepInject:
			if ws.Diluent != nil {
				s.Instruction = or(s.Instruction, fmt.Sprintf("Inject %s into the %s", calc.Display(vol.Volume), ws.Diluent.Label()))
			}
		case StepWeigh:
			wv, sg, src := vol.Volume, r.SpecificGravity, "the recipe"
			what := "the drawn " + prod.Name()
			if t.Of == "reconstitution_diluent" {
				if reconDiluent == nil {
					continue
				}
				wv, sg, src = *reconDiluent, r.Reconstitution.DiluentSpecificGravity, "the recipe ("+r.Reconstitution.Diluent+")"
				what = "the " + r.Reconstitution.Diluent + " for one vial"
			} else if sg == "" && prod.Concentration != nil && prod.SpecificGravity != nil {
				sg, src = prod.SpecificGravity.String(), "the formulary"
			}
			if sg == "" {
				ws.Gravimetric = append(ws.Gravimetric, fmt.Sprintf(
					"gravimetric check of %s is not possible: no specific gravity is recorded for it (none is assumed); step %s was left out", what, t.ID))
				continue
			}
			sgd, err := calc.ParseDecimal(sg)
			if err != nil {
				return Worksheet{}, fromCalc(err, "recipe.specific_gravity")
			}
			tol := r.Gravimetric.Tolerance
			if small, err := calc.Parse(r.Gravimetric.SmallVolume); err == nil {
				if c, err := wv.Cmp(small); err == nil && c <= 0 {
					tol = r.Gravimetric.SmallVolumeTolerance
				}
			}
			g, _ := wv.In("mL")
			expected := calc.Quantity{Value: g.Value.Mul(sgd), Unit: calc.MustParseUnit("g")}
			s.Expects.WeighVolume = wv.String()
			s.Expects.SpecificGravity = sgd.String()
			s.Expects.Tolerance = tol
			s.Expects.ExpectedWeight = expected.String()
			s.Instruction = or(s.Instruction, fmt.Sprintf("Weigh %s (tare first): expect %s ± %s", what, calc.Display(expected), tol))
			ws.Gravimetric = append(ws.Gravimetric, fmt.Sprintf("%s: %s × specific gravity %s (from %s) = %s, tolerance ±%s",
				what, calc.Display(wv), calc.DisplayDecimal(sgd), src, calc.Display(expected), tol))
		case StepInspect:
			s.Instruction = or(s.Instruction, "Inspect the bag: no particles, no leaks, clear solution, correct label")
		case StepPhoto:
			s.Instruction = or(s.Instruction, "Photograph the syringe and the vials before injecting")
		}
		ws.Steps = append(ws.Steps, s)
	}

	// 9. The provisional BUD: category and stability, counted from now.
	res, err := ComputeBUD(in.Rules, &ws, in.Now, nil, loc)
	if err != nil {
		return Worksheet{}, err
	}
	ws.BUD, ws.BUDProvisional = &res, true
	return ws, nil
}

// ComputeBUD applies the BUD rules to a worksheet started at start with the
// given components; a refusal by the rules is a 422 with the engine's code.
func ComputeBUD(rules bud.Rules, ws *Worksheet, start time.Time, components []bud.Component, loc *time.Location) (bud.Result, error) {
	req := bud.Request{
		Category: ws.Category, Method: ws.Method, SterilityTested: ws.SterilityTested,
		StartingComponents: ws.StartingComponents, Storage: ws.Storage,
		CompoundedAt: start, Components: components, Location: loc,
	}
	if ws.Category == bud.Category1 || ws.Category == bud.CategoryImmediate {
		req.Method, req.StartingComponents = "", ""
	}
	if ws.StabilityLimit != "" {
		d, err := bud.ParseDuration(ws.StabilityLimit)
		if err != nil {
			return bud.Result{}, refuse("cannot_compute", "recipe.stability_limit", "%s", err.Error())
		}
		req.StabilityLimit = &d
	}
	res, err := bud.Compute(rules, req)
	if err != nil {
		return bud.Result{}, fromBUD(err)
	}
	return res, nil
}

// fromBUD maps a BUD engine error to a 422 refusal with the engine's code.
func fromBUD(err error) error {
	var be *bud.Error
	if errors.As(err, &be) {
		e := apperr.WithCode(apperr.Refused, be.Code, "%s", be.Message)
		e.Field = be.Field
		if !be.Refused() {
			e.Code = "cannot_compute"
		}
		return e
	}
	return apperr.Wrap(err, "BUD computation failed")
}

// perML picks the usual concentration unit for a dose unit.
func perML(dose calc.Quantity) string {
	for _, u := range []string{"mg", "units", "mEq", "mmol"} {
		if _, err := dose.In(u); err == nil {
			if u == "mg" && dose.Unit.String() == "mcg" {
				return "mcg/mL"
			}
			return u + "/mL"
		}
	}
	return ""
}

func or(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// Step returns the step with the given ID.
func (ws *Worksheet) Step(id string) (*Step, bool) {
	for i := range ws.Steps {
		if ws.Steps[i].ID == id {
			return &ws.Steps[i], true
		}
	}
	return nil, false
}

// drawn is a volume to draw: exact, rounded to the syringe, and what the
// rounded volume delivers.
type drawn struct {
	Exact, Volume, Delivered calc.Quantity
	Syringe                  calc.Syringe
	Steps, DeliveredSteps    []string
}

// drawVolume computes volume = dose × volume ÷ amount for a solution of
// amount in volume, multiplying before dividing so a concentration such as
// 1 g in 3 mL never enters as a rounded decimal; it then rounds once, half
// away from zero, to the graduation of the syringe chosen.
func drawVolume(dose, amount, inVolume calc.Quantity, syringes []calc.Syringe) (drawn, error) {
	var d drawn
	dv, err := dose.Mul(inVolume)
	if err != nil {
		return d, err
	}
	exact, err := dv.Div(amount)
	if err != nil {
		return d, err
	}
	if exact, err = exact.In("mL"); err != nil {
		return d, &calc.Error{Field: "concentration", Code: calc.CodeWrongDimension,
			Message: fmt.Sprintf("%s in %s does not turn a dose of %s into a volume", amount.String(), inVolume.String(), dose.String())}
	}
	d.Exact = exact
	d.Syringe, err = calc.ChooseSyringe(exact, syringes)
	if err != nil {
		return d, err
	}
	n, err := exact.Div(d.Syringe.Graduation)
	if err != nil {
		return d, err
	}
	steps := n.Value.Round(0)
	if steps.Sign() == 0 {
		return d, &calc.Error{Field: "dose", Code: calc.CodeOutOfRange,
			Message: fmt.Sprintf("%s rounds to 0 mL on a syringe graduated %s", exact.String(), d.Syringe.Graduation.String())}
	}
	g, _ := d.Syringe.Graduation.In("mL")
	d.Volume = calc.Quantity{Value: steps.Mul(g.Value), Unit: g.Unit}
	va, err := d.Volume.Mul(amount)
	if err != nil {
		return d, err
	}
	if d.Delivered, err = va.Div(inVolume); err != nil {
		return d, err
	}
	if d.Delivered, err = d.Delivered.Convert(dose.Unit); err != nil {
		return d, err
	}
	conc := calc.Display(amount) + " in " + calc.Display(inVolume)
	d.Steps = []string{
		"volume = " + calc.Display(dose) + " × " + calc.Display(inVolume) + " ÷ " + calc.Display(amount) + " (" + conc + ") " + approx(exact),
		"syringe: " + calc.Display(d.Syringe.Capacity) + " (graduated every " + calc.Display(d.Syringe.Graduation) + ")",
		"volume rounded to " + calc.Display(d.Syringe.Graduation) + " = " + calc.Display(d.Volume),
	}
	d.DeliveredSteps = []string{"delivered dose = " + calc.Display(d.Volume) + " × " + calc.Display(amount) + " ÷ " + calc.Display(inVolume) + " " + approx(d.Delivered)}
	return d, nil
}

// approx renders "= 6 mL", or "≈ 5.833333333 mL" for a value that had to be
// shortened to be shown (the field keeps the full value).
func approx(q calc.Quantity) string {
	if q.Value.NumDigits() > 12 {
		places := int32(10) - int32(q.Value.NumDigits()) - q.Value.Exponent()
		if places < 0 {
			places = 0
		}
		return "≈ " + calc.Display(calc.Quantity{Value: q.Value.Round(places), Unit: q.Unit})
	}
	return "= " + calc.Display(q)
}
