package barcode

import (
	goparser "go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// The AI table is prefix-free (a reader identifies an AI by reading digits
// until one matches) and agrees with GS1's predefined-length table.
func TestAITableConsistent(t *testing.T) {
	t.Parallel()
	if len(aiTable) < 450 {
		t.Errorf("AI table has only %d AIs", len(aiTable))
	}
	for ai, d := range aiTable {
		for n := 2; n < len(ai); n++ {
			if _, ok := aiTable[ai[:n]]; ok {
				t.Errorf("AI %s has AI %s as a prefix", ai, ai[:n])
			}
		}
		if total, ok := predefinedLengths[ai[:2]]; ok {
			if !d.predefined || !d.fixed() || len(ai)+d.max != total {
				t.Errorf("AI %s: predefined length %d, table says %d+%d (fixed %v)", ai, total, len(ai), d.max, d.fixed())
			}
		} else if d.predefined {
			t.Errorf("AI %s marked predefined", ai)
		}
		if d.title == "" {
			t.Errorf("AI %s has no title", ai)
		}
	}
}

func TestAITableEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ai, format string
		min, max   int
		sep        bool
	}{
		{"00", "N18", 18, 18, false},
		{"01", "N14", 14, 14, false},
		{"10", "X..20", 1, 20, true},
		{"17", "N6", 6, 6, false},
		{"21", "X..20", 1, 20, true},
		{"235", "X..28", 1, 28, true},
		{"3103", "N6", 6, 6, false},
		{"3955", "N6", 6, 6, true},
		{"414", "N13", 13, 13, false},
		{"423", "N3 [N3] [N3] [N3] [N3]", 3, 15, true},
		{"7003", "N6 N4", 10, 10, true},
		{"7011", "N6 [N4]", 6, 10, true},
		{"7239", "X2 X..28", 3, 30, true},
		{"8003", "N1 N13 [X..16]", 14, 30, true},
		{"8111", "N4", 4, 4, true},
		{"99", "X..90", 1, 90, true},
	}
	for _, tt := range tests {
		d := lookupAI(tt.ai)
		if d == nil {
			t.Errorf("AI %s missing", tt.ai)
			continue
		}
		if d.format() != tt.format || d.min != tt.min || d.max != tt.max || NeedsSeparator(tt.ai) != tt.sep {
			t.Errorf("AI %s: %s %d..%d sep %v; want %s %d..%d sep %v", tt.ai, d.format(), d.min, d.max, NeedsSeparator(tt.ai), tt.format, tt.min, tt.max, tt.sep)
		}
	}
	for _, ai := range []string{"04", "14", "23", "3106", "3996", "89", "9999"} {
		if KnownAI(ai) {
			t.Errorf("AI %s should be unknown", ai)
		}
	}
	if AITitle("17") != "USE BY OR EXPIRY" || AITitle("04") != "" || !NeedsSeparator("04") {
		t.Error("AITitle / NeedsSeparator of unknown AI")
	}
}

func TestParseSpecErrors(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"", "Q5", "N", "Nx", "N..x", "Nx..5", "N6..2", "N0", "N6,nosuch", "X..5 N6", "[N2] N3", "N..3 N..3"} {
		if _, err := parseSpec(spec); err == nil {
			t.Errorf("parseSpec(%q) accepted", spec)
		}
	}
	for _, e := range [][]aiEntry{{{"1", "N2", "x"}}, {{"10", "Q2", "x"}}, {{"10", "N2", "x"}, {"10", "N2", "y"}}, {{"12-10", "N2", "x"}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("buildTable(%v) did not panic", e)
				}
			}()
			buildTable(e)
		}()
	}
	// The GS1 example GMN carries check characters 2K.
	if a, b := csumAlphaPair("1987654Ad4X4bL5ttr2310c"); !strings.EqualFold(string([]byte{a, b}), "2K") {
		t.Errorf("csumalpha = %c%c, want 2K", a, b)
	}
}

// The package stays pure: standard library only (no transport, no storage).
func TestImportsStandardLibraryOnly(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	pkgs, err := goparser.ParseDir(fset, ".", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, goparser.ImportsOnly)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range pkgs {
		for name, f := range p.Files {
			for _, imp := range f.Imports {
				n++
				path := strings.Trim(imp.Path.Value, `"`)
				if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no imports found: the check looked at no files")
	}
}
