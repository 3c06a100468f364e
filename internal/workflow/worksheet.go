package workflow

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/guard"
)

var hundred = decimal.NewFromInt(100)

// Line is one computed number of a worksheet: the API's plain value,
// the ISMP display text, the exact value where it was rounded, and how it
// was reached.
type Line struct {
	Value   string   `json:"value"`
	Display string   `json:"display"`
	Exact   string   `json:"exact,omitempty"`
	Note    string   `json:"note,omitempty"`
	Steps   []string `json:"steps,omitempty"`
}

// line makes a worksheet line. Display is at the precision that can be
// measured or matters (see displayOf); Value keeps the whole value, and
// Exact carries it too whenever Display had to shorten it.
func line(q calc.Quantity, steps []string) Line {
	l := Line{Value: q.String(), Display: displayOf(q), Steps: steps}
	if l.Display != calc.Display(q) {
		l.Exact = q.String()
	}
	return l
}

// displayOf shows a quantity at its measurable precision: a concentration to
// 4 significant digits, a volume to 3 (a volume rounded to a syringe's
// graduation is already at it), an amount to 6 so a dose such as 1,087.5 mg
// is shown whole, and a small mass in the smaller unit (1.05 mcg, never
// 0.00105 mg).
func displayOf(q calc.Quantity) string {
	switch {
	case isConcentration(q):
		return calc.DisplayMeasured(q, 4)
	case isVolume(q):
		return calc.DisplayMeasured(q, 3)
	}
	return calc.DisplayMeasured(q, 6)
}

func isVolume(q calc.Quantity) bool {
	_, err := q.In("mL")
	return err == nil
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
	// GravitySource says where the specific gravity comes from.
	GravitySource string `json:"specific_gravity_source,omitempty"`
	Tolerance     string `json:"tolerance,omitempty"`
}

// Step is one step of a preparation, with what it expects. State and Done
// are filled in when the preparation is read.
type Step struct {
	ID   string   `json:"id"`
	Kind StepKind `json:"kind"`
	// Of says what a scan_diluent step scans: the base solution (empty),
	// the reconstitution diluent or the dilution's diluent.
	Of          string `json:"of,omitempty"`
	Instruction string `json:"instruction"`
	Expects     Expect `json:"expects"`
	Done        bool   `json:"done"`
	// State is pending, done or failed (a weight out of tolerance).
	State string `json:"state"`
	// Evidence, on a draw, is the dose evidence the draw needs (see
	// DoseEvidence); EvidenceFor, on a weigh or photo step, names the draw
	// it evidences. A photo step that evidences a draw is done only by a
	// photo.
	Evidence    *DoseEvidence `json:"evidence,omitempty"`
	EvidenceFor string        `json:"evidence_for,omitempty"`
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
	// ProtectFromLight comes from the recipe; with Hazardous, HighAlert and
	// Storage it chooses the label's auxiliary labels.
	ProtectFromLight bool `json:"protect_from_light,omitempty"`

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

	// Line is the line type the order named ("peripheral", "central").
	Line string `json:"line,omitempty"`
	// GuardVersion names the guard table the worksheet was checked by.
	GuardVersion string `json:"guard_version,omitempty"`
	// HighAlert is set for a medication on the high-alert list.
	HighAlert *guard.HighAlertFlag `json:"high_alert,omitempty"`
	// TypedWitness says whether a typed scan or weight needs a second
	// person's badge and PIN (the site's rule when it was computed).
	TypedWitness *bool `json:"typed_entry_witness,omitempty"`
	// Holds are the dose-range and rate limits the delivered dose is
	// outside of; any hold keeps the preparation at
	// needs_pharmacist_override until a pharmacist overrides it.
	Holds []guard.Finding `json:"holds,omitempty"`
	// Deviation is the delivered dose's deviation from the dose to give
	// (after any cap), e.g. "+0.9%".
	Deviation string `json:"deviation,omitempty"`
	// Dilution is the intermediate dilution, when the dose was too small to
	// measure from the stock.
	Dilution *DilutionPlan `json:"dilution,omitempty"`
}

