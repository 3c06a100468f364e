package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Label sources of the demo recipes' reconstitution and stability numbers
// (the formulary seed data records them per product).
const (
	srcCefazolin   = "US label of cefazolin for injection (reconstitution table; 24 h room, 10 days at 5 °C), via https://medlibrary.org/lib/rx/meds/cefazolin-25/page/3/"
	srcVancomycin  = "US label of vancomycin for injection: 1 g + 20 mL sterile water = 50 mg/mL; 14 days refrigerated in 0.9% NaCl or D5W"
	srcCeftriaxone = "US label of ceftriaxone for injection as summarised by a secondary source: 2 g + 19.2 mL = about 100 mg/mL; 10 days refrigerated in 0.9% NaCl or D5W"
	waterSG        = "water: specific gravity 1.000"
)

// standardSteps is the usual order of work for a vial added to a bag.
func standardSteps(recon bool, weighDiluent bool) []workflow.StepTemplate {
	s := []workflow.StepTemplate{
		{ID: "scan-bag", Kind: workflow.StepScanDiluent},
		{ID: "scan-vial", Kind: workflow.StepScanVial},
	}
	if recon {
		s = append(s, workflow.StepTemplate{ID: "scan-water", Kind: workflow.StepScanDiluent, Of: workflow.OfReconDiluent})
		if weighDiluent {
			s = append(s, workflow.StepTemplate{ID: "weigh-diluent", Kind: workflow.StepWeigh, Of: "reconstitution_diluent",
				Instruction: "Draw the sterile water for one vial and weigh the syringe (tare first)"})
		}
		s = append(s, workflow.StepTemplate{ID: "reconstitute", Kind: workflow.StepReconstitute})
	}
	s = append(s,
		workflow.StepTemplate{ID: "draw", Kind: workflow.StepDraw},
		workflow.StepTemplate{ID: "weigh-draw", Kind: workflow.StepWeigh, Of: "draw"},
		workflow.StepTemplate{ID: "inject", Kind: workflow.StepInject},
		workflow.StepTemplate{ID: "inspect", Kind: workflow.StepInspect},
	)
	return s
}

var (
	// waterVials are the sterile water containers a powder is dissolved with.
	waterVials = []workflow.ProductRef{{Drug: "sterile water for injection", Presentation: "single_dose"}}
	nsBags     = []workflow.ProductRef{{Drug: "sodium chloride 0.9%", Presentation: "bag"}}
	d5wBags    = []workflow.ProductRef{{Drug: "dextrose 5%", Presentation: "bag"}}
)

