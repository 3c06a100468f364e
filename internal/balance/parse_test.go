package balance

import (
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/apperr"
)

func codeOf(err error) string {
	var e *apperr.Error
	if err == nil {
		return ""
	}
	if ae, ok := err.(*apperr.Error); ok {
		e = ae
		return e.CodeOrKind()
	}
	return "not an apperr: " + err.Error()
}

func TestParseMTSICS(t *testing.T) {
	for _, tc := range []struct {
		line   string
		weight string
		stable bool
		code   string
	}{
		{"S S      12.345 g", "12.345 g", true, ""},
		{"S S      12.345 g\r\n", "12.345 g", true, ""},
		{"S S      12.340 g", "12.34 g", true, ""},
		{"S S     -0.002 g", "-0.002 g", true, ""},
		{"S D      12.301 g", "12.301 g", false, ""},
		{"S S    1234.5 mg", "1234.5 mg", true, ""},
		{"S S   0.0123 kg", "0.0123 kg", true, ""},
		{"S I", "", false, CodeUnstable},
		{"S +", "", false, CodeOverload},
		{"S -", "", false, CodeUnderload},
		{"ES", "", false, CodeBadReply},
		{"ET", "", false, CodeBadReply},
		{"EL", "", false, CodeBusy},
		{"S S      12.345 ct", "", false, CodeUnit},
		{"S S      12,345 g", "", false, CodeBadReply},
		{"S S      1e3 g", "", false, CodeBadReply},
		{"S S      12.345", "", false, CodeBadReply},
		{"S X      12.345 g", "", false, CodeBadReply},
		{"T S      12.345 g", "", false, CodeBadReply},
		{"", "", false, CodeBadReply},
		{"hello world", "", false, CodeBadReply},
		{"S S \x00 12.345 g", "", false, CodeBadReply},
		{"S S      12.345 g" + strings.Repeat(" ", 80), "", false, CodeBadReply},
		{"S S      １２ g", "", false, CodeBadReply},
		{"S + 12 g", "", false, CodeBadReply},
		{"S I 12 g", "", false, CodeBadReply},
	} {
		t.Run(tc.line, func(t *testing.T) {
			rd, err := ParseMTSICS(tc.line)
			if got := codeOf(err); got != tc.code {
				t.Fatalf("ParseMTSICS(%q) error %v (code %q), want code %q", tc.line, err, got, tc.code)
			}
			if tc.code != "" {
				return
			}
			if rd.Weight() != tc.weight || rd.Stable != tc.stable {
				t.Fatalf("ParseMTSICS(%q) = %s stable=%v, want %s stable=%v", tc.line, rd.Weight(), rd.Stable, tc.weight, tc.stable)
			}
			if rd.Raw != strings.TrimRight(tc.line, "\r\n") {
				t.Fatalf("Raw = %q", rd.Raw)
			}
		})
	}
}

func TestReadingJSONAndPlaces(t *testing.T) {
	rd, err := ParseMTSICS("S S      12.345 g")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := rd.MarshalJSON()
	if string(b) != `{"weight":"12.345 g","stable":true,"raw":"S S      12.345 g"}` {
		t.Fatalf("JSON %s", b)
	}
	rd, _ = ParseMTSICS("S S      12.340 g")
	if rd.Places() != 3 {
		t.Fatalf("places %d, want 3 (the balance printed three decimals)", rd.Places())
	}
	mg, _ := ParseMTSICS("S S    1234.5 mg")
	if mg.Grams().String() != "1.2345" {
		t.Fatalf("1234.5 mg in grams = %s", mg.Grams())
	}
	kg, _ := ParseMTSICS("S S    0.25 kg")
	if kg.Grams().String() != "250" {
		t.Fatalf("0.25 kg in grams = %s", kg.Grams())
	}
}

func TestParseZeroAndTare(t *testing.T) {
	for line, code := range map[string]string{
		"Z A": "", "Z I": CodeUnstable, "Z +": CodeOverload, "Z -": CodeOverload,
		"ES": CodeBadReply, "EL": CodeBusy, "Z Q": CodeBadReply, "S A": CodeBadReply, "Z A 1 g": CodeBadReply,
	} {
		if got := codeOf(parseSICSZero(line)); got != code {
			t.Errorf("zero reply %q: code %q, want %q", line, got, code)
		}
	}
	for line, code := range map[string]string{
		"T S      10.123 g": "", "T I": CodeUnstable, "T +": CodeOverload,
		"T S": CodeBadReply, "T D      10.1 g": CodeBadReply, "S S      10.1 g": CodeBadReply,
	} {
		_, err := parseSICSTare(line)
		if got := codeOf(err); got != code {
			t.Errorf("tare reply %q: code %q, want %q", line, got, code)
		}
	}
}

func TestParseSBI(t *testing.T) {
	for _, tc := range []struct {
		line   string
		weight string
		stable bool
		code   string
	}{
		{"+    12.345 g  ", "12.345 g", true, ""},
		{"N     +    12.345 g  ", "12.345 g", true, ""},
		{"N     -     0.002 g  ", "-0.002 g", true, ""},
		{"N     +    12.301    ", "12.301 g", false, ""},
		{"Stat      High    ", "", false, CodeOverload},
		{"Stat      Low     ", "", false, CodeUnderload},
		{"    H", "", false, CodeOverload},
		{"N     +    12.3.4 g  ", "", false, CodeBadReply},
		{"N     +    --12 g  ", "", false, CodeBadReply},
		{"N     +    12 lb  ", "", false, CodeUnit},
		{"N  ", "", false, CodeBadReply},
		{"*    12.345 g", "", false, CodeBadReply},
	} {
		t.Run(tc.line, func(t *testing.T) {
			rd, err := ParseSBI(tc.line)
			if got := codeOf(err); got != tc.code {
				t.Fatalf("ParseSBI(%q) error %v (code %q), want %q", tc.line, err, got, tc.code)
			}
			if tc.code == "" && (rd.Weight() != tc.weight || rd.Stable != tc.stable) {
				t.Fatalf("ParseSBI(%q) = %s stable=%v, want %s stable=%v", tc.line, rd.Weight(), rd.Stable, tc.weight, tc.stable)
			}
		})
	}
}

func TestParseDialect(t *testing.T) {
	for in, want := range map[string]Dialect{"mt-sics": MTSICS, "MTSICS": MTSICS, "sbi": SBI, " Sartorius ": SBI} {
		if got, err := ParseDialect(in); err != nil || got != want {
			t.Errorf("ParseDialect(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseDialect("ascii"); err == nil {
		t.Fatal("an unknown dialect was accepted")
	}
}