// DilutionPlan is an intermediate dilution: StockVolume of the stock made
// up with DiluentVolume of Diluent to Concentration.
type DilutionPlan struct {
	Diluent       string `json:"diluent"`
	StockVolume   string `json:"stock_volume"`
	StockSyringe  string `json:"stock_syringe"`
	DiluentVolume string `json:"diluent_volume"`
	Concentration string `json:"concentration"`
}

// WorksheetInput is what a worksheet is computed from.
type WorksheetInput struct {
	Order  Order
	Recipe Recipe
	// Products are the products the recipe allows (resolved by the catalog).
	Products []Product
	// Diluents are the base solutions the recipe allows.
	Diluents []Product
	// Components are the other components the recipe names, each scanned
	// in its own step: the products allowed for OfReconDiluent (the
	// reconstitution diluent) and OfDilutionDiluent (the dilution's).
	Components map[string][]Product
	Rules      bud.Rules
	// Guards is the guard table in force: syringes and floors, rounding
	// limits, plausible ranges, dose limits and the high-alert list.
	Guards guard.Rules
	// SameDrug are the patient's other open orders of the drug due within
	// 24 hours of this one: a maximum per day is judged on their total.
	SameDrug []guard.Dose
	// Evidence is the dose evidence policy in force; Gravities are the
	// specific gravities on record for the recipe's products, newest first.
	Evidence  EvidencePolicy
	Gravities []Gravity
	Now       time.Time
	Location  *time.Location
}

// refuse is a 422 refusal raised while computing a worksheet.
func refuse(code, field, format string, args ...any) *apperr.Error {
	e := apperr.WithCode(apperr.Refused, code, format, args...)
	e.Field = field
	return e
}

// fromCalc turns a calculator error into a 422 naming the order field.
func fromCalc(err error, field string) error {
	e := apperr.From(err)
	if e.Kind == apperr.Internal {
		return apperr.Wrap(err, "worksheet computation failed")
	}
	return refuse("cannot_compute", cmp.Or(field, e.Field), "%s", err.Error())
}

// ComputeWorksheet computes every quantity of a preparation exactly, with
// its derivation, and the steps to follow. It works in stages: the patient
// and the dose, the product and its vials, the concentration drawn from, the
// volume drawn (rounded to a syringe, within the maximum dose and the vials'
// contents, diluted first when too small to measure), the base solution and
// final concentration, the rate, the dose-range limits, the steps and the
// provisional BUD. A refusal names the field at fault.
func ComputeWorksheet(in WorksheetInput) (Worksheet, error) {
	compiled := in.Guards.Compile()
	c := &computation{in: in, compiled: compiled, guards: compiled.Guards()}
	c.start()
	for _, stage := range []func() error{
		c.checkPatient, c.computeDose, c.chooseProduct, c.countVials, c.sourceConcentration,
		c.computeDraw, c.computeBase, c.computeRate, c.checkLimits, c.buildSteps, c.provisionalBUD,
	} {
		if err := stage(); err != nil {
			return Worksheet{}, err
		}
	}
	return c.ws, nil
}

// computation carries a worksheet through its stages.
type computation struct {
	in       WorksheetInput
	compiled *guard.Compiled
	guards   *calc.Guards
	ws       Worksheet

	dose  calc.DoseResult
	prod  *Product
	per   calc.Quantity // drug in one container
	vials calc.VialsResult
	// amount in inVolume is the concentration drawn from, kept as a
	// fraction (1 g in 3 mL) so no non-terminating division happens early.
	amount, inVolume calc.Quantity
	reconDiluent     *calc.Quantity
	draw             calc.VolumeResult
	// drawAmount and drawIn are what the final draw is taken from: the stock,
	// or the intermediate dilution.
	drawAmount, drawIn calc.Quantity
	syringe            string
	// drawWeigh is the weigh step of the draw, when there is one.
	drawWeigh string
	total     calc.Quantity
	finalConc calc.Quantity
}

