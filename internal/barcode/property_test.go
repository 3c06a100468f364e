package barcode

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// allAIs lists the AI table, sorted, for generators.
var allAIs = func() []string {
	out := make([]string, 0, len(aiTable))
	for ai := range aiTable {
		out = append(out, ai)
	}
	sort.Strings(out)
	return out
}()

var csetChars = map[byte]string{
	'N': "0123456789",
	'X': cset82,
	'Y': "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
	'Z': "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
}

func drawChars(t *rapid.T, cset byte, n int, label string) string {
	b := rapid.SliceOfN(rapid.SampledFrom([]byte(csetChars[cset])), n, n).Draw(t, label)
	return string(b)
}

func drawDate(t *rapid.T, w window, day00 bool) string {
	yy := rapid.IntRange(0, 99).Draw(t, "yy")
	mm := rapid.IntRange(1, 12).Draw(t, "mm")
	lo := 1
	if day00 {
		lo = 0
	}
	dd := rapid.IntRange(lo, daysIn(w.fullYear(yy), mm)).Draw(t, "dd")
	return fmt.Sprintf("%02d%02d%02d", yy, mm, dd)
}

func drawClock(t *rapid.T) string {
	return fmt.Sprintf("%02d%02d", rapid.IntRange(0, 23).Draw(t, "hh"), rapid.IntRange(0, 59).Draw(t, "mi"))
}

// drawComponent draws a valid value for one component of an AI.
func drawComponent(t *rapid.T, c component, w window) string {
	switch c.lint {
	case lintYYMMD0, lintYYMMDD:
		return drawDate(t, w, c.lint == lintYYMMD0)
	case lintYYYYMMDD, lintYYYYMMDDHHMM:
		y := rapid.IntRange(1900, 2199).Draw(t, "yyyy")
		m := rapid.IntRange(1, 12).Draw(t, "mm")
		s := fmt.Sprintf("%04d%02d%02d", y, m, rapid.IntRange(1, daysIn(y, m)).Draw(t, "dd"))
		if c.lint == lintYYYYMMDDHHMM {
			s += drawClock(t)
		}
		return s
	case lintYYMMDDHH:
		return drawDate(t, w, false) + fmt.Sprintf("%02d", rapid.IntRange(0, 23).Draw(t, "hh"))
	case lintHHMM:
		return drawClock(t)
	case lintMMOptSS:
		s := fmt.Sprintf("%02d", rapid.IntRange(0, 59).Draw(t, "mi"))
		if rapid.Bool().Draw(t, "ss?") {
			s += fmt.Sprintf("%02d", rapid.IntRange(0, 59).Draw(t, "ss"))
		}
		return s
	}
	lo := c.min
	switch c.lint {
	case lintCsum:
		lo = max(lo, 2)
	case lintCsumAlpha:
		lo = max(lo, 3)
	}
	n := rapid.IntRange(lo, c.max).Draw(t, "len")
	switch c.lint {
	case lintCsum:
		body := drawChars(t, 'N', n-1, "body")
		return body + string(gs1CheckDigit(body))
	case lintCsumAlpha:
		body := drawChars(t, c.cset, n-2, "body")
		a, b := csumAlphaPair(body)
		return body + string([]byte{a, b})
	}
	return drawChars(t, c.cset, n, "chars")
}

// drawElements draws 1-5 distinct AIs with valid values.
func drawElements(t *rapid.T, w window) []Element {
	ais := rapid.SliceOfNDistinct(rapid.SampledFrom(allAIs), 1, 5, rapid.ID[string]).Draw(t, "ais")
	out := make([]Element, 0, len(ais))
	for _, ai := range ais {
		d := aiTable[ai]
		var b strings.Builder
		for i, c := range d.comps {
			if i > 0 && c.optional && !rapid.Bool().Draw(t, "optional") {
				break
			}
			b.WriteString(drawComponent(t, c, w))
		}
		out = append(out, Element{AI: ai, Value: b.String()})
	}
	return out
}

// Every generated value is valid for its AI: the generator and the
// validator agree, so the round-trip property below tests the parser.
func TestGeneratedValuesValid(t *testing.T) {
	t.Parallel()
	w := newWindow(refDate)
	rapid.Check(t, func(t *rapid.T) {
		for _, e := range drawElements(t, w) {
			if err := validate(aiTable[e.AI], e.Value, 0, w); err != nil {
				t.Fatalf("(%s)%s: %v", e.AI, e.Value, err)
			}
		}
	})
}

// Any valid set of element strings, written in any form a scanner or a
// person produces, parses back to the same elements in the same order.
func TestRoundTripProperty(t *testing.T) {
	t.Parallel()
	w := newWindow(refDate)
	type enc struct {
		name     string
		notation Notation
		write    func([]Element) string
	}
	encs := []enc{
		{"gs", NotationRaw, func(e []Element) string { return ElementString(e, FormGS) }},
		{"leading-gs", NotationAuto, func(e []Element) string { return "\x1d" + ElementString(e, FormGS) }},
		{"gs-after-every-field", NotationRaw, func(e []Element) string {
			var b strings.Builder
			for _, x := range e {
				b.WriteString(x.AI + x.Value + "\x1d")
			}
			return b.String()
		}},
		{"datamatrix", NotationAuto, func(e []Element) string { return ElementString(e, FormDataMatrix) }},
		{"gs1-128", NotationAuto, func(e []Element) string { return ElementString(e, FormGS1128) }},
		{"qr", NotationScanData, func(e []Element) string { return ElementString(e, FormQR) }},
		{"databar", NotationScanData, func(e []Element) string { return ElementString(e, FormDataBar) }},
		{"bracketed", NotationAuto, func(e []Element) string { return ElementString(e, FormBracketed) }},
		{"caret", NotationAuto, func(e []Element) string { return ElementString(e, FormCaret) }},
		{"pipe-separator", NotationRaw, func(e []Element) string { return strings.ReplaceAll(ElementString(e, FormGS), "\x1d", "|") }},
	}
	rapid.Check(t, func(t *rapid.T) {
		elems := drawElements(t, w)
		e := rapid.SampledFrom(encs).Draw(t, "form")
		data := e.write(elems)
		scan, err := Parse(data, Options{Today: refDate, Notation: e.notation, Separators: "|"})
		if err != nil {
			t.Fatalf("%s %q: %v", e.name, data, err)
		}
		if scan.Kind != KindGS1 || !slices.Equal(scan.AIs, elems) {
			t.Fatalf("%s %q\n got %s %v\nwant %v", e.name, data, scan.Kind, scan.AIs, elems)
		}
	})
}

// With every separator dropped, a scan is either refused or read in a way
// that accounts for every character: the parser never invents or loses data.
func TestDroppedSeparatorsProperty(t *testing.T) {
	t.Parallel()
	w := newWindow(refDate)
	rapid.Check(t, func(t *rapid.T) {
		elems := drawElements(t, w)
		data := strings.ReplaceAll(ElementString(elems, FormGS), "\x1d", "")
		scan, err := Parse("]d2"+data, Options{Today: refDate})
		if err != nil {
			return
		}
		back := strings.ReplaceAll(ElementString(scan.AIs, FormGS), "\x1d", "")
		if back != data {
			t.Fatalf("%q read as %v, which writes %q", data, scan.AIs, back)
		}
		for _, x := range scan.AIs {
			if err := validate(aiTable[x.AI], x.Value, 0, w); err != nil {
				t.Fatalf("%q read with an invalid element: %v", data, err)
			}
		}
	})
}
