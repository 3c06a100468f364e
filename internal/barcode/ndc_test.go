package barcode

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestNDCFormatVectors(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t, "ndc_format.tsv")
	if len(vs) != 21 {
		t.Fatalf("ndc_format.tsv has %d rows, want 21", len(vs))
	}
	for _, v := range vs {
		t.Run(fmt.Sprintf("line%d", v.line), func(t *testing.T) {
			n, err := ParseNDC(v.input)
			switch {
			case v.expected == "ERR":
				if err == nil {
					t.Fatalf("ParseNDC(%q) = %+v, want an error", v.input, n)
				}
			case err != nil:
				t.Fatalf("ParseNDC(%q): %v", v.input, err)
			case strings.HasPrefix(v.expected, "format "):
				want := strings.TrimPrefix(v.expected, "format ")
				if want == "(none)" {
					want = ""
				}
				if got := n.Shape.String(); got != want {
					t.Errorf("ParseNDC(%q).Shape = %q, want %q", v.input, got, want)
				}
			case strings.HasPrefix(v.expected, "ndc11 "):
				got, err := n.Billing11()
				if err != nil || got != strings.TrimPrefix(v.expected, "ndc11 ") {
					t.Errorf("ParseNDC(%q).Billing11() = %q, %v; want %s", v.input, got, err, v.expected)
				}
			default:
				t.Fatalf("unknown expectation %q", v.expected)
			}
		})
	}
}

func TestParseNDC(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, format, billing, gtin string
		shape                     Shape
	}{
		// The NDCs of the demo formulary, in their printed and padded forms.
		{"0002-7597-01", "0002-7597-01", "00002759701", "00300027597010", Shape442},
		{"50242-040-62", "50242-040-62", "50242004062", "00350242040624", Shape532},
		{"60575-4112-1", "60575-4112-1", "60575411201", "00360575411213", Shape541},
		{"NDC 0409-7336-11", "0409-7336-11", "00409733611", "00304097336111", Shape442},
		{" ndc: 44567-703-01 ", "44567-703-01", "44567070301", "00344567703012", Shape532},
		// The 11-digit billing form: the GTIN is derivable only when one
		// segment alone could carry the padding zero.
		{"50242-0040-62", "50242-0040-62", "50242004062", "00350242040624", Shape542},
		{"50242004062", "50242-0040-62", "50242004062", "00350242040624", Shape542},
		{"00002-7597-01", "00002-7597-01", "00002759701", "", Shape542},
		// Bare 10 digits: layout unknown, GTIN still defined.
		{"0002759701", "0002759701", "", "00300027597010", Shape{}},
		// 12-digit layouts.
		{"045983-295-86", "045983-295-86", "45983029586", "00345983295860", Shape632},
		{"123456-7890-12", "123456-7890-12", "", "", Shape642},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			n, err := ParseNDC(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if n.Shape != tt.shape || n.Format() != tt.format {
				t.Errorf("got %s (%s), want %s (%s)", n.Format(), n.Shape, tt.format, tt.shape)
			}
			b, err := n.Billing11()
			if (err == nil) != (tt.billing != "") || b != tt.billing {
				t.Errorf("Billing11() = %q, %v; want %q", b, err, tt.billing)
			}
			g, err := GTINFromNDC(n)
			if (err == nil) != (tt.gtin != "") || g != tt.gtin {
				t.Errorf("GTINFromNDC() = %q, %v; want %q", g, err, tt.gtin)
			}
		})
	}
}

func TestParseNDCErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, code string }{
		{"", CodeEmptyValue},
		{"NDC", CodeEmptyValue},
		{"0002-7597", CodeWrongLength},
		{"0002-7597-01-1", CodeWrongLength},
		{"002-7597-01", CodeWrongLength},
		{"00002-75970-1", CodeWrongLength},
		{"000275970", CodeWrongLength},
		{"0002759701234", CodeWrongLength},
		{"0002-75a7-01", CodeNonNumeric},
		{"0002-7597-0a", CodeNonNumeric},
		{"*002-7597-01", CodeNonNumeric},
		{"00027597O1", CodeNonNumeric},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseNDC(tt.in)
			var e *Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("ParseNDC(%q) error = %v, want code %s", tt.in, err, tt.code)
			}
		})
	}
}

func TestNDCForms(t *testing.T) {
	t.Parallel()
	n := NDC{Digits: "0002759701", Shape: Shape442}
	if d, err := n.Digits12(); err != nil || d != "000002759701" {
		t.Errorf("Digits12() = %q, %v", d, err)
	}
	if d, err := (NDC{Digits: "00002759701"}).Digits12(); err != nil || d != "000002759701" {
		t.Errorf("Digits12() of 11 digits = %q, %v", d, err)
	}
	if _, err := (NDC{Digits: "0002759701"}).Digits12(); err == nil {
		t.Error("Digits12() of 10 bare digits should need the layout")
	}
	if _, err := (NDC{Digits: "0002759701"}).Billing11(); err == nil {
		t.Error("Billing11() of 10 bare digits should need the layout")
	}
	if l, p, k, ok := n.Segments(); !ok || l != "0002" || p != "7597" || k != "01" {
		t.Errorf("Segments() = %q %q %q %v", l, p, k, ok)
	}
	cs := Candidates10("0002759701")
	want := []string{"0002-7597-01", "00027-597-01", "00027-5970-1"}
	if len(cs) != 3 {
		t.Fatalf("Candidates10 gave %d", len(cs))
	}
	for i, c := range cs {
		if c.Format() != want[i] {
			t.Errorf("candidate %d = %s, want %s", i, c.Format(), want[i])
		}
	}
	if Candidates10("000275970") != nil || Candidates10("00027597a1") != nil {
		t.Error("Candidates10 accepted a non-NDC10")
	}
}

