// Package ndcdir reads the FDA NDC Directory's published text files,
// product.txt and package.txt (tab-delimited, one header row), into
// formulary products. Every line is checked before anything is returned, so
// a malformed file is reported by file, line and field and nothing of it is
// imported.
package ndcdir

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The files of the NDC Directory.
const (
	ProductFile = "product.txt"
	PackageFile = "package.txt"
)

// ProductColumns are the columns of product.txt, in the published order.
var ProductColumns = []string{"PRODUCTID", "PRODUCTNDC", "PRODUCTTYPENAME", "PROPRIETARYNAME", "PROPRIETARYNAMESUFFIX",
	"NONPROPRIETARYNAME", "DOSAGEFORMNAME", "ROUTENAME", "STARTMARKETINGDATE", "ENDMARKETINGDATE", "MARKETINGCATEGORYNAME",
	"APPLICATIONNUMBER", "LABELERNAME", "SUBSTANCENAME", "ACTIVE_NUMERATOR_STRENGTH", "ACTIVE_INGRED_UNIT", "PHARM_CLASSES",
	"DEASCHEDULE", "NDC_EXCLUDE_FLAG", "LISTING_RECORD_CERTIFIED_THROUGH"}

// PackageColumns are the columns of package.txt, in the published order.
var PackageColumns = []string{"PRODUCTID", "PRODUCTNDC", "NDCPACKAGECODE", "PACKAGEDESCRIPTION", "STARTMARKETINGDATE",
	"ENDMARKETINGDATE", "NDC_EXCLUDE_FLAG", "SAMPLE_PACKAGE"}

// Error is a malformed line: the file, the line number (1 = header) and
// the column at fault.
type Error struct {
	File    string
	Line    int
	Field   string
	Message string
}

// Error formats the position and the message.
func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s line %d, field %s: %s", e.File, e.Line, e.Field, e.Message)
}

// Header maps the columns of a file to their positions. The directory has
// added columns over the years, so columns are found by name, and unknown
// extra columns are ignored.
type Header struct {
	File string
	n    int
	idx  map[string]int
}

// ParseHeader reads the header line of file and checks that every column
// in required is present.
func ParseHeader(file, line string, required []string) (*Header, error) {
	line = strings.TrimPrefix(strings.TrimRight(line, "\r\n"), "\ufeff")
	h := &Header{File: file, idx: map[string]int{}}
	for i, c := range strings.Split(line, "\t") {
		c = strings.ToUpper(strings.TrimSpace(c))
		if _, dup := h.idx[c]; dup && c != "" {
			return nil, &Error{File: file, Line: 1, Field: c, Message: "the column appears twice in the header"}
		}
		h.idx[c] = i
		h.n++
	}
	for _, c := range required {
		if _, ok := h.idx[c]; !ok {
			return nil, &Error{File: file, Line: 1, Field: c, Message: "the header has no such column; is this the NDC Directory's " + file + "?"}
		}
	}
	return h, nil
}

// fields splits a data line into the header's number of fields. A line
// that is not valid UTF-8 is read as Windows-1252/Latin-1, which older
// directory files use.
func (h *Header) fields(lineNo int, line string) ([]string, error) {
	line = strings.TrimRight(line, "\r\n")
	if !utf8.ValidString(line) {
		line = latin1(line)
	}
	f := strings.Split(line, "\t")
	if len(f) != h.n {
		return nil, &Error{File: h.File, Line: lineNo, Message: fmt.Sprintf("%d fields, the header has %d (a tab inside a value, or a truncated line)", len(f), h.n)}
	}
	for i, v := range f {
		for _, r := range v {
			if r < 0x20 || r == 0x7f {
				return nil, &Error{File: h.File, Line: lineNo, Field: h.name(i), Message: fmt.Sprintf("control character %U in the value", r)}
			}
		}
		f[i] = strings.TrimSpace(v)
	}
	return f, nil
}

func (h *Header) name(i int) string {
	for k, v := range h.idx {
		if v == i {
			return k
		}
	}
	return fmt.Sprintf("column %d", i+1)
}

func (h *Header) get(f []string, col string) string { return f[h.idx[col]] }

