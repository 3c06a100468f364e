package workflow

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/guard"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func code(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.CodeOrKind()
	}
	if err == nil {
		return ""
	}
	return "?" + err.Error()
}

func TestStateMachine(t *testing.T) {
	t.Parallel()
	all := []Status{StatusQueued, StatusInProgress, StatusCompleted, StatusVerified, StatusReleased, StatusRejected, StatusCancelled}
	allowed := map[Action][]Status{
		ActClaim: {StatusQueued}, ActScan: {StatusInProgress}, ActWeigh: {StatusInProgress},
		ActComplete: {StatusInProgress}, ActVerify: {StatusCompleted}, ActRelease: {StatusVerified},
		ActLabel:  {StatusCompleted, StatusVerified, StatusReleased},
		ActCancel: {StatusQueued, StatusInProgress, StatusCompleted, StatusVerified},
	}
	for a, ok := range allowed {
		for _, s := range all {
			t.Run(string(a)+"/"+string(s), func(t *testing.T) {
				want := false
				for _, x := range ok {
					want = want || x == s
				}
				err := s.Allows(a)
				if (err == nil) != want {
					t.Fatalf("%s in %s: err %v, want allowed=%v", a, s, err, want)
				}
				if err != nil {
					wantCode := "wrong_state"
					if a == ActLabel {
						wantCode = "not_completed"
					}
					if apperr.KindOf(err) != apperr.Conflict || code(err) != wantCode {
						t.Fatalf("refusal %v is not a 409 %s", err, wantCode)
					}
				}
			})
		}
	}
	if StatusQueued.Next(ActClaim) != StatusInProgress || StatusInProgress.Next(ActComplete) != StatusCompleted ||
		StatusVerified.Next(ActRelease) != StatusReleased || StatusInProgress.Next(ActScan) != StatusInProgress {
		t.Fatal("Next does not follow the flow")
	}
}

func validOrder() OrderInput {
	return OrderInput{
		Patient: PatientInput{MRN: "MRN1", Name: "Doe, Jane", BirthDate: "1960-01-02", Weight: "72.5 kg", Height: "175 cm", Location: "4W-1"},
		Drug:    "Vancomycin", Dose: "15 mg/kg", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "250 mL",
		DueAt: "2026-11-24T14:30:00Z", Priority: "first_dose",
	}
}

func TestOrderValidate(t *testing.T) {
	t.Parallel()
	o, err := validOrder().Validate(t0)
	if err != nil {
		t.Fatal(err)
	}
	if o.Drug != "vancomycin" || o.Dose.String() != "15 mg/kg" || o.Patient.Weight.String() != "72.5 kg" || o.Priority != PriorityFirstDose {
		t.Fatalf("validated order: %+v", o)
	}
	cases := []struct {
		name  string
		edit  func(*OrderInput)
		field string
	}{
		{"weight with a bad unit", func(o *OrderInput) { o.Patient.Weight = "72 kgs" }, "patient.weight"},
		{"weight as a length", func(o *OrderInput) { o.Patient.Weight = "72 cm" }, "patient.weight"},
		{"weight implausible", func(o *OrderInput) { o.Patient.Weight = "7200 kg" }, "patient.weight"},
		{"per-kg dose without weight", func(o *OrderInput) { o.Patient.Weight = "" }, "patient.weight"},
		{"per-m2 dose without height", func(o *OrderInput) { o.Dose = "75 mg/m2"; o.Patient.Height = "" }, "patient.height"},
		{"dose missing", func(o *OrderInput) { o.Dose = "" }, "dose"},
		{"dose zero", func(o *OrderInput) { o.Dose = "0 mg" }, "dose"},
		{"dose a volume", func(o *OrderInput) { o.Dose = "10 mL" }, "dose"},
		{"dose with exponent", func(o *OrderInput) { o.Dose = "1e3 mg" }, "dose"},
		{"dose unknown unit", func(o *OrderInput) { o.Dose = "2 gallons" }, "dose"},
		{"birth date malformed", func(o *OrderInput) { o.Patient.BirthDate = "02/01/1960" }, "patient.birth_date"},
		{"birth date in the future", func(o *OrderInput) { o.Patient.BirthDate = "2030-01-01" }, "patient.birth_date"},
		{"mrn missing", func(o *OrderInput) { o.Patient.MRN = " " }, "patient.mrn"},
		{"name missing", func(o *OrderInput) { o.Patient.Name = "" }, "patient.name"},
		{"location missing", func(o *OrderInput) { o.Patient.Location = "" }, "patient.location"},
		{"drug missing", func(o *OrderInput) { o.Drug = "" }, "drug"},
		{"route missing", func(o *OrderInput) { o.Route = "" }, "route"},
		{"due_at not RFC 3339", func(o *OrderInput) { o.DueAt = "tomorrow" }, "due_at"},
		{"due_at missing", func(o *OrderInput) { o.DueAt = "" }, "due_at"},
		{"due_at years away", func(o *OrderInput) { o.DueAt = "2031-01-01T00:00:00Z" }, "due_at"},
		{"priority unknown", func(o *OrderInput) { o.Priority = "urgent" }, "priority"},
		{"final volume not a volume", func(o *OrderInput) { o.FinalVolume = "250 mg" }, "final_volume"},
		{"final volume without diluent", func(o *OrderInput) { o.Diluent = "" }, "diluent"},
		{"infusion time not a time", func(o *OrderInput) { o.InfuseOver = "30 mL" }, "infuse_over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := validOrder()
			tc.edit(&in)
			_, err := in.Validate(t0)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.Invalid {
				t.Fatalf("got %v, want a 400", err)
			}
			if e.Field != tc.field && e.Fields[tc.field] == "" {
				t.Fatalf("error names %q (%v), want %q: %s", e.Field, e.Fields, tc.field, e.Message)
			}
		})
	}
	t.Run("every bad field is reported", func(t *testing.T) {
		in := validOrder()
		in.Dose, in.Priority = "x", "y"
		_, err := in.Validate(t0)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Fields["dose"] == "" || e.Fields["priority"] == "" {
			t.Fatalf("want both fields: %v", err)
		}
	})
}