// DemoRecipes are the master formulation records of the demo data. Products
// are named by NDC from the demo formulary.
func DemoRecipes() []workflow.Recipe {
	return []workflow.Recipe{
		{
			Drug: "cefazolin", Name: "ceFAZolin IV piggyback", DosageForm: "injection, IV piggyback",
			Products: []workflow.ProductRef{{NDC: "60505-6243-4"}}, Diluents: append(append([]workflow.ProductRef{}, nsBags...), d5wBags...),
			DefaultDiluent: "sodium chloride 0.9%", DefaultFinalVolume: "100 mL",
			Reconstitution: &workflow.Reconstitution{Diluent: "sterile water for injection", DiluentVolume: "2.5 mL",
				Displacement: "0.5 mL", DiluentSpecificGravity: "1", Reference: srcCefazolin + "; " + waterSG, Products: waterVials},
			MaxDose:  "3 g",
			Steps:    standardSteps(true, true),
			Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage: bud.StorageRefrigerator, StabilityLimit: "10 days", StabilityReference: srcCefazolin,
			Container: "100 mL bag, spike port capped",
		},
		{
			Drug: "vancomycin", Name: "vancomycin IV infusion", DosageForm: "injection, IV infusion",
			Products: []workflow.ProductRef{{NDC: "43538-810-10"}}, Diluents: append(append([]workflow.ProductRef{}, nsBags...), d5wBags...),
			DefaultDiluent: "sodium chloride 0.9%", DefaultFinalVolume: "250 mL",
			Reconstitution: &workflow.Reconstitution{Diluent: "sterile water for injection", DiluentVolume: "20 mL",
				Displacement: "0 mL", DiluentSpecificGravity: "1", Reference: srcVancomycin + "; " + waterSG, Products: waterVials},
			MaxDose:          "3 g",
			MaxConcentration: "5 mg/mL",
			Steps:            standardSteps(true, true),
			Category:         bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage: bud.StorageRefrigerator, StabilityLimit: "14 days", StabilityReference: srcVancomycin,
			Notes: "infuse over at least 60 minutes",
		},
		{
			Drug: "ceftriaxone", Name: "cefTRIAXone IV piggyback", DosageForm: "injection, IV piggyback",
			Products: []workflow.ProductRef{{NDC: "0409-7336-04"}}, Diluents: append(append([]workflow.ProductRef{}, nsBags...), d5wBags...),
			DefaultDiluent: "sodium chloride 0.9%", DefaultFinalVolume: "100 mL",
			Reconstitution: &workflow.Reconstitution{Diluent: "sterile water for injection", DiluentVolume: "19.2 mL",
				Displacement: "0.8 mL", DiluentSpecificGravity: "1",
				Reference: srcCeftriaxone + "; displacement derived from the stated about 100 mg/mL; " + waterSG, Products: waterVials},
			MaxDose:  "4 g",
			Steps:    standardSteps(true, false),
			Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage: bud.StorageRefrigerator, StabilityLimit: "10 days", StabilityReference: srcCeftriaxone,
			Notes: "never with calcium-containing solutions",
		},
		{
			Drug: "potassium chloride", Name: "potassium chloride IV additive", DosageForm: "injection, IV infusion",
			Products:       []workflow.ProductRef{{NDC: "63323-965-10"}, {NDC: "0409-6635-01"}},
			Diluents:       append(append([]workflow.ProductRef{}, nsBags...), d5wBags...),
			DefaultDiluent: "sodium chloride 0.9%", DefaultFinalVolume: "100 mL",
			MaxDose: "40 mEq", MaxConcentration: "0.4 mEq/mL",
			Steps:    standardSteps(false, false),
			Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage: bud.StorageRoom,
			Notes:   "concentrate: must be diluted; no stability entry in the formulary, so the category limit applies",
		},
		{
			Drug: "heparin", Name: "heparin continuous infusion", DosageForm: "injection, IV infusion",
			Products:       []workflow.ProductRef{{NDC: "0409-2720-02"}},
			Diluents:       append(append([]workflow.ProductRef{}, d5wBags...), nsBags...),
			DefaultDiluent: "dextrose 5%", DefaultFinalVolume: "250 mL",
			MaxDose:  "50000 units",
			Steps:    standardSteps(false, false),
			Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage: bud.StorageRoom,
			Notes:   "multiple-dose vials: opened vials are tracked for 28 days",
		},
		{
			Drug: "cyclophosphamide", Name: "cyclophosphamide IV infusion", DosageForm: "injection, IV infusion",
			Products:       []workflow.ProductRef{{NDC: "0781-3529-10"}},
			Diluents:       append(append([]workflow.ProductRef{}, nsBags...), d5wBags...),
			DefaultDiluent: "sodium chloride 0.9%", DefaultFinalVolume: "250 mL",
			MaxDose: "2 g",
			Steps: []workflow.StepTemplate{
				{ID: "scan-bag", Kind: workflow.StepScanDiluent},
				{ID: "scan-vial", Kind: workflow.StepScanVial},
				{ID: "draw", Kind: workflow.StepDraw, Instruction: ""},
				{ID: "inject", Kind: workflow.StepInject},
				{ID: "inspect", Kind: workflow.StepInspect},
			},
			Category: bud.Category2, Method: bud.MethodAseptic, StartingComponents: bud.StartingSterile,
			Storage:   bud.StorageRefrigerator,
			Hazardous: true,
			Handling: "NIOSH Table 1: prepare in a containment hood (BSC or CACI) in a negative-pressure room; " +
				"closed-system transfer device; two pairs of chemotherapy gloves and a gown",
		},
	}
}

// seedRecipes stores the demo recipes, written by the demo admin and
// approved by the demo pharmacist pharm1.
func seedRecipes(ctx context.Context, st *store.Store, now time.Time) error {
	admin, _ := st.UserIDByName(ctx, "admin1")
	pharmacist, _ := st.UserIDByName(ctx, "pharm1")
	svc := compounding.New(st, time.UTC)
	for _, r := range DemoRecipes() {
		d, err := svc.CreateRecipe(ctx, r, admin, now, nil)
		if err != nil {
			return fmt.Errorf("recipe %s: %w", r.Drug, err)
		}
		if _, err := svc.ApproveRecipe(ctx, d.Value.ID, pharmacist, now, nil); err != nil {
			return fmt.Errorf("approve recipe %s: %w", r.Drug, err)
		}
	}
	return nil
}
