package barcode

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The same vial label (NDC 0002-7597-01, expiry 2027-05-31, lot A1B2C3,
// serial 100) in every form a scanner or a person sends.
func TestParseForms(t *testing.T) {
	t.Parallel()
	want := []Element{{"01", "00300027597010"}, {"17", "270531"}, {"10", "A1B2C3"}, {"21", "100"}}
	tests := []struct {
		name, data string
		opts       Options
		symbology  string
	}{
		{"datamatrix", "]d2010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, "]d2"},
		{"gs1-128", "]C1010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, "]C1"},
		{"gs1 qr", "]Q3010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, "]Q3"},
		{"dotcode", "]J1010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, "]J1"},
		{"no prefix", "010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, ""},
		{"leading gs", "\x1d010030002759701017270531" + "10A1B2C3\x1d21100", Options{}, ""},
		{"gs everywhere", "0100300027597010\x1d17270531\x1d10A1B2C3\x1d21100\x1d", Options{}, ""},
		{"pipe for gs", "010030002759701017270531" + "10A1B2C3|21100", Options{Separators: "|"}, ""},
		{"bracketed", "(01)00300027597010(17)270531(10)A1B2C3(21)100", Options{}, ""},
		{"caret", "^010030002759701017270531" + "10A1B2C3^21100", Options{}, ""},
		{"digital link", "https://id.example.com/01/00300027597010/10/A1B2C3/21/100?17=270531", Options{}, ""},
		{"digital link in qr", "]Q1https://id.example.com/01/300027597010/10/A1B2C3/21/100?17=270531&utm=x", Options{}, "]Q1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Today = refDate
			s, err := Parse(tt.data, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(s.AIs)
			if tt.name == "digital link" || tt.name == "digital link in qr" {
				// A Digital Link puts query AIs last.
				got = []Element{got[0], got[3], got[1], got[2]}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("AIs = %v, want %v", s.AIs, want)
			}
			if s.Kind != KindGS1 || s.Symbology != tt.symbology || s.GTIN != "00300027597010" ||
				s.Lot != "A1B2C3" || s.Serial != "100" || s.ExpiryRaw != "270531" ||
				s.Expiry == nil || s.Expiry.String() != "2027-05-31" || s.NDC10() != "0002759701" {
				t.Errorf("scan = %+v (expiry %v)", s, s.Expiry)
			}
		})
	}
}

func TestParseLinear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data string
		kind Kind
		gtin string
		ndc  string
	}{
		{"300027597010", KindGTIN12, "00300027597010", "0002759701"},
		{"]E00300027597010", KindGTIN12, "00300027597010", "0002759701"},
		{"0300027597010", KindGTIN12, "00300027597010", "0002759701"},
		{"00300027597010", KindGTIN14, "00300027597010", "0002759701"},
		{"]I150300027597015", KindGTIN14, "50300027597015", "0002759701"},
		{"5901234123457", KindGTIN13, "05901234123457", ""},
		{"]E402345673", KindGTIN8, "00000002345673", ""},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			s, err := Parse(tt.data, Options{Today: refDate})
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind != tt.kind || s.GTIN != tt.gtin || s.NDC10() != tt.ndc || len(s.AIs) != 0 {
				t.Errorf("got %s %s ndc %q, want %s %s ndc %q", s.Kind, s.GTIN, s.NDC10(), tt.kind, tt.gtin, tt.ndc)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		today time.Time
		want  string
	}{
		{"270531", refDate, "2027-05-31"},
		{"280200", refDate, "2028-02-29"}, // day 00 = last day, leap year
		{"270200", refDate, "2027-02-28"},
		{"271200", refDate, "2027-12-31"},
		{"760101", refDate, "2076-01-01"}, // +50 years: this century
		{"770101", refDate, "1977-01-01"}, // +51 years: last century
		{"000229", time.Date(2049, 6, 1, 0, 0, 0, 0, time.UTC), "2000-02-29"},
		{"990101", time.Date(2060, 6, 1, 0, 0, 0, 0, time.UTC), "2099-01-01"},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			s, err := Parse("(17)"+tt.value, Options{Today: tt.today})
			if err != nil {
				t.Fatal(err)
			}
			if s.Expiry.String() != tt.want || s.ExpiryRaw != tt.value {
				t.Errorf("expiry %s (raw %s), want %s", s.Expiry, s.ExpiryRaw, tt.want)
			}
			d, err := ResolveDate(tt.value, tt.today)
			if err != nil || d.String() != tt.want {
				t.Errorf("ResolveDate = %s, %v", d, err)
			}
		})
	}
	// In 2050 the window is 2001-2100, so 00 is 2100: not a leap year.
	if _, err := Parse("(11)000229", Options{Today: time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)}); code(err) != CodeBadDate {
		t.Errorf("(11)000229 in 2050: %v, want bad_date", err)
	}
	if _, err := ResolveDate("2702", refDate); code(err) != CodeWrongLength {
		t.Errorf("ResolveDate(2702): %v", err)
	}
	if _, err := ResolveDate("270230", refDate); code(err) != CodeBadDate {
		t.Errorf("ResolveDate(270230): %v", err)
	}
	a, b := Date{2027, 5, 31}, Date{2027, 6, 1}
	if !a.Before(b) || b.Before(a) || a.Before(a) || !a.In(time.UTC).Equal(time.Date(2027, 5, 31, 0, 0, 0, 0, time.UTC)) {
		t.Error("Date.Before / Date.In")
	}
}

