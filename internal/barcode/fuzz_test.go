package barcode

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

var allCodes = map[string]bool{
	CodeBadCheckDigit: true, CodeBadDate: true, CodeBadTime: true, CodeWrongLength: true,
	CodeValueTooLong: true, CodeEmptyValue: true, CodeNonNumeric: true, CodeBadCharacter: true,
	CodeMalformedAI: true, CodeUnknownAI: true, CodeNoFNC1First: true,
	CodeNoSymbologyIdentifier: true, CodeUnknownSymbology: true, CodeNoData: true,
	CodeRepeatedAI: true, CodeTrailingData: true, CodeMissingSeparator: true, CodeAmbiguous: true,
}

// checkError fails unless err is a *Error with a known code, a message and
// a position inside the data.
func checkError(t *testing.T, data string, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %T is not a *barcode.Error", data, err)
	}
	if !allCodes[e.Code] || e.Message == "" || e.Pos < 0 || e.Pos > len(data) {
		t.Fatalf("%q: bad error %+v", data, e)
	}
	if e.AI != "" && !KnownAI(e.AI) {
		t.Fatalf("%q: error names unknown AI %q", data, e.AI)
	}
}

// fuzzSeeds adds every input of the vector files.
func fuzzSeeds(f *testing.F, name string) []string {
	vs := loadVectors(f, name)
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, strings.TrimPrefix(v.input, "gtin:"))
	}
	return out
}

// FuzzParse: no input panics, every refusal is a proper *Error, and every
// accepted scan re-encodes and re-parses to the same content.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f, "vectors.tsv") {
		f.Add(s, uint8(0))
	}
	f.Add("]d20100300027597010172705311012345\x1d21SN1", uint8(0))
	f.Add("1021072911172405310100693570007182", uint8(4))
	if _, err := os.Stat("testdata/vectors.tsv"); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data string, n uint8) {
		opts := Options{Today: refDate, Notation: Notation(n % 5)}
		if n&0x80 != 0 {
			opts.Separators = "|"
		}
		scan, err := Parse(data, opts)
		if err != nil {
			if scan != nil {
				t.Fatalf("%q: both a scan and an error", data)
			}
			checkError(t, data, err)
			return
		}
		switch scan.Kind {
		case KindGS1:
			if len(scan.AIs) == 0 {
				t.Fatalf("%q: GS1 scan with no AIs", data)
			}
			for _, form := range []Form{FormDataMatrix, FormBracketed, FormCaret} {
				again, err := Parse(ElementString(scan.AIs, form), Options{Today: refDate})
				if err != nil || !slices.Equal(again.AIs, scan.AIs) {
					t.Fatalf("%q read as %v; form %d re-parses to %v, %v", data, scan.AIs, form, again, err)
				}
			}
			if g, ok := scan.Value("01"); ok && scan.GTIN != g {
				t.Fatalf("%q: GTIN %q, AI (01) %q", data, scan.GTIN, g)
			}
		case KindPlain:
			if scan.Plain == "" || len(scan.AIs) != 0 {
				t.Fatalf("%q: bad plain scan %+v", data, scan)
			}
		default:
			if err := ValidateKey(scan.GTIN); err != nil || len(scan.GTIN) != 14 {
				t.Fatalf("%q: GTIN %q: %v", data, scan.GTIN, err)
			}
			again, err := Parse("]d201"+scan.GTIN, Options{Today: refDate})
			if err != nil || again.GTIN != scan.GTIN || again.NDC10() != scan.NDC10() {
				t.Fatalf("%q: GTIN %q re-parses to %+v, %v", data, scan.GTIN, again, err)
			}
		}
	})
}

// FuzzParseNDC: no input panics, and every accepted NDC prints and parses
// back to itself, with consistent derived forms.
func FuzzParseNDC(f *testing.F) {
	for _, s := range fuzzSeeds(f, "ndc_format.tsv") {
		f.Add(s)
	}
	for _, s := range []string{"0002-7597-01", "NDC 50242-040-62", "00002759701", "0002759701", "12345-678-*9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNDC(s)
		if err != nil {
			checkError(t, s, err)
			return
		}
		if !allDigits(n.Digits) || len(n.Digits) < 10 || len(n.Digits) > 12 {
			t.Fatalf("%q: digits %q", s, n.Digits)
		}
		back, err := ParseNDC(n.Format())
		if err != nil || back != n {
			t.Fatalf("%q parsed to %+v; its format %q parses to %+v, %v", s, n, n.Format(), back, err)
		}
		if b, err := n.Billing11(); err == nil && (len(b) != 11 || !allDigits(b)) {
			t.Fatalf("%q: billing form %q", s, b)
		}
		if d, err := n.Digits12(); err == nil && (len(d) != 12 || !allDigits(d)) {
			t.Fatalf("%q: 12-digit form %q", s, d)
		}
		if g, err := GTINFromNDC(n); err == nil {
			d10, _ := n.Digits10()
			if got, ok := NDC10FromGTIN(g); !ok || got != d10 {
				t.Fatalf("%q: GTIN %s gives NDC %q, want %q", s, g, got, d10)
			}
		}
	})
}
