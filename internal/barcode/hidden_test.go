package barcode

import (
	"strings"
	"testing"
	"time"
)

// TestHiddenAIs: with HiddenAIs (the workflow's setting) a lot or serial
// that could swallow another element string through a dropped separator is
// ambiguous, with every reading listed; without it the parser keeps its
// GS1 reading.
func TestHiddenAIs(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name, data string
		readings   []string // bracketed; nil means accepted as read
	}{
		{"lot swallows the serial", "01003000275970101727053110A1B2C321SER123",
			[]string{"(01)00300027597010(17)270531(10)A1B2C321SER123", "(01)00300027597010(17)270531(10)A1B2C3(21)SER123"}},
		{"scan data form", "]d201003000275970101727053110A1B2C321SER123",
			[]string{"(01)00300027597010(17)270531(10)A1B2C321SER123", "(01)00300027597010(17)270531(10)A1B2C3(21)SER123"}},
		{"serial swallows an expiry", "010030002759701021SER12317270531",
			[]string{"(01)00300027597010(21)SER12317270531", "(01)00300027597010(21)SER123(17)270531"}},
		{"separator sent: no hidden AI", "01003000275970101727053110A1B2C3\x1d21SER123", nil},
		{"lot with digits that start no valid AI", "010030002759701017270531" + "10LOT2024X", nil},
		{"embedded lot AI would repeat the lot: not a reading", "010030002759701017270531" + "10AB10CD", nil},
		{"embedded serial AI already present with another value", "01003000275970101727053121SER1\x1d10AB21CD", nil},
		{"bracketed form is explicit", "(01)00300027597010(17)270531(10)A1B2C321SER123", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain, err := Parse(tc.data, Options{Today: today})
			if err != nil {
				t.Fatalf("without HiddenAIs: %v", err)
			}
			s, err := Parse(tc.data, Options{Today: today, HiddenAIs: true})
			if tc.readings == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if ElementString(s.AIs, FormBracketed) != ElementString(plain.AIs, FormBracketed) {
					t.Fatalf("reading changed: %v vs %v", s.AIs, plain.AIs)
				}
				return
			}
			be, ok := err.(*Error)
			if !ok || be.Code != CodeAmbiguous {
				t.Fatalf("got %v (%v), want ambiguous", s, err)
			}
			var got []string
			for _, r := range be.Readings {
				got = append(got, ElementString(r, FormBracketed))
			}
			if strings.Join(got, " | ") != strings.Join(tc.readings, " | ") {
				t.Fatalf("readings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.readings, "\n"))
			}
			for _, r := range tc.readings {
				if !strings.Contains(be.Message, r) {
					t.Errorf("message %q does not show %s", be.Message, r)
				}
			}
		})
	}
}

// FuzzHiddenAIs: HiddenAIs only ever refuses more. What it accepts, the
// default parse accepts with the same elements; what the default refuses,
// it refuses; an ambiguous answer lists at least two readings.
func FuzzHiddenAIs(f *testing.F) {
	for _, s := range []string{"01003000275970101727053110A1B2C321SER123", "010030002759701021SER12317270531",
		"10AB\x1d21CD", "]d21012345678901234567890123", "0100300027597010"} {
		f.Add(s)
	}
	today := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data string) {
		plain, perr := Parse(data, Options{Today: today})
		strict, serr := Parse(data, Options{Today: today, HiddenAIs: true})
		if serr == nil {
			if perr != nil || ElementString(plain.AIs, FormBracketed) != ElementString(strict.AIs, FormBracketed) {
				t.Fatalf("HiddenAIs accepted %v, default gave %v (%v)", strict.AIs, plain, perr)
			}
			return
		}
		if be, ok := serr.(*Error); ok && be.Code == CodeAmbiguous && len(be.Readings) == 1 {
			t.Fatalf("ambiguous with one reading: %v", be)
		}
	})
}