func q(s string) *calc.Quantity { v := calc.MustParse(s); return &v }

// demoProducts is a tiny formulary: cefazolin 1 g powder, a cefazolin 10 g
// bulk vial, vancomycin, KCl and two saline bags.
func demoProducts() (drugs, bags []Product) {
	sg := decimal.RequireFromString("1.005")
	return []Product{
			{ID: 1, Drug: "cefazolin", TallMan: "ceFAZolin", Strength: "1 g", Container: bud.ContainerSingleDose, Amount: q("1 g"), GTIN: "00360505624300"},
			{ID: 2, Drug: "cefazolin", TallMan: "ceFAZolin", Strength: "10 g", Container: bud.ContainerBulk, Amount: q("10 g")},
			{ID: 3, Drug: "vancomycin", Strength: "1 g", Container: bud.ContainerSingleDose, Amount: q("1 g")},
			{ID: 4, Drug: "potassium chloride", Strength: "2 mEq/mL", Container: bud.ContainerSingleDose, Concentration: q("2 mEq/mL"), Volume: q("10 mL")},
		}, []Product{
			{ID: 10, Drug: "sodium chloride 0.9%", Strength: "0.9%", Container: bud.ContainerBag, Concentration: q("9 mg/mL"), Volume: q("100 mL"), SpecificGravity: &sg},
			{ID: 11, Drug: "sodium chloride 0.9%", Strength: "0.9%", Container: bud.ContainerBag, Concentration: q("9 mg/mL"), Volume: q("250 mL")},
		}
}

// components are the sterile water vial that dissolves a powder and the
// saline that dilutes a small dose.
func components(bags []Product) map[string][]Product {
	water := Product{ID: 20, Drug: "sterile water for injection", Strength: "100%", Container: bud.ContainerSingleDose, Volume: q("10 mL"), GTIN: "00363323185107"}
	return map[string][]Product{OfReconDiluent: {water}, OfDilutionDiluent: bags[:1]}
}

func cefazolinRecipe() Recipe {
	r := Recipe{
		ID: 7, Version: 2, Drug: "cefazolin", Name: "ceFAZolin IVPB",
		Products:       []ProductRef{{Drug: "cefazolin"}},
		Reconstitution: &Reconstitution{Diluent: "sterile water", DiluentVolume: "2.5 mL", Displacement: "0.5 mL", DiluentSpecificGravity: "1"},
		Steps: []StepTemplate{{ID: "bag", Kind: StepScanDiluent}, {ID: "vial", Kind: StepScanVial}, {ID: "wd", Kind: StepWeigh, Of: "reconstitution_diluent"},
			{ID: "recon", Kind: StepReconstitute}, {ID: "draw", Kind: StepDraw}, {ID: "wdraw", Kind: StepWeigh}, {ID: "inspect", Kind: StepInspect}},
		Storage: bud.StorageRefrigerator, StabilityLimit: "10 days", StabilityReference: "label",
	}
	r.Normalize()
	return r
}