func code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// A scanner that drops the GS after a variable-length field.
func TestMissingSeparator(t *testing.T) {
	t.Parallel()
	const gtin = "0100300027597010"
	tests := []struct {
		name, data string
		lot        *regexp.Regexp
		want       string // bracketed reading, or an error code
	}{
		// The data as sent is valid: accepted as sent (the lot swallows
		// the date); see the package documentation.
		{"valid as sent", gtin + "10A1B2C317270531", nil, "(01)00300027597010(10)A1B2C317270531"},
		// Too long for a lot; one cut leaves valid fields.
		{"one reading", gtin + "10ABCDEFGHIJKLMNOP1727053121SERIAL", nil, "(01)00300027597010(10)ABCDEFGHIJKLMNOP(17)270531(21)SERIAL"},
		{"fixed-length AI that needs a separator", "8111123410ABC", nil, "(8111)1234(10)ABC"},
		// Several cuts fit: refused, with the readings.
		{"several readings", "1021072911172405310100693570007182", nil, CodeAmbiguous},
		// The product's lot format picks one.
		{"lot pattern decides", "1021072911172405310100693570007182", regexp.MustCompile(`^\d{8}$`), "(10)21072911(17)240531(01)00693570007182"},
		{"lot pattern matches none", "1021072911172405310100693570007182", regexp.MustCompile(`^X`), CodeMissingSeparator},
		// No cut fits.
		{"no reading", gtin + "10ABCDEFGHIJKLMNOPQRSTU17999999", nil, CodeMissingSeparator},
		// Junk after a full-length lot.
		{"junk", gtin + "10AAAAAAAAAAAAAAAAAAAAxyz", nil, CodeTrailingData},
		// In ^ notation fields end at ^ only.
		{"caret is strict", "^8111123410ABC", nil, CodeValueTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.data, Options{Today: refDate, LotPattern: tt.lot})
			got := ""
			if err != nil {
				got = code(err)
			} else {
				got = s.Bracketed()
			}
			if got != tt.want {
				t.Fatalf("got %s (%v), want %s", got, err, tt.want)
			}
		})
	}
	_, err := Parse("1021072911172405310100693570007182", Options{Today: refDate})
	var e *Error
	if !errors.As(err, &e) || len(e.Readings) < 2 || e.AI != "10" || e.Pos != 2 ||
		!strings.Contains(e.Message, "(10)21072911(17)240531(01)00693570007182") {
		t.Errorf("ambiguous error = %+v", e)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		data string
		opts Options
		code string
		ai   string
		pos  int
	}{
		{"", Options{}, CodeNoData, "", 0},
		{"]d2", Options{}, CodeEmptyValue, "", 3},
		{"]d2\x1d\x1d", Options{}, CodeEmptyValue, "", 3},
		{"]d1", Options{}, CodeNoData, "", 3},
		{"]Z9abc", Options{}, CodeUnknownSymbology, "", 0},
		{"]9Zabc", Options{}, CodeNoSymbologyIdentifier, "", 0},
		{"0100300027597010", Options{Notation: NotationScanData}, CodeNoSymbologyIdentifier, "", 0},
		{"]d20100300027597011", Options{}, CodeBadCheckDigit, "01", 18},
		{"]d2010030002759701017271331", Options{}, CodeBadDate, "17", 21},
		{"]d20100300027597010\x1d17270532", Options{}, CodeBadDate, "17", 22},
		{"]d20100300027597010" + "10AB CD", Options{}, CodeBadCharacter, "10", 23},
		{"]d20100300027597010" + "10ABC\x1d10ABD", Options{}, CodeRepeatedAI, "10", 25},
		{"]d20100300027597010" + "89ABC", Options{}, CodeUnknownAI, "", 19},
		{"]d20100300027597010" + "AB", Options{}, CodeMalformedAI, "", 19},
		{"(01)00300027597010(17)27053", Options{}, CodeWrongLength, "17", 22},
		{"(01)00300027597010(17", Options{}, CodeMalformedAI, "", 18},
		{"(17)270531(10)", Options{}, CodeEmptyValue, "10", 14},
		{"(7003)2705312460", Options{}, CodeBadTime, "7003", 12},
		{"(8013)1987654Ad4X4bL5ttr2310c2L", Options{}, CodeBadCheckDigit, "8013", 29},
		{"(8010)ABC-/#abc", Options{}, CodeBadCharacter, "8010", 12},
		{"(8030)abc+def", Options{}, CodeBadCharacter, "8030", 9},
		{"(8008)2705312360", Options{}, CodeBadTime, "8008", 14},
		{"(8008)270531231", Options{}, CodeWrongLength, "8008", 14},
		{"(7250)20270229", Options{}, CodeBadDate, "7250", 6},
		{"991234", Options{Notation: NotationCaret}, CodeNoFNC1First, "", 0},
		{"ABC", Options{Notation: NotationBracketed}, CodeMalformedAI, "", 0},
		{strings.Repeat("9", maxInput+1), Options{}, CodeValueTooLong, "", maxInput},
		{"https://id.example.com/01/00300027597011", Options{}, CodeBadCheckDigit, "01", 39},
		{"https://id.example.com/01/00300027597010?10=%zz", Options{}, CodeBadCharacter, "10", 44},
		{"]Q1https://id.example.com/01/00300027597010/10/AB%20C", Options{}, CodeBadCharacter, "10", 47},
	}
	for _, tt := range tests {
		t.Run(tt.data, func(t *testing.T) {
			tt.opts.Today = refDate
			s, err := Parse(tt.data, tt.opts)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %+v, %v; want error %s", s, err, tt.code)
			}
			if e.Code != tt.code || e.AI != tt.ai || e.Pos != tt.pos {
				t.Errorf("error %s AI %q pos %d (%s); want %s AI %q pos %d", e.Code, e.AI, e.Pos, e.Message, tt.code, tt.ai, tt.pos)
			}
			if !strings.HasPrefix(err.Error(), tt.code+": ") || e.Message == "" {
				t.Errorf("Error() = %q", err.Error())
			}
		})
	}
}