// start fills the worksheet's header from the order and the recipe.
func (c *computation) start() {
	o, r := c.in.Order, c.in.Recipe
	c.ws = Worksheet{
		RecipeID: r.ID, RecipeVersion: r.Version, RecipeName: r.Name,
		Drug: o.Drug, DrugDisplay: o.Drug, Route: o.Route, Line: o.Line,
		Patient:     PatientSnapshot{MRN: o.Patient.MRN, Name: o.Patient.Name, BirthDate: o.Patient.BirthDate, Location: o.Patient.Location},
		OrderedDose: o.Dose.String(), Quantities: map[string]Line{},
		Hazardous: r.Hazardous, Handling: r.Handling, ProtectFromLight: r.ProtectFromLight,
		Category: r.Category, Method: r.Method, StartingComponents: r.StartingComponents, SterilityTested: r.SterilityTested,
		Storage: r.Storage, StabilityLimit: r.StabilityLimit, StabilityReference: r.StabilityReference,
		ComputedAt: c.in.Now.UTC(), GuardVersion: c.in.Guards.Version,
	}
	if o.Patient.Weight != nil {
		c.ws.Patient.Weight = o.Patient.Weight.String()
		c.ws.Quantities["weight"] = line(*o.Patient.Weight, nil)
	}
	if o.Patient.Height != nil {
		c.ws.Patient.Height = o.Patient.Height.String()
	}
	if f, ok := c.in.Guards.HighAlertOf(o.Drug); ok {
		c.ws.HighAlert = &f
	}
	witness := c.in.Guards.WitnessTyped(c.ws.HighAlert != nil)
	c.ws.TypedWitness = &witness
}

// checkPatient refuses a weight or height outside the plausible ranges of
// the guard table, naming the field and the range.
func (c *computation) checkPatient() error {
	p := c.in.Order.Patient
	for _, m := range []struct {
		field, name string
		q           *calc.Quantity
	}{{"patient.weight", "weight", p.Weight}, {"patient.height", "height", p.Height}} {
		if m.q == nil {
			continue
		}
		if _, err := c.guards.Check(m.name, *m.q); err != nil {
			return refuse("implausible_value", m.field, "%s", apperr.Message(err))
		}
	}
	return nil
}

// computeDose computes the dose on its basis, capped at the recipe's
// maximum; the BSA must be plausible.
func (c *computation) computeDose() error {
	o, r := c.in.Order, c.in.Recipe
	di := calc.DoseInput{Dose: o.Dose, Weight: o.Patient.Weight, Height: o.Patient.Height}
	if r.MaxDose != "" {
		m, err := calc.Parse(r.MaxDose)
		if err != nil {
			return fromCalc(err, "recipe.max_dose")
		}
		di.MaxDose = &m
	}
	dose, err := calc.Dose(di)
	if err != nil {
		return fromCalc(err, "dose")
	}
	c.dose = dose
	switch {
	case dose.BSA != nil:
		if _, err := c.guards.Check("bsa", *dose.BSA); err != nil {
			return refuse("implausible_value", "patient.height", "BSA %s", apperr.Message(err))
		}
		c.ws.DoseBasis = "bsa"
		c.ws.Quantities["bsa"] = line(*dose.BSA, nil)
	case isPerWeight(o.Dose):
		c.ws.DoseBasis = "weight"
	default:
		c.ws.DoseBasis = "flat"
	}
	doseLine := line(dose.Dose, dose.Steps)
	if dose.Capped {
		doseLine.Note = "capped at the recipe's maximum dose " + r.MaxDose
		doseLine.Exact = dose.Calculated.String()
	}
	c.ws.Quantities["dose"] = doseLine
	c.ws.Warnings = append(c.ws.Warnings, messages(dose.Warnings)...)
	return nil
}

