package seed

import (
	"bufio"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
)

// countRows counts the data lines of an embedded TSV.
func countRows(t *testing.T, name string) int {
	t.Helper()
	b, err := formularyData.ReadFile("data/" + name)
	if err != nil {
		t.Fatal(err)
	}
	n := -1 // the header
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			n++
		}
	}
	return n
}

func demo(t *testing.T) *DemoFormulary {
	t.Helper()
	df, err := LoadDemoFormulary()
	if err != nil {
		t.Fatal(err)
	}
	return df
}

func productByNDC(t *testing.T, df *DemoFormulary, ndc string) *formulary.Product {
	t.Helper()
	for _, p := range df.Products {
		if p.Package.NDC == ndc {
			return p
		}
	}
	t.Fatalf("no product %s", ndc)
	return nil
}

func same(q *calc.Quantity, want string) bool {
	if q == nil {
		return want == ""
	}
	c, err := q.Cmp(calc.MustParse(want))
	return err == nil && c == 0
}

func TestDemoFormularyLoadsEveryRow(t *testing.T) {
	df := demo(t)
	products := countRows(t, productsFile) + countRows(t, localFile)
	if products != 62 || len(df.Products) != products {
		t.Fatalf("%d products loaded from %d rows (61 + 1 local expected)", len(df.Products), products)
	}
	units := 0
	for _, p := range df.Products {
		units += len(p.Units)
	}
	if extra := countRows(t, extraFile); extra != 61 || units != 30 {
		t.Fatalf("extra rows %d, unit NDCs %d", extra, units)
	}
	// Every stability row gives at least one entry.
	if rows := countRows(t, stabilityFile); rows != 43 || len(df.Stability) < rows {
		t.Fatalf("%d stability entries from %d rows", len(df.Stability), rows)
	}
}

// The values not loaded as written are exactly these, each with its reason.
func TestDemoFormularyIssues(t *testing.T) {
	df := demo(t)
	want := []string{
		"formulary_products.tsv line 23 (0409-6635-01) strength: stored the label strength 2 mEq/mL; the listing states 149 mg/mL",
		"formulary_products.tsv line 27 (0143-9180-25) strength: stored the label strength 100 mg/mL; the listing states 98 mg/mL",
		"formulary_products.tsv line 60 (63323-185-10) strength: no drug strength stored",
		"formulary_products.tsv line 61 (0143-9339-12) strength: no drug strength stored",
		"formulary_reconstitution_stability.tsv line 23 (acyclovir) stability_after_reconstitution_fridge: no hold time stated",
		"formulary_reconstitution_stability.tsv line 24 (acyclovir) stability_after_reconstitution_fridge: no hold time stated",
		"formulary_reconstitution_stability.tsv line 28 (pantoprazole) stability_after_reconstitution_room: no hold time stated",
		"formulary_reconstitution_stability.tsv line 28 (pantoprazole) stability_after_reconstitution_fridge: no hold time stated",
	}
	if len(df.Issues) != len(want) {
		for _, is := range df.Issues {
			t.Log(is)
		}
		t.Fatalf("%d issues, want %d", len(df.Issues), len(want))
	}
	for i, w := range want {
		if got := df.Issues[i].String(); !strings.HasPrefix(got, w) {
			t.Errorf("issue %d:\n got %s\nwant %s...", i, got, w)
		}
	}
}

func TestDemoFormularyTraps(t *testing.T) {
	df := demo(t)
	productListingTraps(t, df)
	formularyWideTraps(t, df)
}

