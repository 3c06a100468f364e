package formulary_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
)

func fieldOf(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Field
	}
	return ""
}

func codeOf(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.CodeOrKind()
	}
	return ""
}

func qeq(q *calc.Quantity, want string) bool {
	if want == "" {
		return q == nil
	}
	if q == nil {
		return false
	}
	c, err := q.Cmp(calc.MustParse(want))
	return err == nil && c == 0 && q.Unit == calc.MustParse(want).Unit
}

func TestParseStrength(t *testing.T) {
	t.Parallel()
	const solution, powder = "injection, solution", "injection, powder, for solution"
	tests := []struct {
		text, form           string
		strength, recon, vol string
		errCode              string
	}{
		{"1 g", powder, "1 g", "", "", ""},
		{"3.375 g (piperacillin 3 g, tazobactam 0.375 g)", powder, "3.375 g", "", "", ""},
		{"3.375 g/15 mL", powder, "3.375 g", "15 mL", "", ""},
		{"100 mg/20 mL", "injection, powder, lyophilized, for suspension", "100 mg", "20 mL", "", ""},
		{"40 mg/mL (80 mg/2 mL)", solution, "40 mg/mL", "", "", ""},
		{"2 mEq/mL", solution, "2 mEq/mL", "", "", ""},
		{"2 mEq/mL (listed as 149 mg/mL)", solution, "2 mEq/mL", "", "", ""},
		{"1,000 USP units/mL", solution, "1000 units/mL", "", "", ""},
		{"100 mg/mL (1,000 mg/10 mL)", solution, "100 mg/mL", "", "", ""},
		{"50% (500 mg/mL)", solution, "500 mg/mL", "", "", ""},
		{"10% (listed 98 mg/mL)", solution, "100 mg/mL", "", "", ""},
		{"0.9% (900 mg/100 mL)", solution, "9 mg/mL", "", "", ""},
		{"0.9% (9 mg/mL) with benzyl alcohol", solution, "9 mg/mL", "", "", ""},
		{"25 mg/mL (1 g/40 mL), preservative-free", solution, "25 mg/mL", "", "", ""},
		{"1 g/50 mL", "injection, solution (frozen premix)", "20 mg/mL", "", "50 mL", ""},
		{"50 mcg/mL", solution, "50 mcg/mL", "", "", ""},
		{"100% (1 mL/mL)", solution, "", "", "", formulary.CodeNoActiveIngredient},
		{"40 mg/mL (80 mg/4 mL)", solution, "", "", "", "invalid"},
		{"40 mg/mL", powder, "", "", "", "invalid"},
		{"2 mL", solution, "", "", "", "invalid"},
		{"", solution, "", "", "", "invalid"},
		{"a lot", solution, "", "", "", "invalid"},
		{"0 mg/mL", solution, "", "", "", "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			ls, err := formulary.ParseStrength(tc.text, tc.form)
			if tc.errCode != "" {
				if codeOf(err) != tc.errCode || fieldOf(err) != "strength" {
					t.Fatalf("err = %v (code %q, field %q), want code %s on strength", err, codeOf(err), fieldOf(err), tc.errCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !qeq(ls.Strength, tc.strength) || !qeq(ls.ReconstitutedVolume, tc.recon) || !qeq(ls.Volume, tc.vol) {
				t.Fatalf("got strength %v recon %v volume %v; want %s / %s / %s", ls.Strength, ls.ReconstitutedVolume, ls.Volume, tc.strength, tc.recon, tc.vol)
			}
		})
	}
}

func TestParseHoldTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text  string
		hours string // "" = no hold time
	}{
		{"24 h", "24"},
		{"10 days (5 °C)", "240"},
		{"2 days", "48"},
		{"3 h at up to 25 °C (older wording: 2 h at 15-25 °C)", "3"},
		{"use within 12 h", "12"},
		{"use IM/IV injections within 1 h of preparation", "1"},
		{"24 h (in the original vial)", "24"},
		{"do not refrigerate: a precipitate forms (redissolves at room temperature)", ""},
		{"see dilution column (24 h limit counts from reconstitution)", ""},
		{"do not freeze the reconstituted solution", ""},
		{"", ""},
		{"1.5 hours", "1.5"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			h, ok := formulary.ParseHoldTime(tc.text)
			if tc.hours == "" {
				if ok {
					t.Fatalf("found %s h in a text that states no hold time", h)
				}
				return
			}
			if !ok || !h.Equal(decimal.RequireFromString(tc.hours)) {
				t.Fatalf("got %s (ok %v), want %s h", h, ok, tc.hours)
			}
		})
	}
}

func TestNewCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, ndc, ndc10, ndc11, gtin string
	}{
		{"0002-7597-01", "0002-7597-01", "0002759701", "00002759701", "00300027597010"},
		{"50242-040-62", "50242-040-62", "5024204062", "50242004062", ""},
		{"60575-4112-1", "60575-4112-1", "6057541121", "60575411201", ""},
		{"NDC 0409-1207-03", "0409-1207-03", "0409120703", "00409120703", ""},
		{"50242-0040-62", "50242-040-62", "5024204062", "50242004062", ""},
		{"60575-4112-01", "60575-4112-1", "6057541121", "60575411201", ""},
		{"060575-4112-01", "60575-4112-1", "6057541121", "60575411201", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := formulary.NewCode(formulary.CodeUnit, "ndc", tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if c.NDC != tc.ndc || c.NDC10 != tc.ndc10 || c.NDC11 != tc.ndc11 || (tc.gtin != "" && c.GTIN14 != tc.gtin) {
				t.Fatalf("got %+v", c)
			}
			if d, ok := barcode.NDC10FromGTIN(c.GTIN14); !ok || d != c.NDC10 {
				t.Fatalf("GTIN %s carries %q, want %s", c.GTIN14, d, c.NDC10)
			}
		})
	}
	// 00409-1207-03 may be 0409-1207-03 or 00409-1207-3: the billing form
	// alone cannot say, so a product's code must be given as printed.
	for _, bad := range []string{"00409-1207-03", "0409120703", "0409-1207", "04091-207-03x", "", "0409-12070-3"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := formulary.NewCode(formulary.CodePackage, "package_ndc", bad); fieldOf(err) != "package_ndc" {
				t.Fatalf("err = %v, want one on package_ndc", err)
			}
		})
	}
}

// Every NDC layout survives NDC → GTIN → NDC, and a search for any of its
// written forms finds its 10 digits.
func TestCodeRoundTripProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		digits := rapid.StringMatching(`[0-9]{10}`).Draw(t, "digits")
		shape := rapid.SampledFrom([]barcode.Shape{barcode.Shape442, barcode.Shape532, barcode.Shape541}).Draw(t, "shape")
		n := barcode.NDC{Digits: digits, Shape: shape}
		c, err := formulary.NewCode(formulary.CodePackage, "ndc", n.Format())
		if err != nil {
			t.Fatal(err)
		}
		if c.NDC10 != digits || c.NDC != n.Format() {
			t.Fatalf("%s gave %+v", n.Format(), c)
		}
		if d, ok := barcode.NDC10FromGTIN(c.GTIN14); !ok || d != digits {
			t.Fatalf("GTIN %s carries %q", c.GTIN14, d)
		}
		for _, form := range []string{c.NDC, c.NDC10, c.NDC11, c.GTIN14, c.GTIN14[2:], c.GTIN14[1:],
			c.NDC11[:5] + "-" + c.NDC11[5:9] + "-" + c.NDC11[9:]} {
			q, err := formulary.ParseQuery(form)
			if err != nil {
				t.Fatalf("query %q: %v", form, err)
			}
			found := false
			for _, d := range q.NDC10s {
				found = found || d == digits
			}
			if q.Kind != formulary.QueryCodes || !found {
				t.Fatalf("query %q = %+v, does not include %s", form, q, digits)
			}
		}
		// A billing form is padded in exactly one segment, so it names at
		// most three 10-digit codes.
		if q, _ := formulary.ParseQuery(c.NDC11); len(q.NDC10s) > 3 {
			t.Fatalf("billing %s: %d candidates", c.NDC11, len(q.NDC10s))
		}
	})
}

func TestParseQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q      string
		kind   formulary.QueryKind
		ndc10s []string
		text   string
		prefix string
		errMsg string
	}{
		{"", formulary.QueryAll, nil, "", "", ""},
		{"  CefAZolin ", formulary.QueryName, nil, "cefazolin", "", ""},
		{"sodium chloride 0.9%", formulary.QueryName, nil, "sodium chloride 0.9%", "", ""},
		{"0409-1207-03", formulary.QueryCodes, []string{"0409120703"}, "", "", ""},
		{"55150-402-25", formulary.QueryCodes, []string{"5515040225"}, "", "", ""},
		{"60505-6243-4", formulary.QueryCodes, []string{"6050562434"}, "", "", ""},
		{"00409-1207-03", formulary.QueryCodes, []string{"0409120703", "0040912073"}, "", "", ""},
		{"55150-0402-25", formulary.QueryCodes, []string{"5515040225"}, "", "", ""},
		{"60505-6243-04", formulary.QueryCodes, []string{"6050562434"}, "", "", ""},
		{"00409120703", formulary.QueryCodes, []string{"0409120703", "0040912073"}, "", "", ""},
		{"0409120703", formulary.QueryCodes, []string{"0409120703"}, "", "", ""},
		{"00300027597010", formulary.QueryCodes, []string{"0002759701"}, "", "", ""},
		{"300027597010", formulary.QueryCodes, []string{"0002759701"}, "", "", ""},
		{"0300027597010", formulary.QueryCodes, []string{"0002759701"}, "", "", ""},
		{"5030002759701" + checkDigit(t, "5030002759701"), formulary.QueryCodes, []string{"0002759701"}, "", "", ""},
		{"0409-1207", formulary.QueryCodePrefix, nil, "", "04091207", ""},
		{"0409", formulary.QueryCodePrefix, nil, "", "0409", ""},
		{"00300027597011", "", nil, "", "", "check digit"},
		{"4006381333931", "", nil, "", "", "US NDC"},
		{"12", "", nil, "", "", "at least 3"},
		{"1-2-3-4", "", nil, "", "", "three hyphen"},
		{"0409-12070-3", "", nil, "", "", "segments"},
		{strings.Repeat("a", 101), "", nil, "", "", "longer"},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			q, err := formulary.ParseQuery(tc.q)
			if tc.errMsg != "" {
				if err == nil || fieldOf(err) != "q" || !strings.Contains(err.Error(), tc.errMsg) {
					t.Fatalf("err = %v, want one on q saying %q", err, tc.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Kind != tc.kind || q.Text != tc.text || q.Prefix != tc.prefix || fmt.Sprint(q.NDC10s) != fmt.Sprint(tc.ndc10s) {
				t.Fatalf("got %+v", q)
			}
		})
	}
}

