package workflow

import (
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

// Products of the guard tests besides demoProducts.
func heparinStock() Product {
	return Product{ID: 20, Drug: "heparin", Strength: "10,000 units/mL", Container: bud.ContainerMultipleDose,
		Concentration: q("10000 units/mL"), Volume: q("1 mL")}
}

func heparinRecipe(dilution bool) Recipe {
	r := Recipe{ID: 9, Version: 1, Drug: "heparin", Name: "heparin flush", Products: []ProductRef{{Drug: "heparin"}},
		Steps:   []StepTemplate{{ID: "vial", Kind: StepScanVial}, {ID: "draw", Kind: StepDraw}, {ID: "inspect", Kind: StepInspect}},
		Storage: bud.StorageRoom}
	if dilution {
		r.Dilution = &Dilution{Diluent: "sodium chloride 0.9%", Concentration: "100 units/mL", Volume: "10 mL", Reference: "site protocol"}
	}
	r.Normalize()
	return r
}

func computeWith(t testing.TB, o Order, r Recipe, products []Product) (Worksheet, error) {
	t.Helper()
	_, bags := demoProducts()
	return ComputeWorksheet(WorksheetInput{Order: o, Recipe: r, Products: products, Diluents: bags, Components: components(bags),
		Rules: bud.DefaultRules(), Guards: guard.DefaultRules(), Now: t0, Location: time.UTC})
}

// wantRefusal fails unless err is a 422 with code on field whose message
// holds every sub.
func wantRefusal(t *testing.T, err error, code, field string, subs ...string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind != apperr.Refused || e.Code != code || e.Field != field {
		t.Fatalf("got %v (%+v), want 422 %s on %s", err, e, code, field)
	}
	for _, s := range subs {
		if !strings.Contains(e.Message, s) {
			t.Errorf("message %q lacks %q", e.Message, s)
		}
	}
}

// Heparin 50 units from 10,000 units/mL is 0.005 mL: "Draw 0.01 mL (exact
// 0.005 mL)" was printed. Without a dilution it is refused; with one the
// worksheet dilutes first, as a step with its own derivation.
func TestHeparinTooSmallToMeasure(t *testing.T) {
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose, o.FinalVolume, o.Diluent = "heparin", "50 units", "", "" })
	_, err := computeWith(t, o, heparinRecipe(false), []Product{heparinStock()})
	wantRefusal(t, err, CodeBelowMeasurableVolume, "dose", "0.005 mL", "0.1 mL", "names no dilution")

	ws, err := computeWith(t, o, heparinRecipe(true), []Product{heparinStock()})
	if err != nil {
		t.Fatal(err)
	}
	q := ws.Quantities
	if ws.Dilution == nil || q["dilution_stock_volume"].Value != "0.1 mL" || q["dilution_diluent_volume"].Value != "9.9 mL" ||
		q["dilution_concentration"].Value != "100 units/mL" {
		t.Fatalf("dilution %+v %+v %+v %+v", ws.Dilution, q["dilution_stock_volume"], q["dilution_diluent_volume"], q["dilution_concentration"])
	}
	if q["volume"].Value != "0.5 mL" || q["delivered_dose"].Value != "50 units" || ws.Deviation != "0%" {
		t.Errorf("draw %+v delivered %+v deviation %s", q["volume"], q["delivered_dose"], ws.Deviation)
	}
	if len(q["dilution_stock_volume"].Steps) == 0 || len(q["dilution_concentration"].Steps) == 0 {
		t.Error("the dilution has no derivation")
	}
	var kinds []string
	for _, s := range ws.Steps {
		kinds = append(kinds, string(s.Kind))
	}
	// Each draw (the stock for the dilution, then the dose) is proven by a
	// photo of its syringe: heparin is high-alert and no specific gravity is known.
	if strings.Join(kinds, ",") != "scan_vial,scan_diluent,dilute,photo,draw,photo,inspect" {
		t.Errorf("steps %v", kinds)
	}
	dil, _ := ws.Step("dilute")
	if !strings.Contains(dil.Instruction, "0.1 mL") || !strings.Contains(dil.Instruction, "9.9 mL") || dil.Expects.Syringe != "1 mL" {
		t.Errorf("dilute step %+v", dil)
	}
	if rem := q["vial_remainder"]; rem.Value != "9000 units" {
		t.Errorf("remainder %+v (10,000 units less the 1,000 units drawn for the dilution)", rem)
	}
}