func orderOf(t testing.TB, edit func(*OrderInput)) Order {
	t.Helper()
	in := validOrder()
	in.Drug, in.Dose, in.FinalVolume = "cefazolin", "2 g", "100 mL"
	if edit != nil {
		edit(&in)
	}
	o, err := in.Validate(t0)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func compute(t testing.TB, o Order, r Recipe) (Worksheet, error) {
	t.Helper()
	drugs, bags := demoProducts()
	var ps []Product
	for _, p := range drugs {
		if p.Drug == r.Drug {
			ps = append(ps, p)
		}
	}
	return ComputeWorksheet(WorksheetInput{Order: o, Recipe: r, Products: ps, Diluents: bags, Components: components(bags),
		Rules: bud.DefaultRules(), Guards: guard.DefaultRules(), Now: t0, Location: time.UTC})
}

func TestRecipeValidate(t *testing.T) {
	t.Parallel()
	r := cefazolinRecipe()
	if err := r.Validate(); err != nil {
		t.Fatalf("demo recipe invalid: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(*Recipe)
		field string
	}{
		{"no products", func(r *Recipe) { r.Products = nil }, "products"},
		{"no steps", func(r *Recipe) { r.Steps = nil }, "steps"},
		{"no vial scan", func(r *Recipe) { r.Steps = []StepTemplate{{ID: "x", Kind: StepInspect}} }, "steps"},
		{"duplicate step id", func(r *Recipe) { r.Steps[1].ID = "bag" }, "steps[1].id"},
		{"unknown step kind", func(r *Recipe) { r.Steps[0].Kind = "dance" }, "steps[0].kind"},
		{"weigh of nothing", func(r *Recipe) { r.Steps[2].Of = "bag" }, "steps[2].of"},
		{"bad tolerance", func(r *Recipe) { r.Gravimetric.Tolerance = "five" }, "gravimetric.tolerance"},
		{"storage unknown", func(r *Recipe) { r.Storage = "cellar" }, "storage"},
		{"stability without source", func(r *Recipe) { r.StabilityReference = "" }, "stability_reference"},
		{"stability malformed", func(r *Recipe) { r.StabilityLimit = "a while" }, "stability_limit"},
		{"specific gravity without source", func(r *Recipe) { r.SpecificGravity = "1.02" }, "specific_gravity_source"},
		{"specific gravity zero", func(r *Recipe) { r.SpecificGravity = "0"; r.SpecificGravitySource = "x" }, "specific_gravity"},
		{"reconstitution without volume", func(r *Recipe) { r.Reconstitution.DiluentVolume = "" }, "reconstitution.diluent_volume"},
		{"negative displacement", func(r *Recipe) { r.Reconstitution.Displacement = "-1 mL" }, "reconstitution.displacement"},
		{"max dose a volume", func(r *Recipe) { r.MaxDose = "5 mL" }, "max_dose"},
		{"ref names nothing", func(r *Recipe) { r.Products = []ProductRef{{}} }, "products[0]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := cefazolinRecipe()
			tc.edit(&r)
			err := r.Validate()
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.Invalid {
				t.Fatalf("got %v, want a 400", err)
			}
			if e.Field != tc.field && e.Fields[tc.field] == "" {
				t.Fatalf("error names %q (%v), want %q", e.Field, e.Fields, tc.field)
			}
		})
	}
}

func TestWorksheetCefazolin(t *testing.T) {
	t.Parallel()
	ws, err := compute(t, orderOf(t, nil), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"dose": "2 g", "vials": "2", "vial_remainder": "0 g", "reconstituted_volume": "3 mL", "volume": "6 mL",
		"delivered_dose": "2 g", "total_volume": "106 mL",
	}
	for k, v := range want {
		if got := ws.Quantities[k].Value; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if ws.Product.ID != 1 || len(ws.AllowedProducts) != 1 {
		t.Errorf("product choice: %+v allowed %+v (the 10 g bulk vial is a different strength)", ws.Product, ws.AllowedProducts)
	}
	if ws.Diluent == nil || ws.Diluent.ID != 10 {
		t.Errorf("diluent: %+v, want the 100 mL bag", ws.Diluent)
	}
	if ws.DrugDisplay != "ceFAZolin" {
		t.Errorf("display name %q, want tall man", ws.DrugDisplay)
	}
	if len(ws.Quantities["volume"].Steps) == 0 || ws.Quantities["volume"].Exact != "6 mL" {
		t.Errorf("volume line lacks derivation or exact: %+v", ws.Quantities["volume"])
	}
	// the diluent weigh step stays (water, SG 1); the draw weigh is left out (no SG)
	if _, ok := ws.Step("wd"); !ok {
		t.Error("weigh of the reconstitution diluent is missing")
	}
	if _, ok := ws.Step("wdraw"); ok {
		t.Error("the draw weigh step has no specific gravity and must be left out, never assuming 1")
	}
	if !strings.Contains(strings.Join(ws.Gravimetric, "\n"), "not possible") {
		t.Errorf("gravimetric notes: %q", ws.Gravimetric)
	}
	s, _ := ws.Step("wd")
	if s.Expects.ExpectedWeight != "2.5 g" || s.Expects.Tolerance != "5%" {
		t.Errorf("weigh expectation: %+v", s.Expects)
	}
	v, _ := ws.Step("vial")
	if v.Expects.Count != 2 || len(v.Expects.ProductIDs) != 1 {
		t.Errorf("vial step: %+v", v.Expects)
	}
	if ws.BUD == nil || !ws.BUDProvisional || ws.BUD.LimitedBy != bud.LimitCategory && ws.BUD.LimitedBy != bud.LimitStability {
		t.Errorf("BUD: %+v", ws.BUD)
	}
	if !ws.BUD.BUD.Equal(t0.Add(10 * 24 * time.Hour)) {
		t.Errorf("BUD %s, want 10 days from the start", ws.BUD.BUD)
	}
}

func TestWorksheetRoundsToSyringe(t *testing.T) {
	t.Parallel()
	// 15 mg/kg × 72.5 kg = 1087.5 mg of vancomycin at 50 mg/mL = 21.75 mL;
	// a 30 mL syringe graduated 1 mL gives 22 mL = 1,100 mg.
	r := cefazolinRecipe()
	r.Drug, r.Products = "vancomycin", []ProductRef{{Drug: "vancomycin"}}
	r.Reconstitution = &Reconstitution{Diluent: "sterile water", DiluentVolume: "20 mL", Displacement: "0 mL"}
	r.Steps = []StepTemplate{{ID: "vial", Kind: StepScanVial}, {ID: "draw", Kind: StepDraw}}
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose, o.FinalVolume = "vancomycin", "15 mg/kg", "250 mL" })
	ws, err := compute(t, o, r)
	if err != nil {
		t.Fatal(err)
	}
	vol := ws.Quantities["volume"]
	if ws.Quantities["dose"].Value != "1087.5 mg" || vol.Exact != "21.75 mL" || vol.Value != "22 mL" ||
		ws.Quantities["delivered_dose"].Value != "1100 mg" || ws.DoseBasis != "weight" {
		t.Fatalf("quantities: dose %+v volume %+v delivered %+v", ws.Quantities["dose"], vol, ws.Quantities["delivered_dose"])
	}
	if ws.Quantities["dose"].Display != "1,087.5 mg" {
		t.Errorf("ISMP display %q", ws.Quantities["dose"].Display)
	}
	d, _ := ws.Step("draw")
	// The page's text never shows the exact value (it is on the line, for a tap).
	if d.Expects.Syringe != "30 mL" || !strings.Contains(d.Instruction, "Draw 22 mL") || strings.Contains(d.Instruction, "exact") {
		t.Errorf("draw step: %+v", d)
	}
	// What is left comes from the 22 mL drawn (1,100 mg), not the 1,087.5 mg ordered.
	if rem := ws.Quantities["vial_remainder"]; rem.Value != "900 mg" {
		t.Errorf("vial_remainder %+v, want 900 mg", rem)
	}
	if ws.Deviation != "+1.1%" {
		t.Errorf("deviation %q", ws.Deviation)
	}
}

func TestWorksheetRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		edit func(*OrderInput)
		rcp  func(*Recipe)
		code string
	}{
		{"no bag of that volume", func(o *OrderInput) { o.FinalVolume = "75 mL" }, nil, "no_diluent_product"},
		{"a dose in units for a drug in grams", func(o *OrderInput) { o.Dose = "5000 units" }, nil, "no_product"},
		{"concentration above the maximum", nil, func(r *Recipe) { r.MaxConcentration = "10 mg/mL" }, "concentration_too_high"},
		{"volume beyond every syringe", func(o *OrderInput) { o.Dose = "30 g" }, nil, "cannot_compute"},
		{"freezer in category 1", nil, func(r *Recipe) { r.Category, r.Storage = bud.Category1, bud.StorageFreezer }, "cannot_compute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := cefazolinRecipe()
			if tc.rcp != nil {
				tc.rcp(&r)
			}
			_, err := compute(t, orderOf(t, tc.edit), r)
			if apperr.KindOf(err) != apperr.Refused {
				t.Fatalf("got %v, want a 422", err)
			}
			if tc.code != "cannot_compute" && code(err) != tc.code {
				t.Fatalf("code %q, want %q (%v)", code(err), tc.code, err)
			}
		})
	}
}

func TestWorksheetMaxDoseCaps(t *testing.T) {
	t.Parallel()
	r := cefazolinRecipe()
	r.MaxDose = "1.5 g"
	ws, err := compute(t, orderOf(t, nil), r)
	if err != nil {
		t.Fatal(err)
	}
	if d := ws.Quantities["dose"]; d.Value != "1.5 g" || d.Exact != "2 g" || !strings.Contains(d.Note, "capped") {
		t.Fatalf("capped dose: %+v", d)
	}
}