func TestDrugName(t *testing.T) {
	t.Parallel()
	tests := []struct{ generic, form, brand, want string }{
		{"PACLITAXEL", "INJECTION, POWDER, LYOPHILIZED, FOR SUSPENSION", "", "paclitaxel protein-bound"},
		{"paclitaxel", "injection, solution, concentrate", "", "paclitaxel"},
		{"Paclitaxel protein-bound particles for injectable suspension (albumin-bound)", "INJECTION, POWDER, LYOPHILIZED, FOR SUSPENSION", "Abraxane", "paclitaxel protein-bound particles for injectable suspension (albumin-bound)"},
		{"Doxorubicin Hydrochloride", "INJECTION, SUSPENSION, LIPOSOMAL", "", "doxorubicin hydrochloride liposomal"},
		{"Amphotericin B", "INJECTION, POWDER, LYOPHILIZED, FOR SUSPENSION", "AmBisome liposome", "amphotericin b liposomal"},
		{"  Gentamicin   Sulfate ", "INJECTION, SOLUTION", "", "gentamicin sulfate"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := formulary.DrugName(tc.generic, tc.form, tc.brand); got != tc.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestInheritHazard(t *testing.T) {
	t.Parallel()
	known := []formulary.Drug{{Name: "methotrexate", Hazard: formulary.HazardTable1}, {Name: "cisplatin", Hazard: formulary.HazardTable1},
		{Name: "heparin"}, {Name: "estradiol", Hazard: formulary.HazardTable2}}
	tests := []struct {
		name string
		want formulary.Hazard
	}{
		{"methotrexate sodium", formulary.HazardTable1},
		{"methotrexate", formulary.HazardTable1},
		{"cisplatinum", formulary.HazardNone},
		{"heparin sodium", formulary.HazardNone},
		{"estradiol valerate", formulary.HazardTable2},
		{"sodium chloride", formulary.HazardNone},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formulary.InheritHazard(tc.name, known); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func mustCode(t testing.TB, kind formulary.CodeKind, ndc string) formulary.Code {
	t.Helper()
	c, err := formulary.NewCode(kind, "ndc", ndc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func qp(s string) *calc.Quantity {
	q := calc.MustParse(s)
	return &q
}

func validProduct(t testing.TB) *formulary.Product {
	return &formulary.Product{
		Drug:    formulary.Drug{Name: "cefazolin", TallMan: "ceFAZolin"},
		Package: mustCode(t, formulary.CodePackage, "60505-6243-4"), Units: []formulary.Code{mustCode(t, formulary.CodeUnit, "60505-6243-0")},
		Labeler: "Apotex Corp.", DosageForm: "injection, powder, for solution", Strength: qp("1 g"),
		Container: formulary.SingleDose, Source: formulary.SourceCurated, Active: true,
		Reconstitutions: []formulary.Reconstitution{{Diluent: "sterile water", DiluentVolume: calc.MustParse("2.5 mL"), AvailableVolume: qp("3 mL")}},
	}
}

func TestProductValidate(t *testing.T) {
	t.Parallel()
	sg := decimal.RequireFromString("7")
	tests := []struct {
		name  string
		edit  func(p *formulary.Product)
		field string
	}{
		{"valid", func(p *formulary.Product) {}, ""},
		{"no drug", func(p *formulary.Product) { p.Drug.Name = "" }, "drug"},
		{"tall man of another name", func(p *formulary.Product) { p.Drug.TallMan = "cefTRIAXone" }, "tall_man"},
		{"bad hazard", func(p *formulary.Product) { p.Drug.Hazard = "table3" }, "hazard"},
		{"no package", func(p *formulary.Product) { p.Package = formulary.Code{} }, "package_ndc"},
		{"unit repeats package", func(p *formulary.Product) {
			p.Units = []formulary.Code{{Kind: formulary.CodeUnit, NDC: p.Package.NDC, NDC10: p.Package.NDC10}}
		}, "unit_ndcs[0]"},
		{"no labeler", func(p *formulary.Product) { p.Labeler = " " }, "labeler"},
		{"no form", func(p *formulary.Product) { p.DosageForm = "" }, "dosage_form"},
		{"powder as concentration", func(p *formulary.Product) { p.Strength = qp("200 mg/mL") }, "strength"},
		{"solution given a volume as strength", func(p *formulary.Product) {
			p.DosageForm, p.Reconstitutions, p.Strength = "injection, solution", nil, qp("10 mL")
		}, "strength"},
		{"solution with reconstituted volume", func(p *formulary.Product) {
			p.DosageForm, p.Reconstitutions, p.Strength, p.ReconstitutedVolume = "injection, solution", nil, qp("2 mg/mL"), qp("10 mL")
		}, "reconstituted_volume"},
		{"volume in mg", func(p *formulary.Product) { p.Volume = qp("10 mg") }, "volume"},
		{"container missing on a curated product", func(p *formulary.Product) { p.Container = "" }, "container"},
		{"container missing on an import is allowed", func(p *formulary.Product) { p.Container, p.Source = "", formulary.SourceFDA }, ""},
		{"bad container", func(p *formulary.Product) { p.Container = "syringe" }, "container"},
		{"implausible specific gravity", func(p *formulary.Product) { p.SpecificGravity = &sg }, "specific_gravity"},
		{"available below diluent", func(p *formulary.Product) { p.Reconstitutions[0].AvailableVolume = qp("2 mL") }, "reconstitution[0].available_volume"},
		{"no diluent", func(p *formulary.Product) { p.Reconstitutions[0].Diluent = "" }, "reconstitution[0].diluent"},
		{"reconstituting a solution", func(p *formulary.Product) { p.DosageForm, p.Strength = "injection, solution", qp("2 mg/mL") }, "reconstitution[0]"},
		{"bad source", func(p *formulary.Product) { p.Source = "web" }, "source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProduct(t)
			tc.edit(p)
			err := p.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if fieldOf(err) != tc.field || apperr.KindOf(err) != apperr.Invalid {
				t.Fatalf("err = %v (field %q), want an invalid %s", err, fieldOf(err), tc.field)
			}
		})
	}
}

func TestProductQuantities(t *testing.T) {
	t.Parallel()
	p := validProduct(t)
	if d := p.Reconstitutions[0].Displacement(); !qeq(d, "0.5 mL") {
		t.Errorf("cefazolin 1 g displacement %v, want 0.5 mL (3 mL available − 2.5 mL diluent)", d)
	}
	if p.Concentration() != nil || !qeq(p.AmountPerContainer(), "1 g") {
		t.Errorf("powder: concentration %v amount %v", p.Concentration(), p.AmountPerContainer())
	}
	kcl := &formulary.Product{DosageForm: "injection, solution, concentrate", Strength: qp("2 mEq/mL"), Volume: qp("10 mL")}
	if !qeq(kcl.Concentration(), "2 mEq/mL") || !qeq(kcl.AmountPerContainer(), "20 mEq") {
		t.Errorf("KCl: concentration %v amount %v", kcl.Concentration(), kcl.AmountPerContainer())
	}
	water := &formulary.Product{DosageForm: "injection, solution", Volume: qp("10 mL")}
	if water.AmountPerContainer() != nil || water.Concentration() != nil {
		t.Error("a vehicle has no amount")
	}
}

func TestProductInput(t *testing.T) {
	t.Parallel()
	in := formulary.ProductInput{Drug: " Potassium  Chloride", PackageNDC: "63323-965-10", UnitNDCs: []string{"63323-965-03"},
		Labeler: "Fresenius Kabi USA, LLC", DosageForm: "Injection, Solution, Concentrate", Strength: "2 mEq/mL", Volume: "10 mL",
		Container: "single_dose", SpecificGravity: "1.02", Hazard: "none"}
	p, err := in.Product()
	if err != nil {
		t.Fatal(err)
	}
	if p.Drug.Name != "potassium chloride" || p.DosageForm != "injection, solution, concentrate" || !p.Active || p.StrengthText != "2 mEq/mL" ||
		p.SpecificGravity.String() != "1.02" || len(p.Units) != 1 || p.Source != formulary.SourceCurated {
		t.Fatalf("got %+v", p)
	}
	bad := []struct {
		edit  func(*formulary.ProductInput)
		field string
	}{
		{func(i *formulary.ProductInput) { i.PackageNDC = "6332396510" }, "package_ndc"},
		{func(i *formulary.ProductInput) { i.UnitNDCs = []string{"x"} }, "unit_ndcs[0]"},
		{func(i *formulary.ProductInput) { i.Strength = "two mEq per mL" }, "strength"},
		{func(i *formulary.ProductInput) { i.Volume = "ten mL" }, "volume"},
		{func(i *formulary.ProductInput) { i.SpecificGravity = "1,02" }, "specific_gravity"},
		{func(i *formulary.ProductInput) { i.Hazard = "yes" }, "hazard"},
		{func(i *formulary.ProductInput) {
			i.Reconstitution = []formulary.ReconstitutionInput{{Diluent: "water", DiluentVolume: ""}}
		}, "reconstitution[0].diluent_volume"},
	}
	for i, b := range bad {
		t.Run(fmt.Sprint(i, b.field), func(t *testing.T) {
			c := in
			b.edit(&c)
			if _, err := c.Product(); fieldOf(err) != b.field {
				t.Fatalf("err = %v, want one on %s", err, b.field)
			}
		})
	}
}

func TestLotChangeValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c     formulary.LotChange
		field string
	}{
		{formulary.LotChange{ProductID: 1, Lot: "A1B2C3", Status: formulary.LotRecalled, Reason: "FDA recall Z-1234-2026"}, ""},
		{formulary.LotChange{ProductID: 1, Lot: "A1B2C3", Status: formulary.LotOK}, ""},
		{formulary.LotChange{Lot: "A1", Status: formulary.LotOK}, "product_id"},
		{formulary.LotChange{ProductID: 1, Status: formulary.LotOK}, "lot"},
		{formulary.LotChange{ProductID: 1, Lot: " A1", Status: formulary.LotOK}, "lot"},
		{formulary.LotChange{ProductID: 1, Lot: strings.Repeat("9", 21), Status: formulary.LotOK}, "lot"},
		{formulary.LotChange{ProductID: 1, Lot: "A 1", Status: formulary.LotOK}, "lot"},
		{formulary.LotChange{ProductID: 1, Lot: "A1", Status: "destroyed"}, "status"},
		{formulary.LotChange{ProductID: 1, Lot: "A1", Status: formulary.LotQuarantined}, "reason"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%+v", tc.c), func(t *testing.T) {
			err := tc.c.Validate()
			if fieldOf(err) != tc.field || (tc.field == "" && err != nil) {
				t.Fatalf("err = %v, want field %q", err, tc.field)
			}
		})
	}
}

// fakeLookup is an in-memory formulary.
type fakeLookup struct {
	products []*formulary.Product
	lots     map[string]formulary.Lot
	fail     error
}

func (f *fakeLookup) find(match func(formulary.Code) bool) (*formulary.Product, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	for _, p := range f.products {
		for _, c := range p.Codes() {
			if match(c) {
				return p, nil
			}
		}
	}
	return nil, apperr.New(apperr.NotFound, "no such product")
}

func (f *fakeLookup) ProductByGTIN(_ context.Context, g string) (*formulary.Product, error) {
	return f.find(func(c formulary.Code) bool { return c.GTIN14 == g })
}

func (f *fakeLookup) ProductByNDC10(_ context.Context, d string) (*formulary.Product, error) {
	return f.find(func(c formulary.Code) bool { return c.NDC10 == d })
}

func (f *fakeLookup) LotByNumber(_ context.Context, id int64, lot string) (*formulary.Lot, error) {
	if l, ok := f.lots[fmt.Sprint(id, "/", lot)]; ok {
		return &l, nil
	}
	return nil, apperr.New(apperr.NotFound, "no lot")
}

// dataMatrix builds scan data as a keyboard-wedge scanner types it.
func dataMatrix(gtin, yymmdd, lot, serial string) string {
	s := "]d2" + "01" + gtin + "17" + yymmdd + "10" + lot
	if serial != "" {
		s += "\x1d21" + serial
	}
	return s
}

func TestResolveScan(t *testing.T) {
	t.Parallel()
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	cef := validProduct(t)
	cef.ID = 7
	inactive := validProduct(t)
	inactive.ID, inactive.Active = 8, false
	inactive.Package, inactive.Units = mustCode(t, formulary.CodePackage, "0143-9261-10"), nil
	lk := &fakeLookup{products: []*formulary.Product{cef, inactive}, lots: map[string]formulary.Lot{
		"7/RC1": {ProductID: 7, Lot: "RC1", Status: formulary.LotRecalled, Reason: "FDA recall Z-0001-2026"},
		"7/QC1": {ProductID: 7, Lot: "QC1", Status: formulary.LotQuarantined, Reason: "particulates seen"},
		"7/OK1": {ProductID: 7, Lot: "OK1", Status: formulary.LotOK, Reason: "released"},
	}}
	unit := cef.Units[0].GTIN14
	now := time.Date(2026, 11, 24, 14, 30, 0, 0, time.UTC)
	badCheck := unit[:13] + string("0123456789"[(int(unit[13]-'0')+1)%10])
	unknown := mustCode(t, formulary.CodeUnit, "0002-7597-01").GTIN14
	tests := []struct {
		name      string
		data      string
		now       time.Time
		loc       *time.Location
		requireEx bool
		code      string // refusal code, "" = accepted
		parser    string
	}{
		{"unit vial DataMatrix", dataMatrix(unit, "270531", "A1B2C3", "SN123"), now, nil, false, "", ""},
		{"package carton", dataMatrix(cef.Package.GTIN14, "270531", "A1B2C3", ""), now, nil, false, "", ""},
		{"bracketed form", "(01)" + unit + "(17)270531(10)A1B2C3", now, nil, false, "", ""},
		{"UPC-A of the vial", unit[2:], now, nil, false, "", ""},
		{"UPC-A refused when an expiry is required", unit[2:], now, nil, true, formulary.CodeBadBarcode, ""},
		{"case GTIN (indicator 5) found by its NDC", dataMatrix("5"+unit[1:13]+checkDigit(t, "5"+unit[1:13]), "270531", "A1", ""), now, nil, false, "", ""},
		{"released lot", dataMatrix(unit, "270531", "OK1", ""), now, nil, false, "", ""},
		{"bad check digit", dataMatrix(badCheck, "270531", "A1", ""), now, nil, false, formulary.CodeBadBarcode, "bad_check_digit"},
		{"bad date", dataMatrix(unit, "271331", "A1", ""), now, nil, false, formulary.CodeBadBarcode, "bad_date"},
		{"empty", "", now, nil, false, formulary.CodeBadBarcode, "no_data"},
		{"not GS1", "]d1hello", now, nil, false, formulary.CodeBadBarcode, ""},
		{"unknown product", dataMatrix(unknown, "270531", "A1", ""), now, nil, false, formulary.CodeUnknownProduct, ""},
		{"GTIN without an NDC", "(01)04006381333931(17)270531(10)A1", now, nil, false, formulary.CodeUnknownProduct, ""},
		{"inactive product", dataMatrix(inactive.Package.GTIN14, "270531", "A1", ""), now, nil, false, formulary.CodeInactiveProduct, ""},
		{"recalled lot", dataMatrix(unit, "270531", "RC1", ""), now, nil, false, formulary.CodeRecalled, ""},
		{"quarantined lot", dataMatrix(unit, "270531", "QC1", ""), now, nil, false, formulary.CodeRecalled, ""},
		{"expired yesterday", dataMatrix(unit, "261123", "A1", ""), now, nil, false, formulary.CodeExpired, ""},
		{"expires today: usable to midnight", dataMatrix(unit, "261124", "A1", ""), time.Date(2026, 11, 24, 23, 59, 59, 0, time.UTC), nil, false, "", ""},
		{"day 00 is the month's last day", dataMatrix(unit, "261100", "A1", ""), time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), nil, false, "", ""},
		{"past midnight UTC but still the day in Chicago", dataMatrix(unit, "261124", "A1", ""), time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), chicago, false, "", ""},
		{"past midnight in Chicago", dataMatrix(unit, "261124", "A1", ""), time.Date(2026, 11, 25, 6, 0, 1, 0, time.UTC), chicago, false, formulary.CodeExpired, ""},
		{"past midnight UTC without a site zone", dataMatrix(unit, "261124", "A1", ""), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), nil, false, formulary.CodeExpired, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := formulary.ResolveScan(context.Background(), lk, tc.data, formulary.ResolveOptions{Now: tc.now, Location: tc.loc, RequireExpiry: tc.requireEx})
			if tc.code != "" {
				if apperr.KindOf(err) != apperr.Refused || codeOf(err) != tc.code || fieldOf(err) != "data" {
					t.Fatalf("err = %v (code %q), want refusal %s", err, codeOf(err), tc.code)
				}
				if tc.parser != "" && (formulary.ParserCode(err) != tc.parser || !strings.Contains(err.Error(), tc.parser)) {
					t.Fatalf("parser code %q, message %q; want %s", formulary.ParserCode(err), err, tc.parser)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Product.ID != 7 || res.NDC10 != cef.Package.NDC10[:0]+res.NDC10 || res.GTIN == "" {
				t.Fatalf("resolution %+v", res)
			}
			if res.Scan.Lot != res.Lot {
				t.Fatalf("lot %q vs scan %q", res.Lot, res.Scan.Lot)
			}
		})
	}
	t.Run("accepted scan carries lot, serial and the expiry's last instant", func(t *testing.T) {
		res, err := formulary.ResolveScan(context.Background(), lk, dataMatrix(unit, "270531", "A1B2C3", "SN123"), formulary.ResolveOptions{Now: now, Location: chicago})
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2027, 5, 31, 23, 59, 59, 999999999, chicago)
		if res.Lot != "A1B2C3" || res.Serial != "SN123" || res.Expiry == nil || !res.Expiry.Equal(want) || res.NDC10 != cef.Units[0].NDC10 {
			t.Fatalf("resolution lot %q serial %q expiry %v ndc %s", res.Lot, res.Serial, res.Expiry, res.NDC10)
		}
	})
	t.Run("a storage failure is not a refusal", func(t *testing.T) {
		down := &fakeLookup{fail: apperr.New(apperr.Unavailable, "database down")}
		_, err := formulary.ResolveScan(context.Background(), down, dataMatrix(unit, "270531", "A1", ""), formulary.ResolveOptions{Now: now})
		if apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("err = %v", err)
		}
	})
}