// productListingTraps: named products whose listings are easy to misread.
func productListingTraps(t *testing.T, df *DemoFormulary) {
	t.Run("gentamicin 80 mg/2 mL: single-dose at Hospira, multiple-dose at Eugia", func(t *testing.T) {
		h, e := productByNDC(t, df, "0409-1207-03"), productByNDC(t, df, "55150-402-25")
		if h.Container != formulary.SingleDose || e.Container != formulary.MultipleDose {
			t.Fatalf("Hospira %s, Eugia %s", h.Container, e.Container)
		}
		for _, p := range []*formulary.Product{h, e} {
			if !same(p.Strength, "40 mg/mL") || !same(p.Volume, "2 mL") || !same(p.AmountPerContainer(), "80 mg") {
				t.Fatalf("%s: %v × %v", p.Package.NDC, p.Strength, p.Volume)
			}
		}
	})
	t.Run("heparin 5,000 units/mL and vasopressin come in 1 mL multiple-dose vials", func(t *testing.T) {
		for _, ndc := range []string{"72603-456-25", "55150-370-25"} {
			p := productByNDC(t, df, ndc)
			if p.Container != formulary.MultipleDose || !same(p.Volume, "1 mL") {
				t.Fatalf("%s: %s %v", ndc, p.Container, p.Volume)
			}
		}
		if p := productByNDC(t, df, "72603-456-25"); !same(p.Strength, "5000 units/mL") {
			t.Fatalf("heparin strength %v", p.Strength)
		}
	})
	t.Run("KCl is 2 mEq/mL at both labelers, not Hospira's 149 mg/mL", func(t *testing.T) {
		for _, ndc := range []string{"63323-965-10", "0409-6635-01"} {
			p := productByNDC(t, df, ndc)
			if p.Strength == nil || p.Strength.String() != "2 mEq/mL" {
				t.Fatalf("%s: %v", ndc, p.Strength)
			}
		}
		if p := productByNDC(t, df, "0409-6635-01"); !strings.Contains(p.StrengthText, "149 mg/mL") {
			t.Fatalf("the listing's wording is lost: %q", p.StrengthText)
		}
	})
	t.Run("cyclophosphamide solution has no reconstitution; the powder has", func(t *testing.T) {
		sol, pow := productByNDC(t, df, "0781-3529-10"), productByNDC(t, df, "70436-105-80")
		if sol.IsPowder() || len(sol.Reconstitutions) != 0 || !same(sol.Strength, "100 mg/mL") {
			t.Fatalf("solution: powder %v, %d reconstitutions, %v", sol.IsPowder(), len(sol.Reconstitutions), sol.Strength)
		}
		if !pow.IsPowder() || len(pow.Reconstitutions) != 1 || !same(&pow.Reconstitutions[0].DiluentVolume, "25 mL") {
			t.Fatalf("powder: %+v", pow.Reconstitutions)
		}
		if sol.Drug.Hazard != formulary.HazardTable1 || pow.Drug.Hazard != formulary.HazardTable1 {
			t.Fatal("cyclophosphamide is NIOSH table 1")
		}
	})
	t.Run("protein-bound paclitaxel is a different drug from paclitaxel", func(t *testing.T) {
		pb, conv := productByNDC(t, df, "67457-937-50"), productByNDC(t, df, "63323-763-50")
		if pb.Drug.Name != "paclitaxel protein-bound" || conv.Drug.Name != "paclitaxel" {
			t.Fatalf("names %q and %q", pb.Drug.Name, conv.Drug.Name)
		}
		if !same(pb.Strength, "100 mg") || !same(pb.ReconstitutedVolume, "20 mL") || pb.Concentration() != nil {
			t.Fatalf("100 mg/20 mL powder read as %v / %v / concentration %v", pb.Strength, pb.ReconstitutedVolume, pb.Concentration())
		}
		if len(pb.Reconstitutions) != 0 || conv.Storage != "" && len(conv.Reconstitutions) != 0 {
			t.Fatal("paclitaxel concentrate directions leaked onto the protein-bound powder")
		}
		if pb.Drug.Hazard != formulary.HazardTable1 {
			t.Fatal("protein-bound paclitaxel is hazardous too")
		}
	})
}