func TestCheckScan(t *testing.T) {
	t.Parallel()
	ws, err := compute(t, orderOf(t, nil), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	drugs, bags := demoProducts()
	one := Progress{Scans: []ScanRecord{{StepID: "vial", Accepted: true}}}
	two := Progress{Scans: []ScanRecord{{StepID: "vial", Accepted: true}, {StepID: "vial", Accepted: true}}}
	cases := []struct {
		name string
		step string
		prod Product
		prog Progress
		code string
	}{
		{"right vial", "vial", drugs[0], Progress{}, ""},
		{"second right vial", "vial", drugs[0], one, ""},
		{"third vial", "vial", drugs[0], two, "step_already_done"},
		{"other drug", "vial", drugs[2], Progress{}, "wrong_product"},
		{"same drug other strength", "vial", drugs[1], Progress{}, "wrong_strength"},
		{"a bag on the vial step", "vial", bags[0], Progress{}, "wrong_product"},
		{"right bag", "bag", bags[0], Progress{}, ""},
		{"bag of the wrong size", "bag", bags[1], Progress{}, "wrong_strength"},
		{"a vial on the bag step", "bag", drugs[0], Progress{}, "wrong_product"},
		{"unknown step", "nope", drugs[0], Progress{}, "invalid"},
		{"not a scan step", "draw", drugs[0], Progress{}, "invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ws.CheckScan(tc.step, Resolved{Product: tc.prod}, tc.prog)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
		})
	}
}

func TestCheckContainer(t *testing.T) {
	t.Parallel()
	rules := bud.DefaultRules()
	prod := func(c bud.Container) Resolved {
		return Resolved{Product: Product{ID: 1, Drug: "x", Container: c}, Lot: "L", Serial: "S"}
	}
	opened := func(c bud.Container, prep int64, ago time.Duration) *OpenedContainer {
		return &OpenedContainer{ID: 1, Container: c, OpenedAt: t0.Add(-ago), ISO5: true, FirstPreparationID: prep}
	}
	cases := []struct {
		name string
		r    Resolved
		oc   *OpenedContainer
		code string
	}{
		{"never opened", prod(bud.ContainerSingleDose), nil, ""},
		{"single dose again, same preparation", prod(bud.ContainerSingleDose), opened(bud.ContainerSingleDose, 5, time.Hour), ""},
		{"single dose, same preparation, past 12 h", prod(bud.ContainerSingleDose), opened(bud.ContainerSingleDose, 5, 13*time.Hour), "in_use_expired"},
		{"single dose in another preparation", prod(bud.ContainerSingleDose), opened(bud.ContainerSingleDose, 4, time.Minute), "already_used"},
		{"bag in another preparation", prod(bud.ContainerBag), opened(bud.ContainerBag, 4, time.Minute), "already_used"},
		{"multiple dose within 28 days", prod(bud.ContainerMultipleDose), opened(bud.ContainerMultipleDose, 4, 27*24*time.Hour), ""},
		{"multiple dose past 28 days", prod(bud.ContainerMultipleDose), opened(bud.ContainerMultipleDose, 4, 29*24*time.Hour), "in_use_expired"},
		{"ampule in another preparation", prod(bud.ContainerAmpule), opened(bud.ContainerAmpule, 4, time.Minute), "ampule_reused"},
		{"ampule, same preparation", prod(bud.ContainerAmpule), opened(bud.ContainerAmpule, 5, time.Minute), ""},
		{"bulk without a stated limit", prod(bud.ContainerBulk), opened(bud.ContainerBulk, 4, time.Minute), "in_use_limit_unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckContainer(rules, tc.r, tc.oc, 5, t0)
			if got := code(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if tc.code == "in_use_expired" && !strings.Contains(err.Error(), "ended") {
				t.Fatalf("refusal does not say when the in-use limit ended: %v", err)
			}
		})
	}
}

