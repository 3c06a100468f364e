package seed

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
)

//go:embed data/*.tsv
var formularyData embed.FS

// The embedded demo formulary files.
const (
	productsFile  = "formulary_products.tsv"
	extraFile     = "formulary_products_extra.tsv"
	localFile     = "formulary_products_local.tsv"
	stabilityFile = "formulary_reconstitution_stability.tsv"
)

// FormularyIssue is a value of the demo data that was not loaded as
// written, and why: each is decided here, never dropped silently.
type FormularyIssue struct {
	File   string
	Line   int
	Key    string // package NDC or drug
	Field  string
	Reason string
}

// String says where the value is and why it was not loaded as written.
func (i FormularyIssue) String() string {
	return fmt.Sprintf("%s line %d (%s) %s: %s", i.File, i.Line, i.Key, i.Field, i.Reason)
}

// DemoFormulary is the parsed demo formulary.
type DemoFormulary struct {
	Products  []*formulary.Product
	Stability []formulary.StabilityEntry
	Issues    []FormularyIssue
}

// seedFormulary loads the demo formulary of real IV products.
func seedFormulary(ctx context.Context, st *store.Store, _ time.Time) error {
	df, err := LoadDemoFormulary()
	if err != nil {
		return err
	}
	for _, is := range df.Issues {
		slog.Default().Debug("demo formulary: value not loaded as written", "issue", is.String())
	}
	return st.SeedFormulary(ctx, df.Products, df.Stability)
}

// tsvRow is one data line of a TSV file, by column name.
type tsvRow struct {
	file string
	line int
	cols map[string]string
}

func (r tsvRow) get(c string) string { return strings.TrimSpace(r.cols[c]) }

func (r tsvRow) errf(field, format string, args ...any) error {
	return fmt.Errorf("%s line %d, column %s: %s", r.file, r.line, field, fmt.Sprintf(format, args...))
}