func TestParsePlain(t *testing.T) {
	t.Parallel()
	for _, data := range []string{"PREP-000123", "]d1PREP-000123", "https://example.com/not/a/link", "]Q1HTTPS://example.com/"} {
		s, err := Parse(data, Options{Today: refDate})
		if err != nil || s.Kind != KindPlain || s.Plain == "" || s.GTIN != "" {
			t.Errorf("Parse(%q) = %+v, %v; want plain", data, s, err)
		}
	}
}

func TestElementString(t *testing.T) {
	t.Parallel()
	elems := []Element{{"01", "00300027597010"}, {"10", "A(1"}, {"17", "270531"}, {"21", "7"}}
	tests := []struct {
		form Form
		want string
	}{
		{FormGS, "0100300027597010" + "10A(1\x1d" + "17270531" + "217"},
		{FormBracketed, `(01)00300027597010(10)A\(1(17)270531(21)7`},
		{FormCaret, "^0100300027597010" + "10A(1^" + "17270531" + "217"},
		{FormDataMatrix, "]d20100300027597010" + "10A(1\x1d" + "17270531" + "217"},
		{FormGS1128, "]C10100300027597010" + "10A(1\x1d" + "17270531" + "217"},
		{FormQR, "]Q30100300027597010" + "10A(1\x1d" + "17270531" + "217"},
		{FormDataBar, "]e00100300027597010" + "10A(1\x1d" + "17270531" + "217"},
	}
	for _, tt := range tests {
		if got := ElementString(elems, tt.form); got != tt.want {
			t.Errorf("form %d: %q, want %q", tt.form, got, tt.want)
		}
	}
	if got := ElementString(nil, FormGS); got != "" {
		t.Errorf("empty: %q", got)
	}
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"00300027597010": "", "300027597010": "", "376104250021234569": "", "1234567890128": "",
		"00300027597011": CodeBadCheckDigit, "3000275970": CodeWrongLength, "30002759701O": CodeNonNumeric,
	} {
		if got := code(ValidateKey(key)); got != want {
			t.Errorf("ValidateKey(%q) = %q, want %q", key, got, want)
		}
	}
}