// A dose capped at 3 g was capped before rounding: the worksheet drew 10 mL
// (exact 9.9 mL) from three vials holding 9.9 mL and delivered 3,030 mg.
func TestMaximumDoseAndVialContentsAfterRounding(t *testing.T) {
	r := cefazolinRecipe()
	r.MaxDose = "3 g"
	r.Reconstitution.DiluentVolume = "2.8 mL" // + 0.5 mL displacement = 3.3 mL a vial
	o := orderOf(t, func(o *OrderInput) { o.Dose = "45 mg/kg" })
	ws, err := compute(t, o, r)
	if err != nil {
		t.Fatal(err)
	}
	q := ws.Quantities
	if q["dose"].Value != "3000 mg" || q["volume"].Exact != "9.9 mL" || q["volume"].Value != "9.8 mL" {
		t.Fatalf("dose %+v volume %+v", q["dose"], q["volume"])
	}
	delivered, _ := calc.Parse(q["delivered_dose"].Value)
	if c, _ := delivered.Cmp(calc.MustParse("3 g")); c > 0 {
		t.Errorf("delivered %s is above the 3 g maximum", delivered)
	}
	if q["delivered_dose"].Display != "2,969.7 mg" {
		t.Errorf("delivered display %q", q["delivered_dose"].Display)
	}
	if !strings.Contains(strings.Join(q["volume"].Steps, "\n"), "so as not to exceed") {
		t.Errorf("volume steps do not say why it was rounded down: %v", q["volume"].Steps)
	}
	if rem := q["vial_remainder"]; !strings.HasPrefix(rem.Value, "30.3") {
		t.Errorf("remainder %+v", rem)
	}
}

func TestRoundingDeviationRefused(t *testing.T) {
	// A 10 mL syringe graduated 1 mL: 2.4 mL of KCl 2 mEq/mL becomes 2 mL.
	r := kclRecipe()
	r.Syringes = []SyringeSpec{{Capacity: "10 mL", Graduation: "1 mL"}}
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose = "potassium chloride", "4.8 mEq" })
	_, err := computeWith(t, o, r, kclProducts())
	wantRefusal(t, err, CodeRoundingDeviation, "dose", "4 mEq", "4.8 mEq", "-16.7%", "10% hard stop")
}

func kclRecipe() Recipe {
	r := Recipe{ID: 11, Version: 1, Drug: "potassium chloride", Name: "KCl additive", Products: []ProductRef{{Drug: "potassium chloride"}},
		Steps: []StepTemplate{{ID: "bag", Kind: StepScanDiluent}, {ID: "vial", Kind: StepScanVial}, {ID: "draw", Kind: StepDraw},
			{ID: "inject", Kind: StepInject}},
		Storage: bud.StorageRoom, MaxDose: "40 mEq"}
	r.Normalize()
	return r
}

func kclProducts() []Product {
	drugs, _ := demoProducts()
	return []Product{drugs[3]}
}