// formularyWideTraps: powders, reconstitution and displacement, specific
// gravity, hazards, stability and NDCs across the demo data.
func formularyWideTraps(t *testing.T, df *DemoFormulary) {
	t.Run("powders are amounts, never the listing's per-volume concentration", func(t *testing.T) {
		for _, p := range df.Products {
			if p.IsPowder() && (p.Strength == nil || formulary.IsConcentration(*p.Strength) || p.Volume != nil) {
				t.Errorf("%s: strength %v volume %v", p.Package.NDC, p.Strength, p.Volume)
			}
		}
	})
	t.Run("reconstitution and displacement from the stability file", func(t *testing.T) {
		tests := []struct {
			ndc, diluent, displacement string
			n                          int
		}{
			{"60505-6243-4", "2.5 mL", "0.5 mL", 1},
			{"60505-6157-4", "15 mL", "1.7 mL", 1},
			{"70121-1453-7", "20 mL", "0 mL", 1},
			{"63323-389-10", "3.4 mL", "0.6 mL", 1}, // Fresenius's 3.4 mL, not Sandoz's 3.5 mL
			{"0409-7336-04", "19.2 mL", "", 1},      // no available volume: displacement unknown
			{"0143-9261-10", "45 mL", "6 mL", 2},    // two concentrations for the bulk vial
			{"55150-206-99", "95 mL", "", 1},
		}
		for _, tc := range tests {
			p := productByNDC(t, df, tc.ndc)
			if len(p.Reconstitutions) != tc.n {
				t.Fatalf("%s: %d directions, want %d", tc.ndc, len(p.Reconstitutions), tc.n)
			}
			r := p.Reconstitutions[0]
			if !same(&r.DiluentVolume, tc.diluent) || !same(r.Displacement(), tc.displacement) {
				t.Errorf("%s: diluent %v displacement %v, want %s / %s", tc.ndc, r.DiluentVolume, r.Displacement(), tc.diluent, tc.displacement)
			}
		}
	})
	t.Run("specific gravity is never assumed", func(t *testing.T) {
		for _, p := range df.Products {
			if p.SpecificGravity != nil {
				t.Errorf("%s has specific gravity %s", p.Package.NDC, p.SpecificGravity)
			}
		}
	})
	t.Run("only the six antineoplastics (and the protein-bound form) are hazardous", func(t *testing.T) {
		haz := map[string]bool{}
		for _, p := range df.Products {
			if p.Drug.Hazard.Hazardous() {
				haz[p.Drug.Name] = true
			}
		}
		if len(haz) != 7 || !haz["cisplatin"] || !haz["carboplatin"] || !haz["cyclophosphamide"] || !haz["methotrexate"] || !haz["fluorouracil"] || !haz["paclitaxel"] || !haz["paclitaxel protein-bound"] {
			t.Fatalf("hazardous drugs %v", haz)
		}
	})
	t.Run("stability: hold times in hours, texts kept, none invented", func(t *testing.T) {
		var cefRoom, meroRoom, acyFridge *formulary.StabilityEntry
		for i, e := range df.Stability {
			switch {
			case e.Drug.Name == "cefazolin" && e.Presentation == "1 g single-dose vial" && e.Storage == formulary.StorageRoom:
				cefRoom = &df.Stability[i]
			case e.Drug.Name == "meropenem" && strings.HasPrefix(e.Presentation, "1 g") && e.Storage == formulary.StorageRoom:
				meroRoom = &df.Stability[i]
			case e.Drug.Name == "acyclovir" && strings.HasPrefix(e.Presentation, "500 mg") && e.Storage == formulary.StorageRefrigerator:
				acyFridge = &df.Stability[i]
			}
			if e.Phase == formulary.PhaseDiluted && e.LimitHours != nil {
				t.Errorf("a dilution text became a limit: %+v", e)
			}
		}
		if cefRoom == nil || cefRoom.LimitHours.String() != "24" {
			t.Fatalf("cefazolin room: %+v", cefRoom)
		}
		if meroRoom == nil || meroRoom.LimitHours.String() != "3" || !strings.Contains(meroRoom.Note, "older wording: 2 h") {
			t.Fatalf("meropenem takes the current 3 h and keeps the older wording: %+v", meroRoom)
		}
		if acyFridge == nil || acyFridge.LimitHours != nil || !strings.Contains(acyFridge.Note, "do not refrigerate") {
			t.Fatalf("acyclovir fridge: %+v", acyFridge)
		}
	})
	t.Run("unit-of-use NDCs are distinct from package NDCs", func(t *testing.T) {
		seen := map[string]string{}
		for _, p := range df.Products {
			for _, c := range p.Codes() {
				if other, dup := seen[c.NDC10]; dup {
					t.Fatalf("NDC %s on %s and %s", c.NDC, other, p.Package.NDC)
				}
				seen[c.NDC10] = p.Package.NDC
			}
		}
	})
}
