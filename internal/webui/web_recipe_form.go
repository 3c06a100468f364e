package webui

import (
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// The recipe editor names each input after the recipe's JSON path
// ("products[0].strength", "reconstitution.diluent_volume"), the same
// path workflow.Recipe.Validate names in its errors, so every error lands
// beside its field. Lists (products, diluents, steps, syringes) show their
// items plus blank rows to add one; a blank row is ignored.

// maxFormRows bounds the rows read of each list.
const maxFormRows = 40

// Blank rows offered under each list.
const (
	blankProducts = 1
	blankSteps    = 2
	blankSyringes = 1
)

var (
	categoryOptions = []web.Option{{Value: "immediate", Label: "Immediate use"}, {Value: "1", Label: "Category 1"},
		{Value: "2", Label: "Category 2"}, {Value: "3", Label: "Category 3"}}
	methodOptions   = []web.Option{{Value: "aseptic", Label: "Aseptic processing"}, {Value: "terminal", Label: "Terminal sterilization"}}
	startingOptions = []web.Option{{Value: "sterile", Label: "All sterile"}, {Value: "nonsterile", Label: "One or more nonsterile"}}
	storageOptions  = []web.Option{{Value: "room", Label: "Room temperature (20–25 °C)"}, {Value: "refrigerator", Label: "Refrigerator (2–8 °C)"},
		{Value: "freezer", Label: "Freezer (−25 to −10 °C)"}}
	stepKindOptions = []web.Option{{Value: "", Label: "— no step —"},
		{Value: "scan_diluent", Label: "Scan the base solution"}, {Value: "scan_vial", Label: "Scan the drug vials"},
		{Value: "reconstitute", Label: "Reconstitute"}, {Value: "draw", Label: "Draw the dose"}, {Value: "weigh", Label: "Weigh"},
		{Value: "inject", Label: "Inject into the bag"}, {Value: "inspect", Label: "Inspect"}, {Value: "photo", Label: "Take a photo"}}
	weighOfOptions = []web.Option{{Value: "", Label: "— (a scan: the base solution)"}, {Value: "draw", Label: "The dose drawn (weigh)"},
		{Value: "reconstitution_diluent", Label: "The reconstitution diluent"}, {Value: "dilution_diluent", Label: "The dilution diluent"}}
	presentationOptions = []web.Option{{Value: "", Label: "Any"}, {Value: "single_dose", Label: "Single-dose vial"},
		{Value: "multiple_dose", Label: "Multiple-dose vial"}, {Value: "pharmacy_bulk", Label: "Pharmacy bulk package"},
		{Value: "ampule", Label: "Ampule"}, {Value: "bag", Label: "Bag"}}
)

// choose marks the option whose value is v; a value not offered is added
// so that it is shown (and refused by validation) rather than lost.
func choose(opts []web.Option, v string) []web.Option {
	out := make([]web.Option, len(opts), len(opts)+1)
	found := false
	for i, o := range opts {
		o.Selected = o.Value == v
		found = found || o.Selected
		out[i] = o
	}
	if !found && v != "" {
		out = append(out, web.Option{Value: v, Label: plainWords(v), Selected: true})
	}
	return out
}

// optionLabel is the words an option shows for v.
func optionLabel(opts []web.Option, v string) string {
	for _, o := range opts {
		if o.Value == v {
			return o.Label
		}
	}
	return plainWords(v)
}

var codeWord = regexp.MustCompile(`\b[a-z0-9]+(?:_[a-z0-9]+)+\b`)

// plainWords turns the codes a message may carry (max_dose, scan_vial)
// into words, so no code reaches a page.
func plainWords(s string) string {
	return codeWord.ReplaceAllStringFunc(s, func(w string) string { return strings.ReplaceAll(w, "_", " ") })
}

func textField(name, label, value, help string) web.Field {
	return web.Field{Name: name, Label: label, Value: value, Help: help}
}

func selectField(name, label string, opts []web.Option, value string) web.Field {
	return web.Field{Name: name, Label: label, Type: "select", Options: choose(opts, value)}
}

func checkField(name, label string, checked bool) web.Field {
	return web.Field{Name: name, Label: label, Type: "checkbox", Checked: checked}
}

// recipeSections lays a recipe out as the editor's sections; blank adds
// empty rows to the lists. raw holds values as typed that did not parse
// (a product number "12a"), shown instead of the parsed value.
func recipeSections(r workflow.Recipe, blank bool, raw map[string]string) []web.FormSection {
	extra := func(n int) int {
		if blank {
			return n
		}
		return 0
	}
	secs := []web.FormSection{
		{ID: "what", Title: "What it prepares", Fields: []web.Field{
			textField("drug", "Drug (generic name)", r.Drug, "The drug orders name, e.g. cefazolin."),
			textField("name", "Name of the record", r.Name, "As people say it, e.g. ceFAZolin 2 g IV piggyback."),
			textField("dosage_form", "Dosage form", r.DosageForm, "e.g. injection, solution"),
			textField("container", "Container and closure", r.Container, "e.g. 100 mL polyolefin bag"),
		}},
		productSection("products", "Drug products allowed", "In order of preference. Name a product by its number in the formulary, its NDC, or its drug with strength and container.", r.Products, extra(blankProducts), raw),
		productSection("diluents", "Base solutions (bags) allowed", "The bag the dose goes into; the order's diluent and final volume pick among them.", r.Diluents, extra(blankProducts), raw),
		{ID: "volumes", Title: "Diluent and final volume", Fields: []web.Field{
			textField("default_diluent", "Default diluent", r.DefaultDiluent, "Used when an order names none, e.g. sodium chloride 0.9%."),
			textField("default_final_volume", "Default final volume", r.DefaultFinalVolume, "Used when an order gives none, e.g. 100 mL."),
		}},
		reconstitutionSection(r.Reconstitution, extra(blankProducts), raw),
		dilutionSection(r.Dilution, extra(blankProducts), raw),
		{ID: "limits", Title: "Limits", Fields: []web.Field{
			textField("max_dose", "Maximum dose", r.MaxDose, "A calculated dose above it is capped, e.g. 2 g."),
			textField("max_concentration", "Maximum final concentration", r.MaxConcentration, "e.g. 20 mg/mL"),
			textField("specific_gravity", "Specific gravity of the solution drawn", r.SpecificGravity, "Leave empty to use the product's; without one the draw cannot be weighed."),
			textField("specific_gravity_source", "Source of the specific gravity", r.SpecificGravitySource, ""),
		}},
		stepSection(r.Steps, extra(blankSteps)),
		syringeSection(r.Syringes, r.Gravimetric, extra(blankSyringes)),
		{ID: "bud", Title: "Beyond-use date and storage", Fields: []web.Field{
			selectField("category", "Compounding category", categoryOptions, string(r.Category)),
			selectField("method", "Preparation method", methodOptions, string(r.Method)),
			selectField("starting_components", "Starting components", startingOptions, string(r.StartingComponents)),
			checkField("sterility_tested", "Sterility tested (and passed)", r.SterilityTested),
			selectField("storage", "Storage", storageOptions, string(r.Storage)),
			textField("stability_limit", "Stability in this diluent and container", r.StabilityLimit, "e.g. 10 days or 24 h; leave empty when no source gives one."),
			textField("stability_reference", "Stability source", r.StabilityReference, "Required with a stability limit."),
		}},
		{ID: "handling", Title: "Handling", Fields: []web.Field{
			checkField("hazardous", "Hazardous drug (NIOSH list)", r.Hazardous),
			checkField("protect_from_light", "Protect from light (auxiliary label)", r.ProtectFromLight),
			{Name: "handling", Label: "Handling precautions", Type: "textarea", Value: r.Handling},
			{Name: "notes", Label: "Notes", Type: "textarea", Value: r.Notes},
		}},
	}
	return secs
}

func productSection(list, title, help string, refs []workflow.ProductRef, blank int, raw map[string]string) web.FormSection {
	s := web.FormSection{ID: list, Title: title, Help: help}
	for i := 0; i < len(refs)+blank; i++ {
		var p workflow.ProductRef
		if i < len(refs) {
			p = refs[i]
		}
		f := fmt.Sprintf("%s[%d]", list, i)
		id := ""
		if p.ProductID != 0 {
			id = strconv.FormatInt(p.ProductID, 10)
		}
		if v, ok := raw[f+".product_id"]; ok {
			id = v
		}
		label := fmt.Sprintf("Choice %d", i+1)
		if i >= len(refs) {
			label = "Add one"
		}
		idField := textField(f+".product_id", "Formulary number", id, "")
		idField.InputMode = "numeric"
		s.Rows = append(s.Rows, web.FormRow{Label: label, Fields: []web.Field{
			idField, textField(f+".ndc", "NDC", p.NDC, ""), textField(f+".drug", "Drug", p.Drug, ""),
			textField(f+".strength", "Strength or volume", p.Strength, ""), selectField(f+".presentation", "Container", presentationOptions, p.Presentation),
		}})
	}
	return s
}

func reconstitutionSection(rc *workflow.Reconstitution, blank int, raw map[string]string) web.FormSection {
	if rc == nil {
		rc = &workflow.Reconstitution{}
	}
	rows := containerRows("reconstitution.products", rc.Products, blank, raw)
	return web.FormSection{Rows: rows, ID: "reconstitution", Title: "Reconstitution (powder vials)",
		Help: "Leave empty for a liquid. Concentration after reconstitution = drug per vial ÷ (diluent + displacement).",
		Fields: []web.Field{
			textField("reconstitution.diluent", "Diluent", rc.Diluent, "e.g. sterile water for injection"),
			textField("reconstitution.diluent_volume", "Diluent volume per vial", rc.DiluentVolume, "e.g. 2.5 mL"),
			textField("reconstitution.displacement", "Powder displacement", rc.Displacement, "The volume the powder adds, e.g. 0.5 mL (0 mL when none)."),
			textField("reconstitution.diluent_specific_gravity", "Specific gravity of the diluent", rc.DiluentSpecificGravity, "Lets the diluent added be weighed (water: 1)."),
			textField("reconstitution.reference", "Source", rc.Reference, ""),
		}}
}

// containerRows are the diluent containers a reconstitution or dilution
// allows (scanned before use); none listed means every product of the
// diluent named.
func containerRows(list string, refs []workflow.ProductRef, blank int, raw map[string]string) []web.FormRow {
	rows := productSection(list, "", "", refs, blank, raw).Rows
	for i := range rows {
		rows[i].Label = fmt.Sprintf("Diluent container %d", i+1)
		if i >= len(refs) {
			rows[i].Label = "Add a diluent container (none: any product of the diluent)"
		}
	}
	return rows
}

func dilutionSection(d *workflow.Dilution, blank int, raw map[string]string) web.FormSection {
	if d == nil {
		d = &workflow.Dilution{}
	}
	rows := containerRows("dilution.products", d.Products, blank, raw)
	return web.FormSection{Rows: rows, ID: "dilution", Title: "Intermediate dilution (optional)",
		Help: "For a dose too small to measure from the stock: dilute to this concentration first.",
		Fields: []web.Field{
			textField("dilution.diluent", "Diluent", d.Diluent, ""),
			textField("dilution.concentration", "Concentration after dilution", d.Concentration, "e.g. 100 units/mL"),
			textField("dilution.volume", "Made up to", d.Volume, "e.g. 10 mL"),
			textField("dilution.specific_gravity", "Specific gravity of the dilution", d.SpecificGravity, ""),
			textField("dilution.reference", "Source", d.Reference, ""),
		}}
}

func stepSection(steps []workflow.StepTemplate, blank int) web.FormSection {
	s := web.FormSection{ID: "steps", Title: "Steps", Help: "In the order the technician does them. Every drug vial is scanned."}
	for i := 0; i < len(steps)+blank; i++ {
		var st workflow.StepTemplate
		if i < len(steps) {
			st = steps[i]
		}
		f := fmt.Sprintf("steps[%d]", i)
		label := fmt.Sprintf("Step %d", i+1)
		if i >= len(steps) {
			label = "Add a step"
		}
		s.Rows = append(s.Rows, web.FormRow{Label: label, Fields: []web.Field{
			selectField(f+".kind", "Kind", stepKindOptions, string(st.Kind)),
			textField(f+".id", "Short name", st.ID, "Letters, digits and dashes, e.g. scan-vial."),
			textField(f+".instruction", "Instruction", st.Instruction, ""),
			selectField(f+".of", "What it weighs or scans", weighOfOptions, st.Of),
		}})
	}
	return s
}

func syringeSection(ss []workflow.SyringeSpec, g workflow.Gravimetric, blank int) web.FormSection {
	s := web.FormSection{ID: "syringes", Title: "Rounding, syringes and weight checks",
		Help: "A volume is rounded to the graduation of the smallest syringe that holds it. No syringe listed: the site's.",
		Fields: []web.Field{
			textField("gravimetric.tolerance", "Weight tolerance", g.Tolerance, "e.g. 5%"),
			textField("gravimetric.small_volume", "Small volume up to", g.SmallVolume, "e.g. 2 mL"),
			textField("gravimetric.small_volume_tolerance", "Tolerance for small volumes", g.SmallVolumeTolerance, "e.g. 10%"),
		}}
	for i := 0; i < len(ss)+blank; i++ {
		var sp workflow.SyringeSpec
		if i < len(ss) {
			sp = ss[i]
		}
		f := fmt.Sprintf("syringes[%d]", i)
		label := fmt.Sprintf("Syringe %d", i+1)
		if i >= len(ss) {
			label = "Add a syringe"
		}
		s.Rows = append(s.Rows, web.FormRow{Label: label, Fields: []web.Field{
			textField(f+".capacity", "Capacity", sp.Capacity, "e.g. 10 mL"),
			textField(f+".graduation", "Graduation", sp.Graduation, "e.g. 0.2 mL"),
			textField(f+".floor", "Smallest accurate volume", sp.Floor, "e.g. 2 mL"),
		}})
	}
	return s
}

// recipeFromForm reads the editor's form. errs holds what could not be
// read at all (a product number that is not a number), by field; raw the
// values as typed for those.
func recipeFromForm(f url.Values) (r workflow.Recipe, errs, raw map[string]string) {
	errs, raw = map[string]string{}, map[string]string{}
	v := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	r = workflow.Recipe{
		Drug: v("drug"), Name: v("name"), DosageForm: v("dosage_form"), Container: v("container"),
		DefaultDiluent: v("default_diluent"), DefaultFinalVolume: v("default_final_volume"),
		MaxDose: v("max_dose"), MaxConcentration: v("max_concentration"),
		SpecificGravity: v("specific_gravity"), SpecificGravitySource: v("specific_gravity_source"),
		Gravimetric: workflow.Gravimetric{Tolerance: v("gravimetric.tolerance"), SmallVolume: v("gravimetric.small_volume"),
			SmallVolumeTolerance: v("gravimetric.small_volume_tolerance")},
		Category: bud.Category(v("category")), Method: bud.Method(v("method")), StartingComponents: bud.Starting(v("starting_components")),
		SterilityTested: v("sterility_tested") == "1", Storage: bud.Storage(v("storage")),
		StabilityLimit: v("stability_limit"), StabilityReference: v("stability_reference"),
		Hazardous: v("hazardous") == "1", ProtectFromLight: v("protect_from_light") == "1",
		Handling: v("handling"), Notes: v("notes"),
	}
	r.Products = refsFromForm(f, "products", errs, raw)
	r.Diluents = refsFromForm(f, "diluents", errs, raw)
	rc := workflow.Reconstitution{Diluent: v("reconstitution.diluent"), DiluentVolume: v("reconstitution.diluent_volume"),
		Displacement: v("reconstitution.displacement"), DiluentSpecificGravity: v("reconstitution.diluent_specific_gravity"),
		Reference: v("reconstitution.reference"), Products: refsFromForm(f, "reconstitution.products", errs, raw)}
	if !reflect.ValueOf(rc).IsZero() {
		r.Reconstitution = &rc
	}
	d := workflow.Dilution{Diluent: v("dilution.diluent"), Concentration: v("dilution.concentration"), Volume: v("dilution.volume"),
		SpecificGravity: v("dilution.specific_gravity"), Reference: v("dilution.reference"), Products: refsFromForm(f, "dilution.products", errs, raw)}
	if !reflect.ValueOf(d).IsZero() {
		r.Dilution = &d
	}
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("steps[%d]", i)
		st := workflow.StepTemplate{ID: v(p + ".id"), Kind: workflow.StepKind(v(p + ".kind")), Instruction: v(p + ".instruction"), Of: v(p + ".of")}
		if st.Kind != workflow.StepWeigh && st.Kind != workflow.StepScanDiluent {
			st.Of = ""
		}
		if st.ID != "" || st.Kind != "" || st.Instruction != "" {
			r.Steps = append(r.Steps, st)
		}
	}
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("syringes[%d]", i)
		s := workflow.SyringeSpec{Capacity: v(p + ".capacity"), Graduation: v(p + ".graduation"), Floor: v(p + ".floor")}
		if s != (workflow.SyringeSpec{}) {
			r.Syringes = append(r.Syringes, s)
		}
	}
	return r, errs, raw
}

