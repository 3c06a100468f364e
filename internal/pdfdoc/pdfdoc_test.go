package pdfdoc

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Text goes into the core fonts' Windows-1252, with the signs they lack
// spelled out: the shared ones always, a document's own only in it.
func TestTr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		signs []string
		want  string
	}{
		{"1 ≤ x ≥ 2", nil, "1 <= x >= 2"},
		{"≈ 5 mL → bag", nil, "~ 5 mL -> bag"},
		{"250 µg", nil, "250 \xb5g"},
		{"250 µg", []string{"µ", "mc"}, "250 mcg"},
		{"✗ caught ≤", []string{"✗", "x"}, "x caught <="},
		{"Éa café", []string{"µ", "mc"}, "\xc9a caf\xe9"},
		{"plain", nil, "plain"},
	} {
		d := New(Layout{Margin: 12, Top: 20, Signs: tc.signs})
		if got := d.Tr(tc.in); got != tc.want {
			t.Errorf("Tr(%q) with %q = %q, want %q", tc.in, tc.signs, got, tc.want)
		}
	}
}

// Every page carries the header and "footer - page N of M"; a heading
// prints its words.
func TestPagesHeaderFooterHeading(t *testing.T) {
	t.Parallel()
	d := New(Layout{Margin: 14, Top: 22, Footer: "Index ≤",
		Header: func(d *Doc) {
			d.F.SetFont("Helvetica", "B", 11)
			d.F.SetXY(14, 8)
			d.F.CellFormat(0, 6, d.Tr("Top of page"), "", 1, "L", false, 0, "")
		}})
	d.Heading("Section → one")
	d.F.SetFont("Helvetica", "", 9)
	for i := 0; i < 80; i++ {
		d.F.CellFormat(0, 6, "row", "", 1, "L", false, 0, "")
	}
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b)
	}
	file := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Section -> one", "Index <= - page 1 of 2", "Index <= - page 2 of 2"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in:\n%s", want, text)
		}
	}
	if n := strings.Count(text, "Top of page"); n != 2 {
		t.Errorf("header printed %d times, want 2:\n%s", n, text)
	}
}
