package formulary

import (
	"strings"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
)

// QueryKind says how a product search is run.
type QueryKind string

// The kinds of product search.
const (
	QueryAll        QueryKind = "all"         // nothing typed: every active product
	QueryName       QueryKind = "name"        // generic, tall-man or brand name fragment
	QueryCodes      QueryKind = "codes"       // one NDC or GTIN, as its possible 10-digit NDCs
	QueryCodePrefix QueryKind = "code_prefix" // the start of an NDC being typed
)

// Query is a product search string, classified.
type Query struct {
	Kind QueryKind
	// Text is the lower-case name fragment (QueryName).
	Text string
	// NDC10s are the 10-digit NDCs the typed code may be (QueryCodes).
	NDC10s []string
	// Prefix is the digits typed so far (QueryCodePrefix), matched against
	// both the 10-digit and the 11-digit billing forms.
	Prefix string
}

// maxQuery bounds a search string.
const maxQuery = 100

// ParseQuery classifies a search string: an NDC in any shape (4-4-2,
// 5-3-2, 5-4-1, 11-digit billing with or without hyphens, bare 10 digits),
// a GTIN (12, 13 or 14 digits), the start of an NDC ("0409-1207"), or a
// name. Errors name the field "q".
func ParseQuery(q string) (Query, error) {
	t := strings.Join(strings.Fields(q), " ")
	if len(t) > maxQuery {
		return Query{}, apperr.InvalidField("q", "the search is longer than %d characters", maxQuery)
	}
	if t == "" {
		return Query{Kind: QueryAll}, nil
	}
	if !looksLikeCode(t) {
		return Query{Kind: QueryName, Text: strings.ToLower(t)}, nil
	}
	t = strings.ReplaceAll(t, " ", "-")
	switch strings.Count(t, "-") {
	case 0:
		return digitsQuery(t)
	case 1:
		digits := strings.ReplaceAll(t, "-", "")
		if len(digits) < 3 || strings.HasPrefix(t, "-") {
			return Query{}, apperr.InvalidField("q", "%q: type at least the labeler and product codes of the NDC (e.g. 0409-1207)", q)
		}
		return Query{Kind: QueryCodePrefix, Prefix: digits}, nil
	case 2:
		if strings.HasSuffix(t, "-") {
			return Query{Kind: QueryCodePrefix, Prefix: strings.ReplaceAll(t, "-", "")}, nil
		}
		n, err := barcode.ParseNDC(t)
		if err != nil {
			return Query{}, apperr.InvalidField("q", "%s", apperr.Message(err))
		}
		return Query{Kind: QueryCodes, NDC10s: digits10(TenDigitCandidates(n))}, nil
	}
	return Query{}, apperr.InvalidField("q", "%q is not an NDC: an NDC has three hyphen-separated segments", q)
}

// looksLikeCode reports whether s is made of digits, hyphens and spaces
// only, with at least one digit.
func looksLikeCode(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '-' || c == ' ':
		default:
			return false
		}
	}
	return digit
}

func digits10(ns []barcode.NDC) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		if d, ok := n.Digits10(); ok {
			out = append(out, d)
		}
	}
	return out
}

// digitsQuery classifies unhyphenated digits by their count.
func digitsQuery(d string) (Query, error) {
	switch len(d) {
	case 10:
		return Query{Kind: QueryCodes, NDC10s: []string{d}}, nil
	case 11:
		return Query{Kind: QueryCodes, NDC10s: digits10(TenDigitCandidates(barcode.NDC{Digits: d, Shape: barcode.Shape542}))}, nil
	case 12, 13, 14:
		var out []string
		if n10, ok := barcode.NDC10FromGTIN(d); ok {
			out = append(out, n10)
		}
		if len(d) == 12 {
			// Twelve digits are also the FDA's future 6-4-2 NDC.
			for _, c := range digits10(TenDigitCandidates(barcode.NDC{Digits: d})) {
				if len(out) == 0 || out[0] != c {
					out = append(out, c)
				}
			}
		}
		if len(out) == 0 {
			if !barcode.ValidCheckDigit(d) {
				return Query{}, apperr.InvalidField("q", "GTIN %s has a wrong check digit: check the digits typed", d)
			}
			return Query{}, apperr.InvalidField("q", "GTIN %s does not carry a US NDC (its company prefix is not 03), so it is no US drug product", d)
		}
		return Query{Kind: QueryCodes, NDC10s: out}, nil
	}
	if len(d) < 3 {
		return Query{}, apperr.InvalidField("q", "type at least 3 digits of the NDC")
	}
	if len(d) > 14 {
		return Query{}, apperr.InvalidField("q", "%d digits is neither an NDC (10 or 11 digits) nor a GTIN (12 to 14)", len(d))
	}
	return Query{Kind: QueryCodePrefix, Prefix: d}, nil
}

// LikePattern escapes s for a SQL LIKE ... ESCAPE '\' match anywhere.
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
