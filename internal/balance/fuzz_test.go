package balance

import (
	"errors"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// checkParsed holds for any reply a parser accepts: the raw line is kept,
// the weight re-parses to the same value, and a failure is a coded error
// with a message (never a panic, never a bare error).
func checkParsed(t *testing.T, line string, rd Reading, err error) {
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code == "" || ae.Message == "" {
			t.Fatalf("%q: error without a code or message: %v", line, err)
		}
		return
	}
	if rd.Raw != strings.TrimRight(line, "\r\n") {
		t.Fatalf("%q: raw %q", line, rd.Raw)
	}
	v, u, ok := strings.Cut(rd.Weight(), " ")
	if !ok || u != rd.Unit {
		t.Fatalf("%q: weight %q", line, rd.Weight())
	}
	back, err := parseValue("", v, u)
	if err != nil || !back.Value.Equal(rd.Value) {
		t.Fatalf("%q: weight %q does not read back: %v", line, rd.Weight(), err)
	}
}

func FuzzParseMTSICS(f *testing.F) {
	for _, s := range []string{"S S      12.345 g", "S D     -1.2 mg", "S I", "S +", "ES", "T S 1 kg", "S S 1 1 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rd, err := ParseMTSICS(line)
		checkParsed(t, line, rd, err)
		_ = parseSICSZero(line)
		_, _ = parseSICSTare(line)
	})
}

func FuzzParseSBI(f *testing.F) {
	for _, s := range []string{"N     +    12.345 g  ", "+    12.345 g  ", "Stat      High    ", "-  1 mg"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rd, err := ParseSBI(line)
		checkParsed(t, line, rd, err)
	})
}