// readTSV reads a tab-separated file with one header row, requiring the
// given columns and the header's field count on every line.
func readTSV(name string, required ...string) ([]tsvRow, error) {
	b, err := formularyData.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var header []string
	var rows []tsvRow
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if header == nil {
			header = strings.Split(text, "\t")
			have := map[string]bool{}
			for _, h := range header {
				have[h] = true
			}
			for _, c := range required {
				if !have[c] {
					return nil, fmt.Errorf("%s: the header has no column %s", name, c)
				}
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != len(header) {
			return nil, fmt.Errorf("%s line %d: %d fields, the header has %d", name, line, len(f), len(header))
		}
		r := tsvRow{file: name, line: line, cols: make(map[string]string, len(f))}
		for i, h := range header {
			r.cols[h] = f[i]
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if header == nil {
		return nil, fmt.Errorf("%s: empty file", name)
	}
	return rows, nil
}

var productColumns = []string{"package_ndc", "ndc_format", "drug", "tall_man", "labeler", "dosage_form", "strength", "package_volume", "container", "hazardous", "source_url"}

// LoadDemoFormulary parses the embedded demo formulary: products with their
// unit NDCs, reconstitution directions, storage and stability entries.
// Values it cannot load as written are listed in Issues with the reason.
func LoadDemoFormulary() (*DemoFormulary, error) {
	df := &DemoFormulary{}
	byNDC := map[string]*formulary.Product{}
	for _, file := range []string{productsFile, localFile} {
		rows, err := readTSV(file, productColumns...)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			p, err := df.product(r)
			if err != nil {
				return nil, err
			}
			if byNDC[p.Package.NDC10] != nil {
				return nil, r.errf("package_ndc", "NDC %s is listed twice", p.Package.NDC)
			}
			byNDC[p.Package.NDC10] = p
			df.Products = append(df.Products, p)
		}
	}
	if err := df.applyExtra(byNDC); err != nil {
		return nil, err
	}
	if err := df.applyStability(); err != nil {
		return nil, err
	}
	for _, p := range df.Products {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("product %s: %w", p.Package.NDC, err)
		}
	}
	return df, nil
}

func (df *DemoFormulary) issue(r tsvRow, key, field, reason string) {
	df.Issues = append(df.Issues, FormularyIssue{File: r.file, Line: r.line, Key: key, Field: field, Reason: reason})
}

// product reads one row of a products file.
func (df *DemoFormulary) product(r tsvRow) (*formulary.Product, error) {
	pkg, err := formulary.NewCode(formulary.CodePackage, "package_ndc", r.get("package_ndc"))
	if err != nil {
		return nil, r.errf("package_ndc", "%v", err)
	}
	if got := shapeOf(r.get("package_ndc")); got != r.get("ndc_format") {
		return nil, r.errf("ndc_format", "says %s but the NDC %s is %s", r.get("ndc_format"), r.get("package_ndc"), got)
	}
	hz, err := formulary.ParseHazard(r.get("hazardous"))
	if err != nil {
		return nil, r.errf("hazardous", "%v", err)
	}
	ct, err := formulary.ParseContainer(r.get("container"))
	if err != nil || ct == formulary.ContainerUnknown {
		return nil, r.errf("container", "%q is not a container kind", r.get("container"))
	}
	form := r.get("dosage_form")
	p := &formulary.Product{
		Drug:    formulary.Drug{Name: formulary.DrugName(r.get("drug"), form, ""), TallMan: r.get("tall_man"), Hazard: hz, Source: formulary.SourceCurated},
		Package: pkg, Labeler: r.get("labeler"), DosageForm: form, StrengthText: r.get("strength"), Container: ct,
		Source: formulary.SourceCurated, SourceURL: r.get("source_url"), Active: true, Confirmation: "listing",
	}
	ls, err := formulary.ParseStrength(r.get("strength"), form)
	switch {
	case err == nil:
		p.Strength, p.ReconstitutedVolume = ls.Strength, ls.ReconstitutedVolume
		if m := listedAs.FindStringSubmatch(r.get("strength")); m != nil && !sameQuantity(m[1], ls.Strength) {
			df.issue(r, pkg.NDC, "strength", fmt.Sprintf("stored the label strength %s; the listing states %s on another basis (kept in the strength text, not used)", ls.Strength, m[1]))
		}
	case isCode(err, formulary.CodeNoActiveIngredient):
		df.issue(r, pkg.NDC, "strength", "no drug strength stored: "+err.Error())
	default:
		return nil, r.errf("strength", "%v", err)
	}
	if v := r.get("package_volume"); v != "" {
		q, err := calc.Parse(v)
		if err != nil || !formulary.IsVolume(q) {
			return nil, r.errf("package_volume", "%q is not a volume", v)
		}
		if ls.Volume != nil {
			if c, err := ls.Volume.Cmp(q); err != nil || c != 0 {
				return nil, r.errf("package_volume", "%s disagrees with the strength's %s", q, ls.Volume)
			}
		}
		p.Volume = &q
	} else if ls.Volume != nil {
		p.Volume = ls.Volume
	}
	return p, nil
}

// sameQuantity reports whether text states the quantity q.
func sameQuantity(text string, q *calc.Quantity) bool {
	t, err := calc.Parse(text)
	if err != nil || q == nil {
		return false
	}
	c, err := t.Cmp(*q)
	return err == nil && c == 0
}

func isCode(err error, code string) bool {
	ae, ok := err.(*apperr.Error)
	return ok && ae.Code == code
}

// shapeOf names the segment layout of a hyphenated NDC ("5-4-1").
func shapeOf(ndc string) string {
	segs := strings.Split(ndc, "-")
	parts := make([]string, len(segs))
	for i, s := range segs {
		parts[i] = fmt.Sprint(len(s))
	}
	return strings.Join(parts, "-")
}

// applyExtra adds the unit-of-use NDCs and pack details of the extra file.
func (df *DemoFormulary) applyExtra(byNDC map[string]*formulary.Product) error {
	rows, err := readTSV(extraFile, "package_ndc", "unit_ndc", "pack_description", "marketing_start", "marketing_end", "confirmation", "note")
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, r := range rows {
		pkg, err := formulary.NewCode(formulary.CodePackage, "package_ndc", r.get("package_ndc"))
		if err != nil {
			return r.errf("package_ndc", "%v", err)
		}
		p := byNDC[pkg.NDC10]
		if p == nil {
			return r.errf("package_ndc", "NDC %s is not in %s", pkg.NDC, productsFile)
		}
		if seen[pkg.NDC10] {
			return r.errf("package_ndc", "NDC %s is listed twice", pkg.NDC)
		}
		seen[pkg.NDC10] = true
		if u := r.get("unit_ndc"); u != "" {
			c, err := formulary.NewCode(formulary.CodeUnit, "unit_ndc", u)
			if err != nil {
				return r.errf("unit_ndc", "%v", err)
			}
			p.Units = append(p.Units, c)
		}
		p.PackDescription, p.Confirmation, p.Note = r.get("pack_description"), r.get("confirmation"), r.get("note")
		for _, f := range []struct {
			col string
			dst **time.Time
		}{{"marketing_start", &p.MarketingStart}, {"marketing_end", &p.MarketingEnd}} {
			if v := r.get(f.col); v != "" {
				t, err := time.Parse("20060102", v)
				if err != nil {
					return r.errf(f.col, "%q is not a date written YYYYMMDD", v)
				}
				*f.dst = &t
			}
		}
	}
	for _, p := range df.Products {
		if !seen[p.Package.NDC10] && p.Confirmation == "listing" {
			// Rows of the local file have no extra row; say how they stand.
			p.Confirmation = "partial"
		}
	}
	return nil
}

// listedAs finds a listing's restatement on another basis: "(listed as
// 149 mg/mL)" beside "2 mEq/mL", "(listed 98 mg/mL)" beside "10%".
var listedAs = regexp.MustCompile(`\(listed(?: as)? ([^)]*)\)`)

var (
	ndcMention = regexp.MustCompile(`\b\d{4,5}-\d{3,4}-\d{1,2}\b`)
	leadPerVol = regexp.MustCompile(`^(\d+(?:\.\d+)?\s*[A-Za-z]+/\d+(?:\.\d+)?\s*mL)\b`)
	leadQty    = regexp.MustCompile(`^(\d+(?:\.\d+)?%|\d+(?:\.\d+)?\s*[A-Za-z]+(?:/mL)?)`)
)

// presentationQuantity reads the quantity a stability row's presentation
// starts with ("1 g vial" → 1 g, "10 mg/mL solution vials" → 10 mg/mL,
// "1 g/50 mL frozen premixed bag" → 20 mg/mL), for a product of form.
func presentationQuantity(s, form string) (calc.Quantity, bool) {
	if m := leadPerVol.FindString(s); m != "" {
		ls, err := formulary.ParseStrength(m, form)
		if err == nil && ls.Strength != nil {
			return *ls.Strength, true
		}
		return calc.Quantity{}, false
	}
	m := leadQty.FindString(s)
	if m == "" {
		return calc.Quantity{}, false
	}
	q, err := calc.Parse(m)
	return q, err == nil
}

// matches reports whether a stability row speaks of product p: same drug,
// same strength (amount of a powder, concentration of a liquid), and, when
// the row names NDCs, one of p's.
func matches(r tsvRow, p *formulary.Product) bool {
	if formulary.DrugName(r.get("drug"), "", "") != p.Drug.Name || p.Strength == nil {
		return false
	}
	pres := r.get("product_strength")
	if ndcs := ndcMention.FindAllString(pres, -1); len(ndcs) > 0 {
		found := false
		for _, n := range ndcs {
			for _, c := range p.Codes() {
				if c.NDC == n {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	q, ok := presentationQuantity(pres, p.DosageForm)
	if !ok {
		return false
	}
	c, err := q.Cmp(*p.Strength)
	return err == nil && c == 0
}

var stabilityColumns = []string{"drug", "product_strength", "diluent", "diluent_volume", "approx_concentration", "approx_available_volume",
	"stability_after_reconstitution_room", "stability_after_reconstitution_fridge", "stability_after_dilution",
	"max_concentration_or_dilution_note", "storage_of_intact", "source_url"}

// applyStability adds reconstitution directions and storage to the
// products the stability file speaks of, and builds the stability entries.
func (df *DemoFormulary) applyStability() error {
	rows, err := readTSV(stabilityFile, stabilityColumns...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		for _, p := range df.Products {
			if !matches(r, p) {
				continue
			}
			if p.Storage == "" {
				p.Storage = r.get("storage_of_intact")
			}
			if !p.IsPowder() {
				continue
			}
			rc, ok, err := df.reconstitution(r)
			if err != nil {
				return err
			}
			if ok {
				p.Reconstitutions = append(p.Reconstitutions, rc)
			}
		}
		df.stabilityEntries(r)
	}
	return nil
}

// reconstitution reads a row's reconstitution direction; ok is false for a
// row about a solution (no diluent volume).
func (df *DemoFormulary) reconstitution(r tsvRow) (formulary.Reconstitution, bool, error) {
	dv := r.get("diluent_volume")
	if dv == "" {
		return formulary.Reconstitution{}, false, nil
	}
	q, err := calc.Parse(dv)
	if err != nil || !formulary.IsVolume(q) {
		return formulary.Reconstitution{}, false, r.errf("diluent_volume", "%q is not a volume", dv)
	}
	rc := formulary.Reconstitution{Diluent: r.get("diluent"), DiluentVolume: q, Concentration: r.get("approx_concentration"),
		Note: r.get("max_concentration_or_dilution_note"), SourceURL: r.get("source_url")}
	if av := r.get("approx_available_volume"); av != "" {
		// "(calc)" marks a volume computed from the label's concentration.
		a, err := calc.Parse(strings.TrimSpace(strings.TrimSuffix(av, "(calc)")))
		if err != nil || !formulary.IsVolume(a) {
			return rc, false, r.errf("approx_available_volume", "%q is not a volume", av)
		}
		rc.AvailableVolume = &a
	}
	return rc, true, nil
}

// stabilityEntries turns a row's hold times into entries. A text that
// states no hold time is kept as a note without a limit, and listed.
func (df *DemoFormulary) stabilityEntries(r tsvRow) {
	drug := formulary.Drug{Name: formulary.DrugName(r.get("drug"), "", "")}
	base := formulary.StabilityEntry{Drug: drug, Presentation: r.get("product_strength"), Diluent: r.get("diluent"), SourceURL: r.get("source_url")}
	for _, c := range []struct {
		col     string
		phase   formulary.Phase
		storage formulary.Storage
	}{
		{"stability_after_reconstitution_room", formulary.PhaseReconstituted, formulary.StorageRoom},
		{"stability_after_reconstitution_fridge", formulary.PhaseReconstituted, formulary.StorageRefrigerator},
		{"stability_after_dilution", formulary.PhaseDiluted, formulary.StorageAny},
	} {
		text := r.get(c.col)
		if text == "" {
			continue
		}
		e := base
		e.Phase, e.Storage, e.Note = c.phase, c.storage, text
		if c.phase == formulary.PhaseReconstituted {
			if h, ok := formulary.ParseHoldTime(text); ok {
				e.LimitHours = &h
			} else {
				df.issue(r, drug.Name, c.col, "no hold time stated; kept as a note without a limit: "+text)
			}
		}
		// Dilution texts give several limits per diluent and temperature in
		// prose; they are kept as notes for the recipe author, never parsed
		// into a limit that could be the wrong one.
		df.Stability = append(df.Stability, e)
	}
}