// KCl 40 mEq in 120 mL over 30 minutes is 80 mEq/h: held for a pharmacist.
func TestDoseRangeHold(t *testing.T) {
	o := orderOf(t, func(o *OrderInput) {
		o.Drug, o.Dose, o.FinalVolume, o.InfuseOver = "potassium chloride", "40 mEq", "100 mL", "30 min"
	})
	ws, err := computeWith(t, o, kclRecipe(), kclProducts())
	if err != nil {
		t.Fatal(err)
	}
	if ws.Quantities["total_volume"].Value != "120 mL" {
		t.Errorf("total %+v", ws.Quantities["total_volume"])
	}
	if len(ws.Holds) != 1 || ws.Holds[0].Code != guard.FindRateAboveMax || !strings.Contains(ws.Holds[0].Message, "80 mEq/h") ||
		ws.Holds[0].Source == "" {
		t.Fatalf("holds %+v", ws.Holds)
	}
	if ws.HighAlert == nil || ws.HighAlert.Category != "concentrated electrolytes" || !ws.HighAlert.DoubleCheck {
		t.Errorf("high alert %+v", ws.HighAlert)
	}
	t.Run("peripheral line", func(t *testing.T) {
		o.Line, o.InfuseOver = "peripheral", q("4 h")
		ws, err := computeWith(t, o, kclRecipe(), kclProducts())
		if err != nil {
			t.Fatal(err)
		}
		if len(ws.Holds) != 1 || ws.Holds[0].Code != guard.FindConcentrationAboveMax {
			t.Fatalf("holds %+v", ws.Holds)
		}
	})
	t.Run("within range", func(t *testing.T) {
		o.Line, o.Dose, o.InfuseOver = "", calc.MustParse("20 mEq"), q("2 h")
		ws, err := computeWith(t, o, kclRecipe(), kclProducts())
		if err != nil || len(ws.Holds) != 0 {
			t.Fatalf("%v %+v", err, ws.Holds)
		}
	})
}

// A recipe whose max_concentration had the wrong dimension passed and the
// worksheet skipped the check without a word.
func TestMaxConcentrationDimension(t *testing.T) {
	r := kclRecipe()
	r.MaxConcentration = "2 mg/mL"
	if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "max_concentration") {
		t.Fatalf("recipe accepted: %v", err)
	}
	r.MaxDose = ""
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose = "potassium chloride", "20 mEq" })
	_, err := computeWith(t, o, r, kclProducts())
	wantRefusal(t, err, "cannot_compute", "recipe.max_concentration", "2 mg/mL")
}

func TestImplausiblePatient(t *testing.T) {
	o := orderOf(t, func(o *OrderInput) { o.Patient.Weight = "680 kg" })
	_, err := compute(t, o, cefazolinRecipe())
	wantRefusal(t, err, CodeImplausibleValue, "patient.weight", "0.2–650 kg")
}

func TestHighAlertFlag(t *testing.T) {
	ws, err := compute(t, orderOf(t, nil), cefazolinRecipe())
	if err != nil || ws.HighAlert != nil {
		t.Fatalf("cefazolin flagged %+v (%v)", ws.HighAlert, err)
	}
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose, o.FinalVolume, o.Diluent = "heparin", "5000 units", "", "" })
	ws, err = computeWith(t, o, heparinRecipe(false), []Product{heparinStock()})
	if err != nil || ws.HighAlert == nil || ws.HighAlert.Category != "antithrombotic agents" {
		t.Fatalf("heparin %+v (%v)", ws.HighAlert, err)
	}
}

