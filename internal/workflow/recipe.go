package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
)

// Recipe is a master formulation record: how one drug is prepared. It is
// versioned per drug; a preparation keeps the version it followed.
type Recipe struct {
	ID         int64     `json:"id"`
	Drug       string    `json:"drug"`
	Version    int       `json:"version"`
	Name       string    `json:"name"`
	DosageForm string    `json:"dosage_form,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  *int64    `json:"created_by,omitempty"`
	// Status is draft until a pharmacist other than the author approves
	// the version (see Approve); only approved versions are followed.
	Status     RecipeStatus `json:"status"`
	ApprovedBy *int64       `json:"approved_by,omitempty"`
	ApprovedAt *time.Time   `json:"approved_at,omitempty"`

	// Products are the drug products allowed, in order of preference.
	Products []ProductRef `json:"products"`
	// Diluents are the base solutions allowed (bags); the order's diluent
	// and final volume pick among them.
	Diluents []ProductRef `json:"diluents,omitempty"`
	// DefaultDiluent and DefaultFinalVolume apply when an order gives none.
	DefaultDiluent     string `json:"default_diluent,omitempty"`
	DefaultFinalVolume string `json:"default_final_volume,omitempty"`
	// Reconstitution applies to a powder product.
	Reconstitution *Reconstitution `json:"reconstitution,omitempty"`
	// Dilution, when given, allows an intermediate dilution for a dose too
	// small to measure from the stock.
	Dilution *Dilution `json:"dilution,omitempty"`
	// MaxDose caps a calculated dose ("2 g").
	MaxDose string `json:"max_dose,omitempty"`
	// MaxConcentration is the highest final concentration allowed ("20 mg/mL").
	MaxConcentration string `json:"max_concentration,omitempty"`
	// SpecificGravity of the solution drawn (e.g. of the reconstituted
	// vial), with its source; without it the product's is used, and with
	// neither the draw cannot be checked by weight.
	SpecificGravity       string         `json:"specific_gravity,omitempty"`
	SpecificGravitySource string         `json:"specific_gravity_source,omitempty"`
	Steps                 []StepTemplate `json:"steps"`
	// Syringes are the devices to draw with; empty means the site's (the
	// guard table's).
	Syringes    []SyringeSpec `json:"syringes,omitempty"`
	Gravimetric Gravimetric   `json:"gravimetric"`

	Category           bud.Category `json:"category"`
	Method             bud.Method   `json:"method"`
	StartingComponents bud.Starting `json:"starting_components"`
	SterilityTested    bool         `json:"sterility_tested"`
	Storage            bud.Storage  `json:"storage"`
	// StabilityLimit is the drug's stability in this diluent, container and
	// storage ("10 days"); empty when no source gives one (never invented).
	StabilityLimit     string `json:"stability_limit,omitempty"`
	StabilityReference string `json:"stability_reference,omitempty"`
	// Hazardous is set for a NIOSH-listed drug (also taken from the products).
	Hazardous bool   `json:"hazardous"`
	Handling  string `json:"handling,omitempty"`
	// ProtectFromLight puts a PROTECT FROM LIGHT auxiliary label on the bag.
	ProtectFromLight bool   `json:"protect_from_light,omitempty"`
	Container        string `json:"container,omitempty"`
	Notes            string `json:"notes,omitempty"`
}

// ProductRef names allowed products: by formulary ID, or by drug with an
// optional strength text and presentation (container kind).
type ProductRef struct {
	ProductID    int64  `json:"product_id,omitempty"`
	NDC          string `json:"ndc,omitempty"`
	Drug         string `json:"drug,omitempty"`
	Strength     string `json:"strength,omitempty"`
	Presentation string `json:"presentation,omitempty"`
}

// Reconstitution says how a powder vial is dissolved.
type Reconstitution struct {
	Diluent       string `json:"diluent"`
	DiluentVolume string `json:"diluent_volume"`
	Displacement  string `json:"displacement"`
	// DiluentSpecificGravity lets the diluent addition be weighed (water 1).
	DiluentSpecificGravity string `json:"diluent_specific_gravity,omitempty"`
	Reference              string `json:"reference,omitempty"`
	// Products are the diluent containers allowed (scanned before the
	// powder is dissolved); empty means every formulary product of the
	// drug named by Diluent.
	Products []ProductRef `json:"products,omitempty"`
}

// Dilution says how the stock may be diluted first when the dose's volume
// is below what a syringe measures: to Concentration, made up to Volume
// with Diluent.
type Dilution struct {
	Diluent       string `json:"diluent"`
	Concentration string `json:"concentration"`
	Volume        string `json:"volume"`
	// SpecificGravity of the diluted solution lets its draw be weighed.
	SpecificGravity string `json:"specific_gravity,omitempty"`
	Reference       string `json:"reference,omitempty"`
	// Products are the diluent containers allowed (scanned before the
	// dilution is made); empty means every formulary product of Diluent.
	Products []ProductRef `json:"products,omitempty"`
}

// StepKind is the kind of a preparation step.
type StepKind string

// The step kinds of a recipe.
const (
	StepScanDiluent  StepKind = "scan_diluent"
	StepScanVial     StepKind = "scan_vial"
	StepReconstitute StepKind = "reconstitute"
	StepDraw         StepKind = "draw"
	StepWeigh        StepKind = "weigh"
	StepInject       StepKind = "inject"
	StepInspect      StepKind = "inspect"
	StepPhoto        StepKind = "photo"
	// StepDilute is added by the worksheet, never by a recipe: the
	// intermediate dilution of a dose too small to measure.
	StepDilute StepKind = "dilute"
)

// IsScan reports whether a step is done by scanning a barcode.
func (k StepKind) IsScan() bool { return k == StepScanDiluent || k == StepScanVial }

// IsManual reports whether a step is marked done by hand.
func (k StepKind) IsManual() bool {
	return k == StepReconstitute || k == StepDraw || k == StepInject || k == StepInspect || k == StepDilute
}

var stepKinds = []StepKind{StepScanDiluent, StepScanVial, StepReconstitute, StepDraw, StepWeigh, StepInject, StepInspect, StepPhoto}

// What a scan_diluent or weigh step is of, besides the defaults.
const (
	OfReconDiluent    = "reconstitution_diluent"
	OfDilutionDiluent = "dilution_diluent"
)

// StepTemplate is one step of a recipe.
type StepTemplate struct {
	ID          string   `json:"id"`
	Kind        StepKind `json:"kind"`
	Instruction string   `json:"instruction,omitempty"`
	// Of says what a weigh step weighs: "draw" (the drawn drug solution,
	// the default) or "reconstitution_diluent"; and what a scan_diluent
	// step scans: the base solution (empty), "reconstitution_diluent" or
	// "dilution_diluent".
	Of string `json:"of,omitempty"`
}

// SyringeSpec is a syringe: capacity, graduation and optionally the floor,
// the smallest volume it measures accurately ("10 mL", "0.2 mL", "2 mL").
type SyringeSpec struct {
	Capacity   string `json:"capacity"`
	Graduation string `json:"graduation"`
	Floor      string `json:"floor,omitempty"`
}

// Gravimetric holds the tolerances of weight checks: Tolerance in general,
// SmallVolumeTolerance at or below SmallVolume (syringes are about ±4%
// accurate, so tiny volumes need room).
type Gravimetric struct {
	Tolerance            string `json:"tolerance,omitempty"`
	SmallVolume          string `json:"small_volume,omitempty"`
	SmallVolumeTolerance string `json:"small_volume_tolerance,omitempty"`
}

// Defaults for a recipe that does not say.
const (
	defaultTolerance      = "5%"
	defaultSmallVolume    = "2 mL"
	defaultSmallTolerance = "10%"
)

// Normalize fills defaults and cleans names; call before Validate.
func (r *Recipe) Normalize() {
	r.Drug = normalizeDrug(r.Drug)
	r.DefaultDiluent = normalizeDrug(r.DefaultDiluent)
	if r.Category == "" {
		r.Category = bud.Category2
	}
	if r.Method == "" {
		r.Method = bud.MethodAseptic
	}
	if r.StartingComponents == "" {
		r.StartingComponents = bud.StartingSterile
	}
	if r.Gravimetric.Tolerance == "" {
		r.Gravimetric.Tolerance = defaultTolerance
	}
	if r.Gravimetric.SmallVolume == "" {
		r.Gravimetric.SmallVolume = defaultSmallVolume
	}
	if r.Gravimetric.SmallVolumeTolerance == "" {
		r.Gravimetric.SmallVolumeTolerance = defaultSmallTolerance
	}
	for i := range r.Steps {
		r.Steps[i].ID = strings.TrimSpace(r.Steps[i].ID)
		if r.Steps[i].Kind == StepWeigh && r.Steps[i].Of == "" {
			r.Steps[i].Of = "draw"
		}
	}
	for i := range r.Products {
		r.Products[i].Drug = normalizeDrug(r.Products[i].Drug)
	}
	for i := range r.Diluents {
		r.Diluents[i].Drug = normalizeDrug(r.Diluents[i].Drug)
	}
	if rc := r.Reconstitution; rc != nil {
		for i := range rc.Products {
			rc.Products[i].Drug = normalizeDrug(rc.Products[i].Drug)
		}
	}
	if d := r.Dilution; d != nil {
		for i := range d.Products {
			d.Products[i].Drug = normalizeDrug(d.Products[i].Drug)
		}
	}
}

// Validate checks a recipe as an admin submits it; every error names its field.
func (r *Recipe) Validate() error {
	v := fieldErrors{}
	r.validateProducts(v)
	r.validatePreparation(v)
	r.validateLimits(v)
	r.validateGravimetric(v)
	r.validateSteps(v)
	r.validateBUD(v)
	return v.err()
}

// validateProducts checks the name and the products and diluents allowed.
func (r *Recipe) validateProducts(v fieldErrors) {
	v.text("drug", r.Drug, maxText, "the drug this record prepares, e.g. \"cefazolin\"")
	v.text("name", strings.TrimSpace(r.Name), maxText, "a name such as \"ceFAZolin IV piggyback\"")
	if len(r.Products) == 0 {
		v.add("products", "needs at least one allowed product")
	}
	for i, p := range r.Products {
		checkRef(v, fmt.Sprintf("products[%d]", i), p)
	}
	for i, p := range r.Diluents {
		checkRef(v, fmt.Sprintf("diluents[%d]", i), p)
	}
	if rc := r.Reconstitution; rc != nil {
		for i, p := range rc.Products {
			checkRef(v, fmt.Sprintf("reconstitution.products[%d]", i), p)
		}
	}
	if d := r.Dilution; d != nil {
		for i, p := range d.Products {
			checkRef(v, fmt.Sprintf("dilution.products[%d]", i), p)
		}
	}
	if r.DefaultFinalVolume != "" {
		v.quantity("default_final_volume", r.DefaultFinalVolume, "mL", "100 mL", "1 mL", "5000 mL")
	}
}

// validatePreparation checks the reconstitution and dilution sections.
func (r *Recipe) validatePreparation(v fieldErrors) {
	if rc := r.Reconstitution; rc != nil {
		v.quantity("reconstitution.diluent_volume", rc.DiluentVolume, "mL", "2.5 mL", "0.1 mL", "1000 mL")
		if rc.DiluentVolume == "" {
			v.add("reconstitution.diluent_volume", "is required, e.g. \"2.5 mL\"")
		}
		if rc.Displacement == "" {
			v.add("reconstitution.displacement", "is required (\"0 mL\" when the powder adds no volume)")
		} else if q, err := calc.Parse(rc.Displacement); err != nil {
			v.add("reconstitution.displacement", "%s", apperr.Message(err))
		} else if _, err := q.In("mL"); err != nil || q.Value.Sign() < 0 {
			v.add("reconstitution.displacement", "must be a volume of 0 mL or more, e.g. \"0.5 mL\"")
		}
		v.specificGravity("reconstitution.diluent_specific_gravity", rc.DiluentSpecificGravity)
	}
	if d := r.Dilution; d != nil {
		v.text("dilution.diluent", strings.TrimSpace(d.Diluent), maxText, "the diluent, e.g. \"sodium chloride 0.9%\"")
		v.quantity("dilution.volume", d.Volume, "mL", "10 mL", "1 mL", "1000 mL")
		if d.Volume == "" {
			v.add("dilution.volume", "is required, e.g. \"10 mL\"")
		}
		if q, err := calc.Parse(d.Concentration); err != nil || q.Value.Sign() <= 0 || !isConcentration(q) {
			v.add("dilution.concentration", "must be an amount per volume above zero, e.g. \"100 units/mL\"")
		}
		v.specificGravity("dilution.specific_gravity", d.SpecificGravity)
	}
}

// validateLimits checks the maximum dose and concentration, and that they
// measure the same kind of amount (mg/mL on an mEq drug is refused).
func (r *Recipe) validateLimits(v fieldErrors) {
	var maxDose *calc.Quantity
	if r.MaxDose != "" {
		if q, err := calc.Parse(r.MaxDose); err != nil || q.Value.Sign() <= 0 || !isAmountUnit(q) {
			v.add("max_dose", "must be an amount above zero, e.g. \"2 g\"")
		} else {
			maxDose = &q
		}
	}
	if r.MaxConcentration != "" {
		q, err := calc.Parse(r.MaxConcentration)
		switch {
		case err != nil || q.Value.Sign() <= 0 || !isConcentration(q):
			v.add("max_concentration", "must be an amount per volume above zero, e.g. \"20 mg/mL\"")
		case maxDose != nil:
			if amount, _ := q.Mul(calc.MustParse("1 mL")); !amount.Unit.SameDimension(maxDose.Unit) {
				v.add("max_concentration", "%s is %s per volume but max_dose %s is %s: both must measure the drug the same way",
					q.String(), amount.Unit.Dimension(), maxDose.String(), maxDose.Unit.Dimension())
			}
		}
	}
	if r.SpecificGravity != "" {
		v.specificGravity("specific_gravity", r.SpecificGravity)
		if !v.has("specific_gravity") && strings.TrimSpace(r.SpecificGravitySource) == "" {
			v.add("specific_gravity_source", "is required with specific_gravity: say where the value comes from")
		}
	}
}

// validateGravimetric checks the weight tolerances and the syringes.
func (r *Recipe) validateGravimetric(v fieldErrors) {
	for _, t := range []struct{ field, s string }{
		{"gravimetric.tolerance", r.Gravimetric.Tolerance},
		{"gravimetric.small_volume_tolerance", r.Gravimetric.SmallVolumeTolerance},
	} {
		if d, err := calc.ParsePercent(t.s); err != nil || d.Sign() < 0 || d.GreaterThanOrEqual(hundred) {
			v.add(t.field, "must be a percentage from 0%% to under 100%%, e.g. \"5%%\"")
		}
	}
	v.quantity("gravimetric.small_volume", r.Gravimetric.SmallVolume, "mL", "2 mL", "0 mL", "1000 mL")
	for i, s := range r.Syringes {
		f := fmt.Sprintf("syringes[%d]", i)
		v.quantity(f+".capacity", s.Capacity, "mL", "10 mL", "0.1 mL", "1000 mL")
		v.quantity(f+".graduation", s.Graduation, "mL", "0.2 mL", "0.001 mL", "100 mL")
		if s.Floor != "" {
			v.quantity(f+".floor", s.Floor, "mL", "2 mL", "0.001 mL", "1000 mL")
		}
	}
}

// validateSteps checks the step list: unique ids, known kinds, a scan of
// every drug component, and sections the steps rely on.
func (r *Recipe) validateSteps(v fieldErrors) {
	if len(r.Steps) == 0 {
		v.add("steps", "needs at least one step")
	}
	seen := map[string]bool{}
	hasVial := false
	for i, s := range r.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		switch {
		case s.ID == "":
			v.add(f+".id", "is required, e.g. \"scan-vial\"")
		case len(s.ID) > 40 || strings.ContainsAny(s.ID, "/ ?#%"):
			v.add(f+".id", "%q must be at most 40 characters without spaces, slashes or ?#%%", short(s.ID))
		case seen[s.ID]:
			v.add(f+".id", "%q is used twice", s.ID)
		}
		seen[s.ID] = true
		known := false
		for _, k := range stepKinds {
			known = known || k == s.Kind
		}
		if !known {
			v.add(f+".kind", "%q is not one of scan_diluent, scan_vial, reconstitute, draw, weigh, inject, inspect, photo", short(string(s.Kind)))
		}
		hasVial = hasVial || s.Kind == StepScanVial
		if s.Kind == StepWeigh && s.Of != "draw" && s.Of != "reconstitution_diluent" {
			v.add(f+".of", "%q is not draw or reconstitution_diluent", short(s.Of))
		}
		if s.Kind == StepWeigh && s.Of == "reconstitution_diluent" && r.Reconstitution == nil {
			v.add(f+".of", "weighs the reconstitution diluent, but the recipe has no reconstitution")
		}
		if s.Kind == StepScanDiluent && s.Of != "" && s.Of != OfReconDiluent && s.Of != OfDilutionDiluent {
			v.add(f+".of", "%q is not reconstitution_diluent or dilution_diluent (or empty for the base solution)", short(s.Of))
		}
		if s.Kind == StepScanDiluent && s.Of == OfReconDiluent && r.Reconstitution == nil {
			v.add(f+".of", "scans the reconstitution diluent, but the recipe has no reconstitution")
		}
		if s.Kind == StepScanDiluent && s.Of == OfDilutionDiluent && r.Dilution == nil {
			v.add(f+".of", "scans the dilution's diluent, but the recipe has no dilution")
		}
		if s.Kind == StepReconstitute && r.Reconstitution == nil {
			v.add(f+".kind", "a reconstitute step needs the recipe's reconstitution section")
		}
	}
	if len(r.Steps) > 0 && !hasVial {
		v.add("steps", "needs a scan_vial step: every drug component is scanned")
	}
}

// validateBUD checks the beyond-use-date inputs.
func (r *Recipe) validateBUD(v fieldErrors) {
	if err := r.Category.Valid(); err != nil {
		v.add("category", "%q is not immediate, 1, 2 or 3", r.Category)
	}
	if err := r.Method.Valid(); err != nil || r.Method == bud.MethodAny {
		v.add("method", "%q is not aseptic or terminal", r.Method)
	}
	if err := r.StartingComponents.Valid(); err != nil || r.StartingComponents == bud.StartingAny {
		v.add("starting_components", "%q is not sterile or nonsterile", r.StartingComponents)
	}
	if err := r.Storage.Valid(); err != nil {
		v.add("storage", "%q is not room, refrigerator or freezer", r.Storage)
	}
	if r.StabilityLimit != "" {
		if _, err := bud.ParseDuration(r.StabilityLimit); err != nil {
			v.add("stability_limit", "%q is not a duration such as \"24 h\" or \"10 days\"", short(r.StabilityLimit))
		} else if strings.TrimSpace(r.StabilityReference) == "" {
			v.add("stability_reference", "is required with stability_limit: name the source")
		}
	}
}

// isConcentration reports whether q is an amount of drug per volume.
func isConcentration(q calc.Quantity) bool {
	a, err := q.Mul(calc.MustParse("1 mL"))
	return err == nil && isAmountUnit(a)
}

func checkRef(v fieldErrors, f string, p ProductRef) {
	if p.ProductID == 0 && p.NDC == "" && p.Drug == "" {
		v.add(f, "names no product: give product_id, ndc or drug")
	}
	if p.ProductID < 0 {
		v.add(f+".product_id", "must be positive")
	}
	if p.Presentation != "" {
		if err := bud.Container(p.Presentation).Valid(); err != nil && p.Presentation != "pharmacy_bulk" {
			v.add(f+".presentation", "%q is not single_dose, multiple_dose, ampule, bulk or bag", short(p.Presentation))
		}
	}
}

// syringes returns the recipe's syringes, or the site's (from the guard
// table) when the recipe names none. A recipe's syringe without a floor
// takes the floor of the site's syringe of the same capacity.
func (r *Recipe) syringes(site []calc.Syringe) []calc.Syringe {
	if len(r.Syringes) == 0 {
		return site
	}
	out := make([]calc.Syringe, 0, len(r.Syringes))
	for _, s := range r.Syringes {
		c, err1 := calc.Parse(s.Capacity)
		g, err2 := calc.Parse(s.Graduation)
		if err1 != nil || err2 != nil {
			continue
		}
		cs := calc.Syringe{Capacity: c, Graduation: g}
		if f, err := calc.Parse(s.Floor); err == nil {
			cs.Floor = f
		} else {
			for _, ss := range site {
				if cmp, err := ss.Capacity.Cmp(c); err == nil && cmp == 0 {
					cs.Floor = ss.Floor
				}
			}
		}
		out = append(out, cs)
	}
	return out
}