func TestNDC10FromGTIN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		gtin, ndc string
		ok        bool
	}{
		{"300027597010", "0002759701", true},   // UPC-A
		{"0300027597010", "0002759701", true},  // as EAN-13
		{"00300027597010", "0002759701", true}, // GTIN-14, unit of use
		{"50300027597015", "0002759701", true}, // GTIN-14, case indicator 5
		{"00300027597011", "", false},          // bad check digit
		{"05901234123457", "", false},          // not a US drug prefix
		{"400027597016", "", false},            // UPC-A not starting with 3
		{"0030002759701", "", false},           // 13 digits, not 0+UPC-A
		{"003000275970a0", "", false},          // not digits
		{"3000275970", "", false},              // too short
		{"00300027597010123", "", false},       // too long
	}
	for _, tt := range tests {
		t.Run(tt.gtin, func(t *testing.T) {
			got, ok := NDC10FromGTIN(tt.gtin)
			if got != tt.ndc || ok != tt.ok {
				t.Errorf("NDC10FromGTIN(%q) = %q, %v; want %q, %v", tt.gtin, got, ok, tt.ndc, tt.ok)
			}
		})
	}
}

func TestCheckDigit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want byte
		code string
	}{
		{"0030002759701", '0', ""},
		{"590123412345", '7', ""},
		{"0234567", '3', ""},
		{"12345678901234567", '5', ""},
		{"", 0, CodeWrongLength},
		{"12a4", 0, CodeNonNumeric},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := CheckDigit(tt.in)
			if tt.code != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.code {
					t.Fatalf("CheckDigit(%q) error %v, want %s", tt.in, err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("CheckDigit(%q) = %c, %v; want %c", tt.in, got, err, tt.want)
			}
		})
	}
	for _, s := range []string{"", "0", "0a", "00300027597011"} {
		if ValidCheckDigit(s) {
			t.Errorf("ValidCheckDigit(%q) = true", s)
		}
	}
}

// Any single mistyped digit is caught by the GS1 check digit (weights 3 and
// 1 are both prime to 10), and the check digit makes the key valid.
func TestCheckDigitProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		body := rapid.StringMatching(`[0-9]{1,17}`).Draw(t, "body")
		c, err := CheckDigit(body)
		if err != nil {
			t.Fatal(err)
		}
		full := body + string(c)
		if !ValidCheckDigit(full) {
			t.Fatalf("%s not valid", full)
		}
		i := rapid.IntRange(0, len(full)-1).Draw(t, "pos")
		d := byte('0' + rapid.IntRange(1, 9).Draw(t, "delta"))
		b := []byte(full)
		b[i] = '0' + (b[i]-'0'+d-'0')%10
		if ValidCheckDigit(string(b)) {
			t.Fatalf("%s (from %s) still valid", b, full)
		}
	})
}

// An NDC printed in a 10-digit layout survives the trip to a GTIN and back,
// and its billing form parses back to the same 11 digits.
func TestNDCGTINProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		sh := rapid.SampledFrom([]Shape{Shape442, Shape532, Shape541}).Draw(t, "shape")
		digits := rapid.StringMatching(`[0-9]{10}`).Draw(t, "digits")
		n := NDC{Digits: digits, Shape: sh}
		p, err := ParseNDC(n.Format())
		if err != nil || p != n {
			t.Fatalf("ParseNDC(%s) = %+v, %v", n.Format(), p, err)
		}
		g, err := GTINFromNDC(n)
		if err != nil {
			t.Fatal(err)
		}
		if back, ok := NDC10FromGTIN(g); !ok || back != digits {
			t.Fatalf("GTIN %s gives %q, %v; want %s", g, back, ok, digits)
		}
		scan, err := Parse(g, Options{Today: refDate})
		if err != nil || scan.NDC10() != digits {
			t.Fatalf("Parse(%s) NDC %q, %v", g, scan.NDC10(), err)
		}
		b11, err := n.Billing11()
		if err != nil || len(b11) != 11 {
			t.Fatalf("Billing11() = %q, %v", b11, err)
		}
		nb, err := ParseNDC(b11)
		if err != nil || nb.Shape != Shape542 {
			t.Fatalf("ParseNDC(%s) = %+v, %v", b11, nb, err)
		}
		if d10, ok := nb.Digits10(); ok && d10 != digits {
			t.Fatalf("billing %s maps back to %s, want %s", b11, d10, digits)
		}
		d12, err := n.Digits12()
		if err != nil || len(d12) != 12 || d12[1:] != b11 {
			t.Fatalf("Digits12() = %q, %v (billing %s)", d12, err, b11)
		}
	})
}
