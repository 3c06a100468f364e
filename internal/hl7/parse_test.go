package hl7

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hl7", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseSamples(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file  string
		paths map[string]string
		segs  int
	}{
		{"rde-o11-new.hl7", map[string]string{
			"MSH-1": "|", "MSH-2": `^~\&`, "MSH-3": "PHARMSYS", "MSH-9.1": "RDE", "MSH-9.2": "O11", "MSH-10": "MSG00001",
			"MSH-12": "2.5.1", "PID-3": "MRN200001", "PID-3.5": "MR", "PID-5": "Rivera", "PID-5.2": "Maria",
			"PID-7": "19700315", "PV1-3": "4W", "PV1-3.2": "12", "ORC-1": "NW", "ORC-2": "ORD7001",
			"ORC-12.2": "Kildare", "RXE-2.1": "60505-6243-4", "RXE-2.3": "NDC", "RXE-3": "2", "RXE-5": "g",
			"RXE-23": "100", "RXE-24": "mL/h", "TQ1-7": "20261203090000", "TQ1-9": "S",
			"RXR-1": "IV", "RXC-1": "B", "RXC-3": "100", "OBX-3": "29463-7", "OBX-5": "68.5",
		}, 11},
		{"rde-o11-custom-encoding.hl7", map[string]string{
			"MSH-1": "$", "MSH-2": "!*#@", "MSH-9.2": "O11", "MSH-10": "MSG00005", "MSH-12": "2.3",
			"PID-3": "MRN200002", "PID-3.4": "GENHOSP", "PID-5": "Lee@Park", "PID-5.2": "Sean",
			"PV1-3.2": "07", "RXE-2.2": "cefazolin", "RXC-2": "sodium chloride 0.9%",
		}, 8},
		{"adt-a08-weight.hl7", map[string]string{"MSH-9": "ADT", "MSH-9.2": "A08", "PV1-3": "ICU", "OBX-5": "71.2", "OBX-6": "kg"}, 5},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			m, err := Parse(mustRead(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Segments) != c.segs {
				t.Errorf("%d segments, want %d", len(m.Segments), c.segs)
			}
			for p, want := range c.paths {
				if got := m.Get(p); got != want {
					t.Errorf("%s = %q, want %q", p, got, want)
				}
			}
		})
	}
}

func TestParseTrailingFieldsDropped(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte("MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1|||||\rPID|1||X||||||||||\r"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Segment("PID").Fields); n != 4 {
		t.Errorf("PID has %d fields after trimming, want 4 (name + 3)", n)
	}
	if n := len(m.Segment("MSH").Fields); n != 13 {
		t.Errorf("MSH has %d fields after trimming, want 13", n)
	}
}

func TestParseLineEndings(t *testing.T) {
	t.Parallel()
	base := "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||X\rPV1|1|I|W^1\r"
	for name, sep := range map[string]string{"CR": "\r", "LF": "\n", "CRLF": "\r\n", "blank lines": "\r\n\r\n"} {
		t.Run(name, func(t *testing.T) {
			m, err := Parse([]byte(strings.ReplaceAll(base, "\r", sep)))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Segments) != 3 || m.Get("PV1-3.2") != "1" {
				t.Errorf("got %d segments, PV1-3.2 %q", len(m.Segments), m.Get("PV1-3.2"))
			}
		})
	}
}