func TestIncompleteAndWeights(t *testing.T) {
	t.Parallel()
	ws, err := compute(t, orderOf(t, nil), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	w, err := CheckWeight(&ws, "wd", "2.8 g")
	if err != nil || w.Result.Pass || w.Result.Deviation.String() != "12" {
		t.Fatalf("2.8 g against 2.5 g: %+v %v", w.Result, err)
	}
	for _, tc := range []struct{ step, measured, field string }{
		{"wd", "2.8 mL", "measured"}, {"wd", "-1 g", "measured"}, {"wd", "2,8 g", "measured"},
		{"vial", "2 g", "step_id"}, {"nope", "2 g", "step_id"},
	} {
		t.Run(tc.step+" "+tc.measured, func(t *testing.T) {
			_, err := CheckWeight(&ws, tc.step, tc.measured)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.Invalid || e.Field != tc.field {
				t.Fatalf("got %v, want a 400 on %s", err, tc.field)
			}
		})
	}
	all := Progress{
		Scans: []ScanRecord{{ID: 1, StepID: "bag", Accepted: true}, {ID: 2, StepID: "vial", Accepted: true}, {ID: 3, StepID: "vial", Accepted: true},
			{ID: 4, StepID: "scan-reconstitution-diluent", Accepted: true}},
		Weights: []WeightRecord{{ID: 1, StepID: "wd", Pass: true}},
		Marks:   []MarkRecord{{StepID: "recon"}, {StepID: "draw"}, {StepID: "inspect"}},
		// No specific gravity is known for the drawn cefazolin: its dose
		// evidence is the photo of the syringe.
		Photos: map[string]int{"photo-draw": 1},
	}
	if err := ws.Incomplete(all); err != nil {
		t.Fatalf("complete progress refused: %v", err)
	}
	failed := all
	failed.Weights = append([]WeightRecord{}, all.Weights...)
	failed.Weights = append(failed.Weights, WeightRecord{ID: 2, StepID: "wd", Pass: false})
	err = ws.Incomplete(failed)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != "steps_incomplete" || e.Field != "wd" || !strings.Contains(e.Message, "failed") {
		t.Fatalf("a failed last weight must block: %v", err)
	}
	missing := all
	missing.Scans = all.Scans[:2]
	if err := ws.Incomplete(missing); !errors.As(err, &e) || e.Field != "vial" {
		t.Fatalf("one vial short must block naming the step: %v", err)
	}
	ws.Apply(failed)
	if s, _ := ws.Step("wd"); s.State != "failed" || s.Done {
		t.Fatalf("failed weigh step shows %+v", s)
	}
}

func TestLabelData(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		id   int64
		seq  int
		code string
	}{
		{"LMN-P12-L1", 12, 1, ""},
		{" ]d1LMN-P12-L3\r\n", 12, 3, ""},
		{"]Q1LMN-P999-L2", 999, 2, ""},
		{"LMN-P0-L1", 0, 0, "wrong_label"},
		{"LMN-P12-L0", 0, 0, "wrong_label"},
		{"LMN-P12", 0, 0, "wrong_label"},
		{"(01)00300027597010", 0, 0, "wrong_label"},
		{"", 0, 0, "wrong_label"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			id, seq, err := ParseLabelData(tc.in)
			if code(err) != tc.code || id != tc.id || seq != tc.seq {
				t.Fatalf("got %d %d %v", id, seq, err)
			}
		})
	}
}