// refsFromForm reads one list of product references, skipping blank rows;
// errors and raw values are keyed by the row's index in the result.
func refsFromForm(f url.Values, list string, errs, raw map[string]string) []workflow.ProductRef {
	var out []workflow.ProductRef
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("%s[%d]", list, i)
		v := func(k string) string { return strings.TrimSpace(f.Get(p + k)) }
		ref := workflow.ProductRef{NDC: v(".ndc"), Drug: v(".drug"), Strength: v(".strength"), Presentation: v(".presentation")}
		id := v(".product_id")
		if id == "" && ref == (workflow.ProductRef{}) {
			continue
		}
		at := fmt.Sprintf("%s[%d].product_id", list, len(out))
		if id != "" {
			n, err := strconv.ParseInt(id, 10, 64)
			if err != nil || n <= 0 {
				errs[at] = "must be the product's number in the formulary, e.g. 12"
				raw[at] = id
			} else {
				ref.ProductID = n
			}
		}
		out = append(out, ref)
	}
	return out
}

// markErrors puts each error beside its field; an error on a whole row
// goes to the row's first field, one on a whole list to its section, and
// what fits nowhere is returned.
func markErrors(secs []web.FormSection, errs map[string]string) (rest []string) {
	for k, msg := range errs {
		msg = plainWords(msg)
		if !placeError(secs, k, msg) {
			rest = append(rest, msg)
		}
	}
	return rest
}

func placeError(secs []web.FormSection, k, msg string) bool {
	for i := range secs {
		s := &secs[i]
		for j := range s.Fields {
			if s.Fields[j].Name == k {
				s.Fields[j].Error = msg
				return true
			}
		}
		for _, row := range s.Rows {
			for j := range row.Fields {
				if row.Fields[j].Name == k || strings.HasPrefix(row.Fields[j].Name, k+".") && j == 0 {
					row.Fields[j].Error = msg
					return true
				}
			}
		}
		if k == s.ID {
			s.Error = msg
			return true
		}
	}
	return false
}