// latin1 reads bytes as ISO-8859-1.
func latin1(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// ProductRow is one line of product.txt.
type ProductRow struct {
	Line                                                     int
	ProductID, ProductNDC, TypeName, Proprietary, Suffix     string
	Nonproprietary, DosageForm, Route                        string
	Start, End                                               *time.Time
	MarketingCategory, ApplicationNumber, Labeler, Substance string
	// Strengths and Units are the "; "-separated lists of the directory,
	// one per active ingredient, numbers normalised ("0.375" for ".375").
	Strengths, Units  []string
	PharmClasses, DEA string
	Exclude           string
	CertifiedThrough  *time.Time
}

// PackageRow is one line of package.txt.
type PackageRow struct {
	Line                                           int
	ProductID, ProductNDC, PackageNDC, Description string
	Start, End                                     *time.Time
	Exclude                                        string
	Sample                                         bool
}

var (
	productNDC = regexp.MustCompile(`^(\d{4,6})-(\d{3,4})$`)
	packageNDC = regexp.MustCompile(`^(\d{4,6})-(\d{3,4})-(\d{1,2})$`)
	number     = regexp.MustCompile(`^(\d+(\.\d*)?|\.\d+)$`)
	flag       = regexp.MustCompile(`^[A-Z]?$`)
)

// checkProductNDC accepts the labeler-product codes of 10-digit NDCs
// (4-4, 5-3, 5-4) and of the coming 12-digit ones (6-4, 6-3).
func checkProductNDC(s string) bool {
	m := productNDC.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	l, p := len(m[1]), len(m[2])
	return (l == 4 && p == 4) || (l == 5 && (p == 3 || p == 4)) || l == 6
}

func date(h *Header, lineNo int, f []string, col string, required bool) (*time.Time, error) {
	v := h.get(f, col)
	if v == "" {
		if required {
			return nil, &Error{File: h.File, Line: lineNo, Field: col, Message: "the date is required (YYYYMMDD)"}
		}
		return nil, nil
	}
	t, err := time.Parse("20060102", v)
	if err != nil {
		return nil, &Error{File: h.File, Line: lineNo, Field: col, Message: fmt.Sprintf("%q is not a date written YYYYMMDD", v)}
	}
	return &t, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// ParseProductLine reads and checks one data line of product.txt.
func ParseProductLine(h *Header, lineNo int, line string) (ProductRow, error) {
	f, err := h.fields(lineNo, line)
	if err != nil {
		return ProductRow{}, err
	}
	bad := func(col, format string, args ...any) (ProductRow, error) {
		return ProductRow{}, &Error{File: h.File, Line: lineNo, Field: col, Message: fmt.Sprintf(format, args...)}
	}
	r := ProductRow{Line: lineNo, ProductID: h.get(f, "PRODUCTID"), ProductNDC: h.get(f, "PRODUCTNDC"),
		TypeName: h.get(f, "PRODUCTTYPENAME"), Proprietary: h.get(f, "PROPRIETARYNAME"), Suffix: h.get(f, "PROPRIETARYNAMESUFFIX"),
		Nonproprietary: h.get(f, "NONPROPRIETARYNAME"), DosageForm: h.get(f, "DOSAGEFORMNAME"), Route: h.get(f, "ROUTENAME"),
		MarketingCategory: h.get(f, "MARKETINGCATEGORYNAME"), ApplicationNumber: h.get(f, "APPLICATIONNUMBER"),
		Labeler: h.get(f, "LABELERNAME"), Substance: h.get(f, "SUBSTANCENAME"), PharmClasses: h.get(f, "PHARM_CLASSES"),
		DEA: h.get(f, "DEASCHEDULE"), Exclude: h.get(f, "NDC_EXCLUDE_FLAG")}
	if r.ProductID == "" || len(r.ProductID) > 200 {
		return bad("PRODUCTID", "the product ID is required (at most 200 characters)")
	}
	if !checkProductNDC(r.ProductNDC) {
		return bad("PRODUCTNDC", "%q is not a labeler-product code (4-4, 5-3 or 5-4 digits)", r.ProductNDC)
	}
	if r.Labeler == "" {
		return bad("LABELERNAME", "the labeler is required")
	}
	if !flag.MatchString(r.Exclude) {
		return bad("NDC_EXCLUDE_FLAG", "%q is not a one-letter flag", r.Exclude)
	}
	if r.Start, err = date(h, lineNo, f, "STARTMARKETINGDATE", false); err != nil {
		return ProductRow{}, err
	}
	if r.End, err = date(h, lineNo, f, "ENDMARKETINGDATE", false); err != nil {
		return ProductRow{}, err
	}
	if r.CertifiedThrough, err = date(h, lineNo, f, "LISTING_RECORD_CERTIFIED_THROUGH", false); err != nil {
		return ProductRow{}, err
	}
	r.Strengths = splitList(h.get(f, "ACTIVE_NUMERATOR_STRENGTH"))
	r.Units = splitList(h.get(f, "ACTIVE_INGRED_UNIT"))
	if len(r.Strengths) != len(r.Units) {
		return bad("ACTIVE_INGRED_UNIT", "%d units for %d strengths: the lists must pair up", len(r.Units), len(r.Strengths))
	}
	for i, s := range r.Strengths {
		if !number.MatchString(s) || len(s) > 30 {
			return bad("ACTIVE_NUMERATOR_STRENGTH", "%q is not a number", s)
		}
		if strings.HasPrefix(s, ".") {
			s = "0" + s
		}
		r.Strengths[i] = strings.TrimSuffix(s, ".")
		if r.Units[i] == "" {
			return bad("ACTIVE_INGRED_UNIT", "the unit of strength %s is empty", s)
		}
	}
	return r, nil
}

// ParsePackageLine reads and checks one data line of package.txt.
func ParsePackageLine(h *Header, lineNo int, line string) (PackageRow, error) {
	f, err := h.fields(lineNo, line)
	if err != nil {
		return PackageRow{}, err
	}
	bad := func(col, format string, args ...any) (PackageRow, error) {
		return PackageRow{}, &Error{File: h.File, Line: lineNo, Field: col, Message: fmt.Sprintf(format, args...)}
	}
	r := PackageRow{Line: lineNo, ProductID: h.get(f, "PRODUCTID"), ProductNDC: h.get(f, "PRODUCTNDC"),
		PackageNDC: h.get(f, "NDCPACKAGECODE"), Description: h.get(f, "PACKAGEDESCRIPTION"), Exclude: h.get(f, "NDC_EXCLUDE_FLAG")}
	if r.ProductID == "" || len(r.ProductID) > 200 {
		return bad("PRODUCTID", "the product ID is required (at most 200 characters)")
	}
	if !checkProductNDC(r.ProductNDC) {
		return bad("PRODUCTNDC", "%q is not a labeler-product code (4-4, 5-3 or 5-4 digits)", r.ProductNDC)
	}
	m := packageNDC.FindStringSubmatch(r.PackageNDC)
	if m == nil {
		return bad("NDCPACKAGECODE", "%q is not an NDC (4-4-2, 5-3-2 or 5-4-1)", r.PackageNDC)
	}
	if m[1]+"-"+m[2] != r.ProductNDC {
		return bad("NDCPACKAGECODE", "%s does not belong to product NDC %s", r.PackageNDC, r.ProductNDC)
	}
	if n := len(m[1]) + len(m[2]) + len(m[3]); n != 10 && !(len(m[1]) == 6 && n == 12) {
		return bad("NDCPACKAGECODE", "%s has %d digits; an NDC has 10", r.PackageNDC, n)
	}
	if !flag.MatchString(r.Exclude) {
		return bad("NDC_EXCLUDE_FLAG", "%q is not a one-letter flag", r.Exclude)
	}
	switch s := h.get(f, "SAMPLE_PACKAGE"); s {
	case "Y":
		r.Sample = true
	case "N", "":
	default:
		return bad("SAMPLE_PACKAGE", "%q: expected Y or N", s)
	}
	if r.Start, err = date(h, lineNo, f, "STARTMARKETINGDATE", false); err != nil {
		return PackageRow{}, err
	}
	if r.End, err = date(h, lineNo, f, "ENDMARKETINGDATE", false); err != nil {
		return PackageRow{}, err
	}
	return r, nil
}