func FuzzParseLabelData(f *testing.F) {
	for _, s := range []string{"LMN-P12-L1", "]d2LMN-P1-L99", "LMN-P-L", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, seq, err := ParseLabelData(s)
		if err != nil {
			if apperr.KindOf(err) != apperr.Refused {
				t.Fatalf("non-refusal error %v", err)
			}
			return
		}
		if id <= 0 || seq <= 0 {
			t.Fatalf("accepted %q as %d/%d", s, id, seq)
		}
		// What LabelData writes reads back the same.
		id2, seq2, err := ParseLabelData(LabelData(id, seq))
		if err != nil || id2 != id || seq2 != seq {
			t.Fatalf("round trip of %d/%d: %d/%d %v", id, seq, id2, seq2, err)
		}
	})
}

func FuzzOrderValidate(f *testing.F) {
	f.Add("72.5 kg", "175 cm", "15 mg/kg", "250 mL", "2026-11-24T14:30:00Z", "stat")
	f.Add("", "", "2 g", "", "", "")
	f.Add("1e9 kg", "-1 cm", "0.5 mg/m2", "1:1000", "2026-02-30T00:00:00Z", "routine")
	f.Fuzz(func(t *testing.T, weight, height, dose, volume, due, prio string) {
		in := validOrder()
		in.Patient.Weight, in.Patient.Height, in.Dose, in.FinalVolume, in.DueAt, in.Priority = weight, height, dose, volume, due, prio
		o, err := in.Validate(t0)
		if err != nil {
			var e *apperr.Error
			if !errors.As(err, &e) || e.Kind != apperr.Invalid || e.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if o.Dose.Value.Sign() <= 0 || !o.Priority.Valid() || o.DueAt.IsZero() {
			t.Fatalf("accepted a bad order: %+v", o)
		}
	})
}

// TestQueueOrderProperty: after sorting, no item is more urgent than the one
// before it, and sorting is a permutation.
func TestQueueOrderProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 30).Draw(t, "n")
		items := make([]QueueItem, n)
		prios := []Priority{PriorityStat, PriorityFirstDose, PriorityRoutine}
		for i := range items {
			items[i] = QueueItem{PreparationID: int64(i + 1),
				Priority: prios[rapid.IntRange(0, 2).Draw(t, "p")],
				DueAt:    t0.Add(time.Duration(rapid.IntRange(-600, 600).Draw(t, "due")) * time.Minute)}
		}
		SortQueue(items)
		seen := map[int64]bool{}
		for i, it := range items {
			seen[it.PreparationID] = true
			if i == 0 {
				continue
			}
			a, b := items[i-1], it
			if a.Priority.Rank() > b.Priority.Rank() ||
				(a.Priority == b.Priority && a.DueAt.After(b.DueAt)) ||
				(a.Priority == b.Priority && a.DueAt.Equal(b.DueAt) && a.PreparationID > b.PreparationID) {
				t.Fatalf("out of order at %d: %+v before %+v", i, a, b)
			}
		}
		if len(seen) != n {
			t.Fatalf("sorting lost items")
		}
	})
}

func TestGroups(t *testing.T) {
	t.Parallel()
	items := []QueueItem{
		{PreparationID: 1, BatchKey: "a", Status: StatusQueued}, {PreparationID: 2, BatchKey: "b", Status: StatusQueued},
		{PreparationID: 3, BatchKey: "a", Status: StatusQueued}, {PreparationID: 4, BatchKey: "a", Status: StatusInProgress},
	}
	g := Groups(items)
	if len(g) != 1 || g[0].BatchKey != "a" || g[0].Count != 2 || g[0].PreparationIDs[1] != 3 {
		t.Fatalf("groups: %+v", g)
	}
	ws1, _ := compute(t, orderOf(t, nil), cefazolinRecipe())
	ws2, _ := compute(t, orderOf(t, func(o *OrderInput) { o.Patient.MRN = "other" }), cefazolinRecipe())
	ws3, _ := compute(t, orderOf(t, func(o *OrderInput) { o.Dose = "1 g" }), cefazolinRecipe())
	if BatchKey(&ws1) != BatchKey(&ws2) || BatchKey(&ws1) == BatchKey(&ws3) {
		t.Fatal("batch keys: identical preparations for two patients must share a key; another dose must not")
	}
}