func TestWorksheetDisplayPrecision(t *testing.T) {
	// ceFAZolin 1 g in 3 mL is 333.333… mg/mL.
	ws, err := compute(t, orderOf(t, func(o *OrderInput) { o.Dose = "1 g" }), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	c := ws.Quantities["concentration"]
	if c.Display != "333.3 mg/mL" || !strings.HasPrefix(c.Exact, "333.33333333") {
		t.Errorf("concentration %+v", c)
	}
	fc := ws.Quantities["final_concentration"]
	if fc.Display != "9.709 mg/mL" || fc.Exact == "" {
		t.Errorf("final concentration %+v", fc)
	}
}

// The worksheet's promise, for any order the generator can make: the
// delivered dose never exceeds the recipe's maximum, never deviates beyond
// the hard stop without a refusal, and the draw never exceeds what the
// vials hold.
func TestPropertyDeliveredWithinLimits(t *testing.T) {
	g := guard.DefaultRules().CalcGuards()
	rapid.Check(t, func(rt *rapid.T) {
		kind := rapid.SampledFrom([]string{"cefazolin", "potassium chloride", "heparin"}).Draw(rt, "drug")
		var r Recipe
		var products []Product
		in := validOrder()
		in.FinalVolume, in.Diluent = "100 mL", "sodium chloride 0.9%"
		switch kind {
		case "cefazolin":
			r = cefazolinRecipe()
			r.MaxDose = rapid.SampledFrom([]string{"", "2 g", "3 g", "3.3 g"}).Draw(rt, "max")
			r.Reconstitution.DiluentVolume = rapid.SampledFrom([]string{"2.5 mL", "2.8 mL", "3.1 mL", "9.5 mL"}).Draw(rt, "recon")
			drugs, _ := demoProducts()
			products = drugs[:1]
			in.Dose = decimal.NewFromInt(int64(rapid.IntRange(1, 400).Draw(rt, "mg10"))).Mul(decimal.NewFromInt(10)).String() + " mg"
		case "potassium chloride":
			r = kclRecipe()
			products = kclProducts()
			in.Dose = decimal.New(int64(rapid.IntRange(1, 800).Draw(rt, "dmeq")), -1).String() + " mEq"
		default:
			r = heparinRecipe(rapid.Bool().Draw(rt, "dilution"))
			products = []Product{heparinStock()}
			in.FinalVolume, in.Diluent = "", ""
			in.Dose = decimal.NewFromInt(int64(rapid.IntRange(1, 100000).Draw(rt, "units"))).String() + " units"
		}
		if rapid.Bool().Draw(rt, "coarse") {
			r.Syringes = []SyringeSpec{{Capacity: "10 mL", Graduation: "1 mL"}, {Capacity: "60 mL", Graduation: "2 mL"}}
		}
		in.Drug = kind
		o, err := in.Validate(t0)
		if err != nil {
			rt.Fatalf("order invalid: %v", err)
		}
		ws, err := computeWith(t, o, r, products)
		if err != nil {
			if k := apperr.KindOf(err); k != apperr.Refused {
				rt.Fatalf("%v (%s)", err, k)
			}
			return
		}
		delivered := calc.MustParse(ws.Quantities["delivered_dose"].Value)
		if r.MaxDose != "" {
			if c, _ := delivered.Cmp(calc.MustParse(r.MaxDose)); c > 0 {
				rt.Fatalf("delivered %s above the maximum %s", delivered, r.MaxDose)
			}
		}
		want := calc.MustParse(ws.Quantities["dose"].Value)
		dev, err := calc.Deviation(want, delivered)
		if err != nil || g.DeviationLevel(dev) == 2 {
			rt.Fatalf("delivered %s for %s (%s) without a refusal", delivered, want, calc.DeviationText(dev))
		}
		drawn := calc.MustParse(ws.Quantities["volume"].Value)
		if ws.Dilution != nil {
			drawn = calc.MustParse(ws.Dilution.StockVolume)
		}
		per := products[0].Volume
		if per == nil {
			per = q(ws.Quantities["reconstituted_volume"].Value)
		}
		contents := calc.Quantity{Value: per.Value.Mul(decimal.NewFromInt(ws.Vials)), Unit: per.Unit}
		if c, _ := drawn.Cmp(contents); c > 0 {
			rt.Fatalf("drew %s from %d vials holding %s", drawn, ws.Vials, contents)
		}
		if rem := calc.MustParse(ws.Quantities["vial_remainder"].Value); rem.Value.Sign() < 0 {
			rt.Fatalf("negative remainder %s", rem)
		}
	})
}

// The label shows the delivered dose with its deviation, and the high-alert
// category.
func TestLabelShowsDeliveredDeviationAndHighAlert(t *testing.T) {
	o := orderOf(t, func(o *OrderInput) { o.Drug, o.Dose = "potassium chloride", "20 mEq" })
	ws, err := computeWith(t, o, kclRecipe(), kclProducts())
	if err != nil {
		t.Fatal(err)
	}
	l := BuildLabel(&ws, 7, 1, "tech1", "pharm1", nil, t0, time.UTC)
	page, err := l.HTML("")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"High-alert medication — concentrated electrolytes", "<dt>Delivered</dt><dd>20 mEq, 0% of 20 mEq to give</dd>"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("label lacks %q:\n%s", want, page)
		}
	}
	if _, err := l.PDF(); err != nil {
		t.Fatal(err)
	}
}
