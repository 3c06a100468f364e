package ndcdir

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// Options control Load.
type Options struct {
	// All imports every product; by default only injectables (a dosage
	// form "INJECTION..."/"INJECTABLE..." or an intravenous route), which
	// is all the IV room scans.
	All bool
	// Today decides which packages have ended marketing (imported
	// inactive); the zero value means time.Now().
	Today time.Time
}

// Issue is a value that was imported differently from what the directory
// says, and why.
type Issue struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	NDC    string `json:"ndc"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// maxIssues caps the issues kept for the report; the counts stay exact.
const maxIssues = 200

// Report counts what Load read and what it left out.
type Report struct {
	ProductLines     int     `json:"product_lines"`
	PackageLines     int     `json:"package_lines"`
	Products         int     `json:"products"`
	NotInjectable    int     `json:"not_injectable"`
	Excluded         int     `json:"excluded"`
	Samples          int     `json:"samples"`
	NoProduct        int     `json:"packages_without_product"`
	Duplicates       int     `json:"duplicate_packages"`
	Ended            int     `json:"ended_marketing"`
	StrengthUnparsed int     `json:"strength_not_parsed"`
	ContainerUnknown int     `json:"container_not_stated"`
	Issues           []Issue `json:"issues,omitempty"`
}

func (r *Report) issue(is Issue) {
	if len(r.Issues) < maxIssues {
		r.Issues = append(r.Issues, is)
	}
}

// Result is a loaded directory.
type Result struct {
	Products []*formulary.Product
	Report   Report
}

// openFile opens name in fsys, accepting the upper-case spelling too.
func openFile(fsys fs.FS, name string) (fs.File, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		if g, err2 := fsys.Open(strings.ToUpper(name)); err2 == nil {
			return g, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (expected the NDC Directory's product.txt and package.txt)", name, err)
	}
	return f, nil
}

// eachLine calls fn for every data line of r after the header.
func eachLine(r io.Reader, file string, required []string, fn func(h *Header, lineNo int, line string) error) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 256<<10), 4<<20)
	var h *Header
	n := 0
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		if h == nil {
			var err error
			if h, err = ParseHeader(file, line, required); err != nil {
				return n, err
			}
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		n++
		if err := fn(h, lineNo, line); err != nil {
			return n, err
		}
	}
	if err := sc.Err(); err != nil {
		return n, &Error{File: file, Line: lineNo + 1, Message: err.Error()}
	}
	if h == nil {
		return 0, &Error{File: file, Line: 1, Message: "the file is empty (no header row)"}
	}
	return n, nil
}

// injectable reports whether a product is one the IV room may use.
func injectable(p ProductRow) bool {
	form := strings.ToUpper(p.DosageForm)
	return strings.HasPrefix(form, "INJECT") || strings.Contains(strings.ToUpper(p.Route), "INTRAVENOUS")
}

// Load reads product.txt and package.txt from fsys and returns one
// formulary product per package NDC. Any malformed line fails the whole
// load with an *Error naming file, line and field.
func Load(fsys fs.FS, opt Options) (*Result, error) {
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	res := &Result{}
	pf, err := openFile(fsys, ProductFile)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	products := map[string]ProductRow{}
	res.Report.ProductLines, err = eachLine(pf, ProductFile, ProductColumns, func(h *Header, lineNo int, line string) error {
		p, err := ParseProductLine(h, lineNo, line)
		if err != nil {
			return err
		}
		switch {
		case p.Exclude == "E":
			res.Report.Excluded++
		case !opt.All && !injectable(p):
			res.Report.NotInjectable++
		default:
			if _, dup := products[p.ProductID]; dup {
				return &Error{File: ProductFile, Line: lineNo, Field: "PRODUCTID", Message: "product ID " + p.ProductID + " appears twice"}
			}
			products[p.ProductID] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	kf, err := openFile(fsys, PackageFile)
	if err != nil {
		return nil, err
	}
	defer kf.Close()
	seen := map[string]bool{}
	res.Report.PackageLines, err = eachLine(kf, PackageFile, PackageColumns, func(h *Header, lineNo int, line string) error {
		k, err := ParsePackageLine(h, lineNo, line)
		if err != nil {
			return err
		}
		p, ok := products[k.ProductID]
		switch {
		case k.Sample:
			res.Report.Samples++
			return nil
		case k.Exclude == "E":
			res.Report.Excluded++
			return nil
		case !ok:
			// A non-injectable product's package, or a product the
			// directory lists only in its excluded file.
			res.Report.NoProduct++
			return nil
		case p.ProductNDC != k.ProductNDC:
			return &Error{File: PackageFile, Line: lineNo, Field: "PRODUCTNDC", Message: fmt.Sprintf("%s, but product %s in %s has %s", k.ProductNDC, k.ProductID, ProductFile, p.ProductNDC)}
		case seen[k.PackageNDC]:
			// The directory itself lists a few packages twice (two
			// marketing start dates); the first wins.
			res.Report.Duplicates++
			return nil
		}
		seen[k.PackageNDC] = true
		prod, err := ProductFrom(p, k, opt.Today, &res.Report)
		if err != nil {
			return err
		}
		res.Products = append(res.Products, prod)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Report.Products = len(res.Products)
	return res, nil
}

var (
	// unitNumerators maps the directory's strength units (UCUM-like) to
	// the calculator's.
	unitNumerators = map[string]string{
		"g": "g", "mg": "mg", "ug": "mcg", "mcg": "mcg", "ng": "ng", "kg": "kg",
		"meq": "mEq", "mmol": "mmol", "mol": "mol",
		"[usp'u]": "units", "[iu]": "units", "u": "units", "[u]": "units", "[arb'u]": "units",
	}
	denominator  = regexp.MustCompile(`^(\d+(?:\.\d+)?)?\s*(ml|l)$`)
	parenNDC     = regexp.MustCompile(`\((\d{4,6}-\d{3,4}-\d{1,2})\)`)
	innerVolume  = regexp.MustCompile(`^(\d*\.?\d+)\s*(mL|L)\s+in\s+1\s`)
	levelSplit   = regexp.MustCompile(`\s+(?:/|>|\*)\s+`)
	containerMap = []struct {
		marker string
		kind   formulary.Container
	}{
		{"PHARMACY BULK", formulary.PharmacyBulk},
		{"MULTI-DOSE", formulary.MultipleDose},
		{"MULTIPLE-DOSE", formulary.MultipleDose},
		{"SINGLE-DOSE", formulary.SingleDose},
		{"SINGLE-USE", formulary.SingleDose},
		{"AMPULE", formulary.Ampule},
		{"AMPOULE", formulary.Ampule},
		{"BAG", formulary.Bag},
	}
)

// strengthText turns the directory's strength lists into the text
// formulary.ParseStrength reads ("3.375 g/15 mL"); ok is false with a
// reason when the units cannot be modelled.
func strengthText(p ProductRow) (string, string) {
	if len(p.Strengths) == 0 {
		return "", "no strength listed"
	}
	var num, den string
	total := ""
	for i, u := range p.Units {
		n, d, _ := strings.Cut(strings.ToLower(strings.TrimSpace(u)), "/")
		cn, ok := unitNumerators[n]
		if !ok {
			return "", fmt.Sprintf("strength unit %q is not one Laminar calculates with", u)
		}
		if i > 0 && (cn != num || d != den) {
			return "", "several active ingredients in different units: " + strings.Join(p.Units, "; ")
		}
		num, den = cn, d
		if total == "" {
			total = p.Strengths[i]
		} else {
			total = addDecimal(total, p.Strengths[i])
		}
	}
	switch m := denominator.FindStringSubmatch(den); {
	case den == "1" || den == "":
		return total + " " + num, ""
	case m != nil:
		v := m[1]
		if v == "" {
			v = "1"
		}
		unit := "mL"
		if m[2] == "l" {
			unit = "L"
		}
		if v == "1" && unit == "mL" {
			return total + " " + num + "/mL", ""
		}
		return total + " " + num + "/" + v + " " + unit, ""
	}
	return "", fmt.Sprintf("strength per %q is not per container or per volume", den)
}

// ProductFrom builds the formulary product of one package. Values that
// cannot be modelled (an unknown strength unit, a container the listing
// does not name) are left empty and counted in rep. It runs in stages:
// the product's names, its marketing dates, its strength, what the
// package description says (volume, container, inner unit codes), and the
// product's own validation.
func ProductFrom(p ProductRow, k PackageRow, today time.Time, rep *Report) (*formulary.Product, error) {
	pkg, err := formulary.NewCode(formulary.CodePackage, "NDCPACKAGECODE", k.PackageNDC)
	if err != nil {
		return nil, &Error{File: PackageFile, Line: k.Line, Field: "NDCPACKAGECODE", Message: appMessage(err)}
	}
	issue := func(file string, line int, field, reason string) {
		rep.issue(Issue{File: file, Line: line, NDC: k.PackageNDC, Field: field, Reason: reason})
	}
	prod, err := namedProduct(p, k, pkg)
	if err != nil {
		return nil, err
	}
	marketingDates(prod, p, k, today, rep, issue)
	productStrength(prod, p, rep, issue)
	fromPackageText(prod, k, pkg, rep, issue)
	return validProduct(prod, p, k, rep, issue)
}

// issueFunc records a value left out of a product, and why.
type issueFunc func(file string, line int, field, reason string)

// namedProduct is the product with its names, form, package code and
// source: the parts without which there is no product.
func namedProduct(p ProductRow, k PackageRow, pkg formulary.Code) (*formulary.Product, error) {
	generic := p.Nonproprietary
	if generic == "" {
		generic = p.Substance
	}
	if generic == "" {
		generic = p.Proprietary
	}
	if generic == "" {
		return nil, &Error{File: ProductFile, Line: p.Line, Field: "NONPROPRIETARYNAME", Message: "no generic, substance or proprietary name"}
	}
	brand := strings.TrimSpace(p.Proprietary + " " + p.Suffix)
	if strings.EqualFold(brand, generic) {
		brand = ""
	}
	form := strings.ToLower(p.DosageForm)
	if form == "" {
		return nil, &Error{File: ProductFile, Line: p.Line, Field: "DOSAGEFORMNAME", Message: "the dosage form is required"}
	}
	name := formulary.DrugName(generic, form, brand)
	if len(name) > 200 {
		name = name[:200]
	}
	prod := &formulary.Product{
		Drug:  formulary.Drug{Name: name, Source: formulary.SourceFDA},
		Brand: brand, Package: pkg, Labeler: p.Labeler, DosageForm: form,
		PackDescription: k.Description, Source: formulary.SourceFDA, SourceRef: p.ProductID,
		Confirmation: "ndc_directory", Active: true,
		SourceURL: "https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:%22" + k.PackageNDC + "%22",
	}
	var notes []string
	if c := strings.TrimSpace(p.MarketingCategory + " " + p.ApplicationNumber); c != "" {
		notes = append(notes, c)
	}
	if p.DEA != "" {
		notes = append(notes, "DEA schedule "+p.DEA)
	}
	prod.Note = strings.Join(notes, "; ")
	return prod, nil
}

// marketingDates takes the package's marketing dates, else the product's;
// a package whose marketing has ended is inactive.
func marketingDates(prod *formulary.Product, p ProductRow, k PackageRow, today time.Time, rep *Report, issue issueFunc) {
	prod.MarketingStart, prod.MarketingEnd = k.Start, k.End
	if prod.MarketingStart == nil {
		prod.MarketingStart = p.Start
	}
	if prod.MarketingEnd == nil {
		prod.MarketingEnd = p.End
	}
	if prod.MarketingStart != nil && prod.MarketingEnd != nil && prod.MarketingEnd.Before(*prod.MarketingStart) {
		issue(PackageFile, k.Line, "ENDMARKETINGDATE", "ends before it starts; end date dropped")
		prod.MarketingEnd = nil
	}
	if prod.MarketingEnd != nil && prod.MarketingEnd.Before(today) {
		prod.Active = false
		rep.Ended++
	}
}

// productStrength stores the strength when the listing's can be modelled.
func productStrength(prod *formulary.Product, p ProductRow, rep *Report, issue issueFunc) {
	text, reason := strengthText(p)
	prod.StrengthText = strings.Join(pairs(p), "; ")
	if reason == "" {
		ls, err := formulary.ParseStrength(text, prod.DosageForm)
		if err != nil {
			reason = appMessage(err)
		} else {
			prod.Strength, prod.ReconstitutedVolume, prod.Volume = ls.Strength, ls.ReconstitutedVolume, ls.Volume
		}
	}
	if reason != "" {
		rep.StrengthUnparsed++
		issue(ProductFile, p.Line, "ACTIVE_INGRED_UNIT", "strength not stored: "+reason)
	}
}

// fromPackageText reads the package description: the innermost volume of
// a solution, the container, and the unit codes in parentheses.
func fromPackageText(prod *formulary.Product, k PackageRow, pkg formulary.Code, rep *Report, issue issueFunc) {
	levels := levelSplit.Split(k.Description, -1)
	if !prod.IsPowder() {
		if m := innerVolume.FindStringSubmatch(levels[len(levels)-1]); m != nil {
			v := m[1]
			if strings.HasPrefix(v, ".") {
				v = "0" + v
			}
			if q, err := calc.Parse(v + " " + m[2]); err == nil && formulary.IsVolume(q) && q.Value.Sign() > 0 {
				prod.Volume = &q
			}
		}
	}
	upper := strings.ToUpper(k.Description)
	for _, c := range containerMap {
		if strings.Contains(upper, c.marker) {
			prod.Container = c.kind
			break
		}
	}
	if prod.Container == formulary.ContainerUnknown {
		rep.ContainerUnknown++
	}
	for _, m := range parenNDC.FindAllStringSubmatch(k.Description, -1) {
		if m[1] == k.PackageNDC {
			continue
		}
		c, err := formulary.NewCode(formulary.CodeUnit, "PACKAGEDESCRIPTION", m[1])
		if err != nil {
			issue(PackageFile, k.Line, "PACKAGEDESCRIPTION", "inner NDC "+m[1]+" skipped: "+err.Error())
			continue
		}
		dup := c.NDC10 == pkg.NDC10
		for _, u := range prod.Units {
			dup = dup || u.NDC10 == c.NDC10
		}
		if !dup {
			prod.Units = append(prod.Units, c)
		}
	}
}

// validProduct runs the product's own checks. A listing whose strength
// and form disagree keeps the product without the values, and says so.
func validProduct(prod *formulary.Product, p ProductRow, k PackageRow, rep *Report, issue issueFunc) (*formulary.Product, error) {
	if err := prod.Validate(); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && (ae.Field == "strength" || ae.Field == "volume" || ae.Field == "reconstituted_volume") {
			issue(ProductFile, p.Line, "ACTIVE_NUMERATOR_STRENGTH", "strength not stored: "+ae.Message)
			rep.StrengthUnparsed++
			prod.Strength, prod.ReconstitutedVolume, prod.Volume = nil, nil, nil
			if err := prod.Validate(); err == nil {
				return prod, nil
			}
		}
		return nil, &Error{File: PackageFile, Line: k.Line, Field: "NDCPACKAGECODE", Message: err.Error()}
	}
	return prod, nil
}

// pairs writes the strength lists as the directory means them: "3 g/15mL".
func pairs(p ProductRow) []string {
	out := make([]string, len(p.Strengths))
	for i := range p.Strengths {
		out[i] = p.Strengths[i] + " " + p.Units[i]
	}
	return out
}

// addDecimal adds two checked decimal strings exactly.
func addDecimal(a, b string) string {
	return decimal.RequireFromString(a).Add(decimal.RequireFromString(b)).String()
}

// appMessage is the message of an apperr error without its field prefix.
func appMessage(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return ae.Message
	}
	return err.Error()
}