func TestLabelRenders(t *testing.T) {
	t.Parallel()
	ws, err := compute(t, orderOf(t, func(o *OrderInput) { o.InfuseOver = "30 min" }), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	ws.Hazardous = true
	l := BuildLabel(&ws, 42, 2, "tech1", "", nil, t0, time.UTC)
	if l.Data != "LMN-P42-L2" || !l.Reprint || l.Rate == "" || l.BaseSolution == "" {
		t.Fatalf("label: %+v", l)
	}
	pdf, err := l.PDF()
	if err != nil || len(pdf) < 1000 || string(pdf[:5]) != "%PDF-" {
		t.Fatalf("PDF: %d bytes, %v", len(pdf), err)
	}
	html, err := l.HTML("AAAA")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Compounded preparation", "HAZARDOUS", "Doe, Jane", "MRN1", "ceFAZolin", "Refrigerate", "LMN-P42-L2"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML label lacks %q", want)
		}
	}
}

// FuzzComputeWorksheet: any order that validates either gets a worksheet
// whose numbers are consistent, or a specific refusal; never a panic or an
// internal error.
func FuzzComputeWorksheet(f *testing.F) {
	f.Add("2 g", "72.5 kg", "175 cm", "100 mL", "30 min")
	f.Add("15 mg/kg", "3.2 kg", "50 cm", "50 mL", "")
	f.Add("75 mg/m2", "120 kg", "200 cm", "250 mL", "2 h")
	f.Add("0.001 mg", "70 kg", "170 cm", "100 mL", "1 min")
	f.Fuzz(func(t *testing.T, dose, weight, height, volume, over string) {
		in := validOrder()
		in.Drug, in.Dose, in.Patient.Weight, in.Patient.Height, in.FinalVolume, in.InfuseOver = "cefazolin", dose, weight, height, volume, over
		o, err := in.Validate(t0)
		if err != nil {
			return
		}
		ws, err := compute(t, o, cefazolinRecipe())
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.Refused && k != apperr.Invalid {
				t.Fatalf("%+v: %v (%s)", in, err, k)
			}
			return
		}
		vol, err1 := calc.Parse(ws.Quantities["volume"].Value)
		exact, err2 := calc.Parse(ws.Quantities["volume"].Exact)
		if err1 != nil || err2 != nil || vol.Value.Sign() <= 0 {
			t.Fatalf("volume line unreadable: %+v", ws.Quantities["volume"])
		}
		// Rounding to a syringe graduation moves the volume by at most half
		// a graduation (the largest default graduation is 1 mL).
		if d := vol.Value.Sub(exact.Value).Abs(); d.GreaterThan(decimal.RequireFromString("0.5")) {
			t.Fatalf("rounded %s is %s from exact %s", vol, d, exact)
		}
		if ws.BUD == nil || len(ws.Steps) == 0 {
			t.Fatalf("worksheet without BUD or steps")
		}
	})
}

// FuzzRecipeJSON: a recipe as an admin might post it never panics the
// validation; accepted ones name at least one vial step.
func FuzzRecipeJSON(f *testing.F) {
	good, _ := json.Marshal(cefazolinRecipe())
	f.Add(good)
	f.Add([]byte(`{"drug":"x","steps":[{"id":"a","kind":"weigh","of":"x"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Recipe
		if json.Unmarshal(b, &r) != nil {
			return
		}
		r.Normalize()
		if err := r.Validate(); err != nil {
			if apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("validation error of kind %s: %v", apperr.KindOf(err), err)
			}
			return
		}
		vial := false
		for _, s := range r.Steps {
			vial = vial || s.Kind == StepScanVial
		}
		if !vial {
			t.Fatal("accepted a recipe without a vial scan")
		}
	})
}

func BenchmarkComputeWorksheet(b *testing.B) {
	o := orderOf(b, func(o *OrderInput) { o.InfuseOver = "30 min" })
	r := cefazolinRecipe()
	drugs, bags := demoProducts()
	in := WorksheetInput{Order: o, Recipe: r, Products: drugs[:2], Diluents: bags, Components: components(bags), Rules: bud.DefaultRules(), Guards: guard.DefaultRules(), Now: t0, Location: time.UTC}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ComputeWorksheet(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckScan(b *testing.B) {
	ws, _ := compute(b, orderOf(b, nil), cefazolinRecipe())
	drugs, _ := demoProducts()
	r := Resolved{Product: drugs[0]}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ws.CheckScan("vial", r, AcceptedCount("vial", 1)); err != nil {
			b.Fatal(err)
		}
	}
}
