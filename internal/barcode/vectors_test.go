package barcode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// refDate is the day the expected results of testdata/vectors.tsv were
// produced on; a few rows depend on the GS1 century window.
var refDate = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// vector is one row of a third-party test-vector file (see testdata/README.md).
type vector struct {
	line                              int
	repo, path, input, expected, note string
}

// loadVectors reads a tab-separated vector file with one header line.
func loadVectors(t testing.TB, name string) []vector {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 5 {
			t.Fatalf("%s:%d: %d columns, want 5", name, line, len(cols))
		}
		out = append(out, vector{line, cols[0], cols[1], unescape(t, cols[2]), unescape(t, cols[3]), cols[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// unescape decodes the files' escapes: \xHH for a byte, \\ for a backslash.
func unescape(t testing.TB, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
			i++
		case 'x':
			n, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q", s)
			}
			b.WriteByte(byte(n))
			i += 3
		default:
			b.WriteByte('\\')
		}
	}
	return b.String()
}

// notationFor picks the entry point the source test exercised: the same
// input means different things to different functions of the source
// libraries ("" is no_data for scan data, no_fnc1_first for the ^ form and
// malformed_ai for bracketed input; "17221231" is a valid element string but
// not bracketed input).
func notationFor(v vector) Notation {
	switch {
	case strings.Contains(v.path, "test_ai_parseAIdata"):
		return NotationBracketed // gs1_parseAIdata: bracketed input only
	case strings.Contains(v.path, "test_ai_processAIdata"):
		return NotationCaret // gs1_processAIdata: ^ form only
	case strings.Contains(v.path, "scandata.c"), strings.Contains(v.path, "test_api_setScanData"):
		return NotationScanData // scan data: AIM identifier required
	case v.repo == "jodal/biip" && strings.Contains(v.note, "parse_hri"):
		return NotationBracketed // biip's parse_hri
	case v.repo == "jodal/biip" && (strings.HasSuffix(v.path, "test_gs1_messages.py") || strings.HasSuffix(v.path, "test_gs1_element_strings.py")):
		return NotationRaw // biip's GS1 message parser: element strings, no GTIN guessing
	case v.repo == "zint/zint" && strings.Contains(v.note, "GS1RAW_MODE"):
		return NotationRaw
	case strings.Contains(v.path, "test_gs1_verify"):
		return NotationBracketed // zint's bracketed input mode
	}
	return NotationAuto
}

// deviations are rows this parser deliberately answers differently from the
// expected result in the file, keyed by input.
var deviations = map[string]struct{ got, why string }{
	// An AI of one digit in brackets: biip reports an unknown AI, GS1's
	// engine (row "(1)12345") a malformed one. AIs have 2 to 4 digits, so
	// we say malformed_ai for both rows rather than depend on the caller.
	"(1)15210526": {"ERR malformed_ai", "a one-digit AI is malformed (AIs have 2-4 digits), as for the engine's row (1)12345"},
	// Lot first with its separator dropped: at least four readings are
	// valid ((10)21072911(17)240531(01)00693570007182,
	// (10)2107291117240531(01)00693570007182, (10)21072(91)..., (10)210729111(7240)...),
	// so the scan is ambiguous, the more specific form of a missing
	// separator; the error lists the readings.
	"1021072911172405310100693570007182": {"ERR ambiguous", "several readings are valid: ambiguous refines missing_separator"},
}

// outOfScope lists rows not run, with the reason. Every row is in scope
// (Digital Link URIs included), so it is empty; it stays so the test says so.
var outOfScope = map[string]string{}

// runVector runs one row and describes the outcome in the file's notation.
func runVector(v vector, n Notation) string {
	if key, ok := strings.CutPrefix(v.input, "gtin:"); ok {
		return describe(nil, ValidateKey(key))
	}
	opts := Options{Today: refDate, Notation: n}
	if strings.Contains(v.note, "separator_chars") {
		opts.Separators = "|"
	}
	return describe(Parse(v.input, opts))
}

func describe(s *Scan, err error) string {
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return "ERR (not a *barcode.Error) " + err.Error()
		}
		return "ERR " + e.Code
	}
	if s == nil {
		return "OK"
	}
	switch s.Kind {
	case KindGS1:
		return "OK " + ElementString(s.AIs, FormBracketed)
	case KindPlain:
		return "OK plain:" + s.Plain
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(string(s.Kind), "gtin"))
	return fmt.Sprintf("OK %s:%s", s.Kind, s.GTIN[14-n:])
}

func TestVectors(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t, "vectors.tsv")
	if len(vs) != 257 {
		t.Fatalf("vectors.tsv has %d rows, want 257", len(vs))
	}
	used := map[string]bool{}
	for _, v := range vs {
		t.Run(fmt.Sprintf("line%d", v.line), func(t *testing.T) {
			if why, ok := outOfScope[v.input]; ok {
				t.Skip(why)
			}
			want := v.expected
			if d, ok := deviations[v.input]; ok {
				want = d.got
				used[v.input] = true
			}
			if got := runVector(v, notationFor(v)); got != want {
				t.Errorf("%s %s\ninput %q\n got %s\nwant %s\nnote: %s", v.repo, v.path, v.input, got, want, v.note)
			}
		})
	}
	for in := range deviations {
		if !used[in] {
			t.Errorf("deviation %q matches no row", in)
		}
	}
}

// TestVectorsAuto checks that Parse with no notation given agrees with every
// accepted row, except digits that are a valid bare GTIN (read as one on
// purpose, see NotationAuto).
func TestVectorsAuto(t *testing.T) {
	t.Parallel()
	for _, v := range loadVectors(t, "vectors.tsv") {
		if !strings.HasPrefix(v.expected, "OK") || strings.HasPrefix(v.input, "gtin:") {
			continue
		}
		if _, ok := deviations[v.input]; ok {
			continue
		}
		t.Run(fmt.Sprintf("line%d", v.line), func(t *testing.T) {
			want := v.expected
			if _, ok := bareGTIN(v.input); ok {
				t.Skipf("%q is also a valid bare GTIN", v.input)
			}
			if got := runVector(v, NotationAuto); got != want {
				t.Errorf("input %q\n got %s\nwant %s", v.input, got, want)
			}
		})
	}
}