// chooseProduct takes the first allowed product that holds this kind of
// amount, and the products and hazards of the same drug and strength.
func (c *computation) chooseProduct() error {
	r := c.in.Recipe
	for i := range c.in.Products {
		q, ok := c.in.Products[i].PerContainer()
		if ok && q.Unit.SameDimension(c.dose.Dose.Unit) {
			c.prod, c.per = &c.in.Products[i], q
			break
		}
	}
	if c.prod == nil {
		return refuse("no_product", "drug",
			"the recipe %q allows no formulary product whose strength matches a dose of %s", r.Name, c.dose.Dose.String())
	}
	c.ws.Product = *c.prod
	c.ws.DrugDisplay = c.prod.Name()
	c.ws.ProductAmount = c.per.String()
	for _, p := range c.in.Products {
		if p.Drug == c.prod.Drug && sameStrength(p, *c.prod) {
			c.ws.AllowedProducts = append(c.ws.AllowedProducts, p)
		}
		c.ws.Hazardous = c.ws.Hazardous || (p.Hazardous && p.Drug == c.prod.Drug)
	}
	return nil
}

// countVials counts the containers the dose needs.
func (c *computation) countVials() error {
	vials, err := calc.Vials(c.dose.Dose, c.per)
	if err != nil {
		return fromCalc(err, "dose")
	}
	c.vials = vials
	c.ws.Vials = vials.Vials
	c.ws.Quantities["vials"] = Line{Value: fmt.Sprint(vials.Vials), Display: fmt.Sprint(vials.Vials), Steps: vials.Steps}
	return nil
}

// sourceConcentration is the concentration drawn from: the solution's, or
// the reconstituted powder's.
func (c *computation) sourceConcentration() error {
	r, prod := c.in.Recipe, c.prod
	switch {
	case prod.Concentration != nil:
		c.inVolume = calc.MustParse("1 mL")
		a, err := prod.Concentration.Mul(c.inVolume)
		if err != nil {
			return fromCalc(err, "drug")
		}
		c.amount = a
		c.ws.Quantities["concentration"] = line(*prod.Concentration, []string{"concentration of " + prod.Label() + " = " + calc.Display(*prod.Concentration)})
	case r.Reconstitution != nil:
		rc := r.Reconstitution
		dv, err1 := calc.Parse(rc.DiluentVolume)
		disp, err2 := calc.Parse(rc.Displacement)
		if err := errors.Join(err1, err2); err != nil {
			return fromCalc(err, "recipe.reconstitution")
		}
		res, err := calc.Reconstitution(calc.ReconstitutionInput{Amount: c.per, Displacement: disp, DiluentVolume: &dv})
		if err != nil {
			return fromCalc(err, "recipe.reconstitution")
		}
		c.amount, c.inVolume = c.per, res.FinalVolume
		c.reconDiluent = &dv
		c.ws.Quantities["reconstitution_diluent"] = line(dv, nil)
		c.ws.Quantities["reconstituted_volume"] = line(res.FinalVolume, nil)
		c.ws.Quantities["concentration"] = line(res.Concentration, res.Steps)
	default:
		return refuse("cannot_compute", "recipe.reconstitution",
			"%s is a powder with no concentration, and the recipe %q says nothing about reconstituting it", prod.Label(), r.Name)
	}
	return nil
}

// messages turns calculator warnings into worksheet warning lines.
func messages(ws []calc.Warning) []string {
	out := make([]string, 0, len(ws))
	for _, w := range ws {
		out = append(out, w.Message)
	}
	return out
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
// Malformed input to the engine is the worksheet's fault: cannot_compute.
func fromBUD(err error) error {
	e := apperr.From(err)
	switch e.Kind {
	case apperr.Internal:
		return apperr.Wrap(err, "BUD computation failed")
	case apperr.Refused:
		return e
	}
	return refuse("cannot_compute", e.Field, "%s", e.Message)
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

// provisionalBUD is the BUD by category and stability, counted from now.
func (c *computation) provisionalBUD() error {
	loc := c.in.Location
	if loc == nil {
		loc = time.UTC
	}
	res, err := ComputeBUD(c.in.Rules, &c.ws, c.in.Now, nil, loc)
	if err != nil {
		return err
	}
	c.ws.BUD, c.ws.BUDProvisional = &res, true
	return nil
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
