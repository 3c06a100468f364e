// Package pdfdoc sets up Laminar's printed documents, the downtime
// worksheets and index and the safety officer's report, the same way: a
// Letter portrait page measured in millimetres, a fixed creation date (the
// same data prints the same document), the core fonts with the few signs
// their Windows-1252 lacks spelled out, "page N of M" at the foot of every
// page, and shaded section headings. What each document prints stays with
// it.
package pdfdoc

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Layout is what differs between documents at set-up.
type Layout struct {
	// Margin is the left and right margin, Top the top one (mm).
	Margin, Top float64
	// Signs are pairs of a sign the core fonts lack and what to print
	// instead ("µ", "mc"), besides the ones every document spells out.
	Signs []string
	// Header draws the top of every page; nil for none.
	Header func(*Doc)
	// Footer is the text before "- page N of M" at the foot of every page.
	Footer string
}

// Doc is a document being written: F draws, Tr turns text into the core
// fonts' encoding.
type Doc struct {
	F  *fpdf.Fpdf
	Tr func(string) string
}

// signs are the signs every document spells out.
var signs = []string{"≈", "~", "→", "->", "≤", "<=", "≥", ">="}

// New starts a document with its first page.
func New(l Layout) *Doc {
	f := fpdf.New("P", "mm", "Letter", "")
	f.SetMargins(l.Margin, l.Top, l.Margin)
	f.SetAutoPageBreak(true, 16)
	f.SetCreationDate(time.Unix(0, 0).UTC())
	f.AliasNbPages("{nb}")
	cp1252 := f.UnicodeTranslatorFromDescriptor("")
	replace := strings.NewReplacer(append(append([]string{}, signs...), l.Signs...)...)
	d := &Doc{F: f, Tr: func(s string) string { return cp1252(replace.Replace(s)) }}
	if l.Header != nil {
		f.SetHeaderFunc(func() { l.Header(d) })
	}
	f.SetFooterFunc(func() {
		f.SetY(-12)
		f.SetFont("Helvetica", "", 8)
		f.CellFormat(0, 5, d.Tr(fmt.Sprintf("%s - page %d of {nb}", l.Footer, f.PageNo())), "", 0, "C", false, 0, "")
	})
	f.AddPage()
	return d
}

// Heading writes a section heading on a grey band across the page.
func (d *Doc) Heading(s string) {
	d.F.Ln(2)
	d.F.SetFont("Helvetica", "B", 10)
	d.F.SetFillColor(225, 225, 225)
	d.F.CellFormat(0, 6, d.Tr(s), "", 1, "L", true, 0, "")
	d.F.Ln(1)
}

// Bytes renders the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.F.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