func TestParseRepetitionsAndSubcomponents(t *testing.T) {
	t.Parallel()
	m, err := Parse([]byte("MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rPID|1||X1^^^H1&1.2.3&ISO~X2^^^H2\r"))
	if err != nil {
		t.Fatal(err)
	}
	pid := m.Segment("PID")
	if pid.Reps(3) != 2 || pid.RepValue(m.Enc, 3, 1, 1) != "X2" || pid.Raw(3, 0, 4, 2) != "1.2.3" {
		t.Errorf("reps %d, second %q, sub %q", pid.Reps(3), pid.RepValue(m.Enc, 3, 1, 1), pid.Raw(3, 0, 4, 2))
	}
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	enc := DefaultEncoding
	cases := map[string]string{
		`a\F\b`:        "a|b",
		`a\S\b\T\c`:    "a^b&c",
		`\R\\E\`:       `~\`,
		`x\X0D0A\y`:    "x\r\ny",
		`line\.br\two`: "line\ntwo",
		`\H\bold\N\`:   "bold",
		`\C2842\abc`:   "abc",
		`no\end`:       `no\end`,
		`bad\Xzz\hex`:  `bad\Xzz\hex`,
		`\Q\`:          `\Q\`,
		`plain`:        "plain",
	}
	for in, want := range cases {
		if got := enc.Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

// Any text, escaped and written into a field, reads back unchanged: the
// property an outbound message relies on.
func TestEscapeRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringOf(rapid.RuneFrom([]rune("ab|^~\\&\r\n xyZ09.-#"))).Draw(t, "s")
		var b Builder
		b.Seg("MSH", "A", "B", "C", "D", "20260101", "", Comp{"ADT", "A01"}, "1", "P", "2.5.1")
		b.Seg("NTE", "1", "", s)
		m, err := Parse(b.Bytes())
		if err != nil {
			t.Fatalf("parse of built message: %v", err)
		}
		want := s
		if strings.TrimSpace(want) == "" {
			// Nothing to compare: an all-blank value is a blank field.
			return
		}
		if got := m.Get("NTE-3"); got != want {
			t.Fatalf("round trip %q -> %q", s, got)
		}
	})
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	huge := "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\rNTE|1||" + strings.Repeat("x", MaxSegmentLen) + "\r"
	many := "MSH|^~\\&|A|B|C|D|20260101||ADT^A01|1|P|2.5.1\r" + strings.Repeat("NTE|1\r", MaxSegments)
	cases := map[string]string{
		"empty":             "",
		"blank":             "\r\n \r",
		"no MSH":            "PID|1||X\r",
		"short MSH":         "MSH|^~\r",
		"three encoding":    "MSH|^~\\|A\r",
		"six encoding":      "MSH|^~\\&#!|A\r",
		"repeated char":     "MSH|^^\\&|A\r",
		"letter delimiter":  "MSH|^~\\A|A\r",
		"digit separator":   "MSH1^~\\&1A\r",
		"bad segment name":  "MSH|^~\\&|A\rpid|1\r",
		"no field sep":      "MSH|^~\\&|A\rPIDX1\r",
		"second MSH":        "MSH|^~\\&|A\rMSH|^~\\&|B\r",
		"huge segment":      huge,
		"too many segments": many,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(in))
			var e *Error
			if !errors.As(err, &e) || e.Message == "" {
				t.Fatalf("Parse = %v, want *hl7.Error", err)
			}
		})
	}
}

func TestAck(t *testing.T) {
	t.Parallel()
	m, err := Parse(mustRead(t, "rde-o11-new.hl7"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 3, 8, 30, 0, 0, time.UTC)
	ack := Ack(HeaderOf(m), AE, "LMN42", []AckError{{Location: ErrorLocation{Segment: "RXE", Sequence: 1, Field: 2}, Code: "103", Message: "unknown drug code 1|2"}}, now)
	a, err := Parse(ack)
	if err != nil {
		t.Fatalf("ACK does not parse: %v\n%q", err, ack)
	}
	want := map[string]string{
		"MSH-3": "LAMINAR", "MSH-5": "PHARMSYS", "MSH-6": "GENHOSP", "MSH-9": "ACK", "MSH-9.2": "O11", "MSH-10": "LMN42",
		"MSH-12": "2.5.1", "MSA-1": "AE", "MSA-2": "MSG00001", "ERR-2": "RXE", "ERR-2.2": "1", "ERR-2.3": "2",
		"ERR-3": "103", "ERR-4": "E", "ERR-8": "unknown drug code 1|2",
	}
	for p, w := range want {
		if got := a.Get(p); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
}

func TestSniffHeader(t *testing.T) {
	t.Parallel()
	h := SniffHeader([]byte("\x0bMSH$!*#@$APP$FAC$$$2026$$RDE!O11$CTRL9$P$2.3\rgarbage"))
	if h.ControlID != "CTRL9" || h.SendingApp != "APP" || h.Trigger != "O11" || h.Version != "2.3" {
		t.Errorf("%+v", h)
	}
	if h := SniffHeader([]byte("no header")); h != (Header{}) {
		t.Errorf("%+v", h)
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("site", -5*3600)
	cases := map[string]string{
		"20261203090000":        "2026-12-03T09:00:00-05:00",
		"202612030900":          "2026-12-03T09:00:00-05:00",
		"20261203":              "2026-12-03T00:00:00-05:00",
		"20261203090000+0100":   "2026-12-03T09:00:00+01:00",
		"20261203090000.1234":   "2026-12-03T09:00:00-05:00",
		"20261203090000.1-0000": "2026-12-03T09:00:00Z",
	}
	for in, want := range cases {
		got, ok := ParseTime(in, loc)
		if !ok || got.Format(time.RFC3339) != want {
			t.Errorf("ParseTime(%q) = %v %v, want %s", in, got.Format(time.RFC3339), ok, want)
		}
	}
	for _, bad := range []string{"", "2026120", "20261340", "abc", "20261203+01"} {
		if _, ok := ParseTime(bad, loc); ok {
			t.Errorf("ParseTime(%q) accepted", bad)
		}
	}
}