func checkDigit(t testing.TB, body string) string {
	c, err := barcode.CheckDigit(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(c)
}

// The expiry instant is inside its day in every zone, and one nanosecond
// later is the next day.
func TestExpiryEndProperty(t *testing.T) {
	t.Parallel()
	zones := []string{"UTC", "America/Chicago", "Pacific/Auckland", "Asia/Kolkata", "America/St_Johns"}
	rapid.Check(t, func(t *rapid.T) {
		loc, err := time.LoadLocation(rapid.SampledFrom(zones).Draw(t, "zone"))
		if err != nil {
			t.Fatal(err)
		}
		d := barcode.Date{Year: rapid.IntRange(2000, 2049).Draw(t, "y"), Month: time.Month(rapid.IntRange(1, 12).Draw(t, "m")), Day: rapid.IntRange(1, 28).Draw(t, "d")}
		end := formulary.ExpiryEnd(d, loc)
		y, m, dd := end.In(loc).Date()
		if y != d.Year || m != d.Month || dd != d.Day {
			t.Fatalf("end %v is not on %s", end, d)
		}
		y, m, dd = end.Add(time.Nanosecond).In(loc).Date()
		if y == d.Year && m == d.Month && dd == d.Day {
			t.Fatalf("%v is still %s", end.Add(time.Nanosecond), d)
		}
	})
}

func TestViews(t *testing.T) {
	t.Parallel()
	p := validProduct(t)
	p.ID = 3
	p.Drug.Hazard = formulary.HazardTable1
	v := formulary.ViewOf(p)
	if v.Drug != "cefazolin" || v.DisplayName != "ceFAZolin" || v.Strength != "1 g" || v.NDC != "60505-6243-4" || v.GTIN != p.Package.GTIN14 ||
		!v.Hazardous || v.NIOSHTable != "niosh_table1" || v.SpecificGravity != nil || len(v.Codes) != 2 || v.Reconstitution[0].Displacement != "0.5 mL" || !v.Powder {
		t.Fatalf("view %+v", v)
	}
	scan, err := barcode.Parse(dataMatrix(p.Units[0].GTIN14, "270500", "L1", ""), barcode.Options{Today: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	sv := formulary.ScanViewOf(scan, time.UTC)
	if sv.Expiry != "2027-05-31" || sv.ExpiresAt != "2027-05-31T23:59:59.999999999Z" || sv.Lot != "L1" || sv.Serial != "" || sv.NDC10 != p.Units[0].NDC10 || len(sv.AIs) != 3 {
		t.Fatalf("scan view %+v", sv)
	}
}

// Parsers never panic, and what they accept is consistent.
func FuzzParseStrength(f *testing.F) {
	for _, s := range []string{"1 g", "40 mg/mL (80 mg/2 mL)", "1,000 USP units/mL", "100% (1 mL/mL)", "3.375 g/15 mL", "0.9% (9 mg/mL) with benzyl alcohol", "1:1000"} {
		f.Add(s, "injection, solution")
		f.Add(s, "injection, powder, for solution")
	}
	f.Fuzz(func(t *testing.T, text, form string) {
		ls, err := formulary.ParseStrength(text, form)
		if err != nil {
			if fieldOf(err) != "strength" {
				t.Fatalf("error %v does not name the strength", err)
			}
			return
		}
		if ls.Strength == nil || ls.Strength.Value.Sign() <= 0 {
			t.Fatalf("accepted %q with strength %v", text, ls.Strength)
		}
		if formulary.IsPowderForm(form) && formulary.IsConcentration(*ls.Strength) {
			t.Fatalf("powder %q got a concentration %s", text, ls.Strength)
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"cefazolin", "0409-1207-03", "00409120703", "00300027597010", "0409-1207", "12", "-", "1-2-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := formulary.ParseQuery(s)
		if err != nil {
			if fieldOf(err) != "q" {
				t.Fatalf("error %v does not name q", err)
			}
			return
		}
		for _, d := range q.NDC10s {
			if len(d) != 10 || strings.Trim(d, "0123456789") != "" {
				t.Fatalf("query %q gave NDC %q", s, d)
			}
		}
	})
}

func FuzzParseHoldTime(f *testing.F) {
	for _, s := range []string{"24 h", "10 days (5 °C)", "use within 12 h", "do not refrigerate"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if h, ok := formulary.ParseHoldTime(s); ok && h.Sign() < 0 {
			t.Fatalf("%q gave %s h", s, h)
		}
	})
}

func BenchmarkResolveScan(b *testing.B) {
	p := validProduct(b)
	p.ID = 7
	lk := &fakeLookup{products: []*formulary.Product{p}, lots: map[string]formulary.Lot{}}
	data := dataMatrix(p.Units[0].GTIN14, "270531", "A1B2C3", "SN1")
	opt := formulary.ResolveOptions{Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)}
	ctx := context.Background()
	for b.Loop() {
		if _, err := formulary.ResolveScan(ctx, lk, data, opt); err != nil {
			b.Fatal(err)
		}
	}
}
