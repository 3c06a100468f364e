package ndcdir_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/ndcdir"
)

var today = time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)

func goodFiles(t testing.TB) (product, pkg string) {
	t.Helper()
	p, err := os.ReadFile("testdata/good/product.txt")
	if err != nil {
		t.Fatal(err)
	}
	k, err := os.ReadFile("testdata/good/package.txt")
	if err != nil {
		t.Fatal(err)
	}
	return string(p), string(k)
}

func mapFS(product, pkg string) fstest.MapFS {
	return fstest.MapFS{"product.txt": {Data: []byte(product)}, "package.txt": {Data: []byte(pkg)}}
}

func byNDC(t *testing.T, ps []*formulary.Product, ndc string) *formulary.Product {
	t.Helper()
	for _, p := range ps {
		if p.Package.NDC == ndc {
			return p
		}
	}
	t.Fatalf("no product with package NDC %s", ndc)
	return nil
}

func eq(t *testing.T, what string, got *calc.Quantity, want string) {
	t.Helper()
	if want == "" {
		if got != nil {
			t.Errorf("%s = %s, want none", what, got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s = none, want %s", what, want)
		return
	}
	if c, err := got.Cmp(calc.MustParse(want)); err != nil || c != 0 {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

func TestLoadInjectables(t *testing.T) {
	t.Parallel()
	res, err := ndcdir.Load(os.DirFS("testdata/good"), ndcdir.Options{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Report
	if r.ProductLines != 6 || r.PackageLines != 9 {
		t.Errorf("lines read %d/%d, want 6/9", r.ProductLines, r.PackageLines)
	}
	if r.Products != 6 || len(res.Products) != 6 || r.NotInjectable != 1 || r.Samples != 1 || r.Duplicates != 1 || r.NoProduct != 1 || r.Ended != 1 {
		t.Errorf("report %+v", r)
	}
	t.Run("gentamicin: solution with its vial NDC", func(t *testing.T) {
		p := byNDC(t, res.Products, "0409-1207-03")
		if p.Drug.Name != "gentamicin sulfate" || p.Container != formulary.SingleDose || p.Source != formulary.SourceFDA || !p.Active {
			t.Errorf("product %+v", p)
		}
		eq(t, "strength", p.Strength, "40 mg/mL")
		eq(t, "volume", p.Volume, "2 mL")
		if len(p.Units) != 1 || p.Units[0].NDC != "0409-1207-13" || p.Units[0].GTIN14 != "00304091207134" {
			t.Errorf("units %+v", p.Units)
		}
	})
	t.Run("piperacillin-tazobactam: per reconstituted volume is not a concentration", func(t *testing.T) {
		p := byNDC(t, res.Products, "60505-6157-4")
		eq(t, "strength", p.Strength, "3.375 g")
		eq(t, "reconstituted volume", p.ReconstitutedVolume, "15 mL")
		eq(t, "volume", p.Volume, "")
		if p.Concentration() != nil {
			t.Errorf("a powder got a concentration %s", p.Concentration())
		}
		if p.StrengthText != "3 g/15mL; 0.375 g/15mL" {
			t.Errorf("strength text %q", p.StrengthText)
		}
	})
	t.Run("protein-bound paclitaxel is its own drug", func(t *testing.T) {
		p := byNDC(t, res.Products, "67457-937-50")
		if p.Drug.Name != "paclitaxel protein-bound" {
			t.Errorf("drug %q", p.Drug.Name)
		}
		eq(t, "strength", p.Strength, "100 mg")
		eq(t, "reconstituted volume", p.ReconstitutedVolume, "20 mL")
	})
	t.Run("ended marketing is imported inactive", func(t *testing.T) {
		if p := byNDC(t, res.Products, "0409-6635-02"); p.Active {
			t.Error("a package that ended marketing in 2025 is active")
		}
		if p := byNDC(t, res.Products, "0409-6635-01"); !p.Active {
			t.Error("a marketed package is inactive")
		}
	})
	t.Run("duplicate package: the first wins", func(t *testing.T) {
		p := byNDC(t, res.Products, "0641-6127-25")
		if p.MarketingStart == nil || p.MarketingStart.Format("20060102") != "20150603" {
			t.Errorf("start %v", p.MarketingStart)
		}
		if !strings.Contains(p.Note, "DEA schedule CII") {
			t.Errorf("note %q", p.Note)
		}
	})
}

func TestLoadAll(t *testing.T) {
	t.Parallel()
	res, err := ndcdir.Load(os.DirFS("testdata/good"), ndcdir.Options{All: true, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Products != 7 || res.Report.NotInjectable != 0 {
		t.Fatalf("report %+v", res.Report)
	}
	p := byNDC(t, res.Products, "0143-9281-30")
	eq(t, "strength", p.Strength, "4 mg")
	if p.Container != formulary.ContainerUnknown || res.Report.ContainerUnknown != 1 {
		t.Errorf("a bottle got container %q (unknown count %d)", p.Container, res.Report.ContainerUnknown)
	}
}

// replaceField replaces field col (0-based) of line n (1-based) of a TSV.
func replaceField(t *testing.T, file string, n, col int, value string) string {
	t.Helper()
	lines := strings.Split(file, "\r\n")
	f := strings.Split(lines[n-1], "\t")
	f[col] = value
	lines[n-1] = strings.Join(f, "\t")
	return strings.Join(lines, "\r\n")
}

func colOf(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	panic(name)
}

func TestLoadMalformedNamesFileLineField(t *testing.T) {
	t.Parallel()
	prod, pkg := goodFiles(t)
	pc := func(name string) int { return colOf(ndcdir.ProductColumns, name) }
	kc := func(name string) int { return colOf(ndcdir.PackageColumns, name) }
	lines := strings.Split(pkg, "\r\n")
	tests := []struct {
		name             string
		product, pkg     string
		file             string
		line             int
		field, inMessage string
	}{
		{"product NDC without hyphen", replaceField(t, prod, 3, pc("PRODUCTNDC"), "605056157"), pkg, "product.txt", 3, "PRODUCTNDC", "labeler-product"},
		{"bad start date", replaceField(t, prod, 2, pc("STARTMARKETINGDATE"), "2005-08-29"), pkg, "product.txt", 2, "STARTMARKETINGDATE", "YYYYMMDD"},
		{"strengths and units do not pair", replaceField(t, prod, 3, pc("ACTIVE_INGRED_UNIT"), "g/15mL"), pkg, "product.txt", 3, "ACTIVE_INGRED_UNIT", "pair"},
		{"strength not a number", replaceField(t, prod, 5, pc("ACTIVE_NUMERATOR_STRENGTH"), "1,49"), pkg, "product.txt", 5, "ACTIVE_NUMERATOR_STRENGTH", "not a number"},
		{"no labeler", replaceField(t, prod, 7, pc("LABELERNAME"), ""), pkg, "product.txt", 7, "LABELERNAME", "required"},
		{"a tab too many", strings.Replace(prod, "Hospira, Inc.\t", "Hospira,\tInc.\t", 1), pkg, "product.txt", 2, "", "fields, the header has"},
		{"missing header column", strings.Replace(prod, "DOSAGEFORMNAME", "DOSAGE_FORM", 1), pkg, "product.txt", 1, "DOSAGEFORMNAME", "no such column"},
		{"package of another product", prod, replaceField(t, pkg, 2, kc("NDCPACKAGECODE"), "0409-1208-03"), "package.txt", 2, "NDCPACKAGECODE", "does not belong"},
		{"package NDC of 9 digits", prod, replaceField(t, replaceField(t, pkg, 3, kc("NDCPACKAGECODE"), "60505-615-4"), 3, kc("PRODUCTNDC"), "60505-615"), "package.txt", 3, "NDCPACKAGECODE", ""},
		{"sample flag", prod, replaceField(t, pkg, 4, kc("SAMPLE_PACKAGE"), "yes"), "package.txt", 4, "SAMPLE_PACKAGE", "Y or N"},
		{"bad end date on the last line", prod, replaceField(t, pkg, len(lines)-1, kc("ENDMARKETINGDATE"), "20251340"), "package.txt", len(lines) - 1, "ENDMARKETINGDATE", "YYYYMMDD"},
		{"control character", prod, strings.Replace(pkg, "25 VIAL, SINGLE-DOSE in 1 TRAY (0409-1207-03)", "25 VIAL\x01", 1), "package.txt", 2, "PACKAGEDESCRIPTION", "control character"},
		{"empty package file", prod, "", "package.txt", 1, "", "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := ndcdir.Load(mapFS(tc.product, tc.pkg), ndcdir.Options{Today: today})
			if err == nil {
				t.Fatalf("loaded %d products from a malformed file", len(res.Products))
			}
			if res != nil {
				t.Fatal("a failed load returned products")
			}
			var fe *ndcdir.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not an *ndcdir.Error", err)
			}
			if fe.File != tc.file || fe.Line != tc.line || fe.Field != tc.field || !strings.Contains(fe.Message, tc.inMessage) {
				t.Fatalf("error %q: got file %s line %d field %q", err, fe.File, fe.Line, fe.Field)
			}
			if !strings.Contains(err.Error(), tc.file+" line ") {
				t.Fatalf("message %q does not say where", err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	prod, _ := goodFiles(t)
	_, err := ndcdir.Load(fstest.MapFS{"product.txt": {Data: []byte(prod)}}, ndcdir.Options{})
	if err == nil || !strings.Contains(err.Error(), "package.txt") {
		t.Fatalf("err = %v", err)
	}
}

func TestLatin1Line(t *testing.T) {
	t.Parallel()
	prod, pkg := goodFiles(t)
	prod = strings.Replace(prod, "Hospira, Inc.", "Hospira, Inc.\xae", 1)
	res, err := ndcdir.Load(mapFS(prod, pkg), ndcdir.Options{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if p := byNDC(t, res.Products, "0409-1207-03"); p.Labeler != "Hospira, Inc.®" {
		t.Fatalf("labeler %q", p.Labeler)
	}
}

func TestStrengthIssuesAreReported(t *testing.T) {
	t.Parallel()
	prod, pkg := goodFiles(t)
	prod = replaceField(t, prod, 6, colOf(ndcdir.ProductColumns, "ACTIVE_INGRED_UNIT"), "mg/kg")
	res, err := ndcdir.Load(mapFS(prod, pkg), ndcdir.Options{Today: today})
	if err != nil {
		t.Fatal(err)
	}
	p := byNDC(t, res.Products, "0641-6127-25")
	if p.Strength != nil || res.Report.StrengthUnparsed != 1 || len(res.Report.Issues) != 1 {
		t.Fatalf("strength %v, report %+v", p.Strength, res.Report)
	}
	if is := res.Report.Issues[0]; is.NDC != "0641-6127-25" || is.Field != "ACTIVE_INGRED_UNIT" || is.Line != 6 || !strings.Contains(is.Reason, "kg") {
		t.Fatalf("issue %+v", is)
	}
}

func header(t testing.TB, cols []string, file string) *ndcdir.Header {
	h, err := ndcdir.ParseHeader(file, strings.Join(cols, "\t"), cols)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// FuzzParseProductLine: any line is either a row or an *Error with a
// position, never a panic.
func FuzzParseProductLine(f *testing.F) {
	prod, _ := goodFiles(f)
	for _, l := range strings.Split(prod, "\r\n")[1:] {
		f.Add(l)
	}
	f.Add("x\ty")
	h := header(f, ndcdir.ProductColumns, "product.txt")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ndcdir.ParseProductLine(h, 2, line)
		if err != nil {
			var fe *ndcdir.Error
			if !errors.As(err, &fe) || fe.File != "product.txt" || fe.Line != 2 {
				t.Fatalf("error %v without its position", err)
			}
			return
		}
		if r.ProductID == "" || len(r.Strengths) != len(r.Units) {
			t.Fatalf("accepted row %+v", r)
		}
		for _, s := range r.Strengths {
			if _, err := calc.ParseDecimal(s); err != nil {
				t.Fatalf("accepted strength %q: %v", s, err)
			}
		}
	})
}

// FuzzParsePackageLine: an accepted package NDC belongs to its product NDC.
func FuzzParsePackageLine(f *testing.F) {
	_, pkg := goodFiles(f)
	for _, l := range strings.Split(pkg, "\r\n")[1:] {
		f.Add(l)
	}
	h := header(f, ndcdir.PackageColumns, "package.txt")
	f.Fuzz(func(t *testing.T, line string) {
		r, err := ndcdir.ParsePackageLine(h, 2, line)
		if err != nil {
			return
		}
		if !strings.HasPrefix(r.PackageNDC, r.ProductNDC+"-") {
			t.Fatalf("package %s accepted for product %s", r.PackageNDC, r.ProductNDC)
		}
	})
}

func BenchmarkLoad(b *testing.B) {
	prod, pkg := goodFiles(b)
	// About a thousand packages: the fixture rows repeated with fresh IDs.
	var pb, kb strings.Builder
	pl, kl := strings.Split(prod, "\r\n"), strings.Split(pkg, "\r\n")
	pb.WriteString(pl[0] + "\r\n")
	kb.WriteString(kl[0] + "\r\n")
	for i := 0; i < 200; i++ {
		for _, l := range pl[1 : len(pl)-1] {
			pb.WriteString(strings.Replace(l, "_", "_"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"_", 1) + "\r\n")
		}
	}
	for i := 0; i < 200; i++ {
		for _, l := range kl[1 : len(kl)-1] {
			kb.WriteString(strings.Replace(l, "_", "_"+string(rune('a'+i%26))+strings.Repeat("x", i/26)+"_", 1) + "\r\n")
		}
	}
	fsys := mapFS(pb.String(), kb.String())
	b.ResetTimer()
	for b.Loop() {
		if _, err := ndcdir.Load(fsys, ndcdir.Options{Today: today}); err != nil {
			b.Fatal(err)
		}
	}
}
