package safety

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A cell wider than its column wraps, also when it holds signs outside
// ASCII (the core fonts are Windows-1252), and nothing panics.
func TestReportTableWrapsLongCells(t *testing.T) {
	r := newReport(time.UTC, "Title", "Stamp")
	long := strings.Repeat("ceFAZolin · ", 30) + strings.Repeat("x", 200) + " é ≤ ✗"
	r.table([]float64{26, 40, 18, 54, 54}, []string{"Time", "Event", "Person", "Preparation, patient", "What"},
		[][]string{{"2026-12-03 10:00", "Scan refused", "", long, long}})
	var buf bytes.Buffer
	if err := r.F.Output(&buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ceFAZolin · ceFAZolin") || !strings.Contains(string(out), "é <= x") {
		t.Errorf("wrapped text:\n%s", out)
	}
}

func TestRateAndMinutes(t *testing.T) {
	for _, c := range []struct {
		n, doses int64
		want     string
	}{{0, 0, "0"}, {1, 3, "333.3"}, {2, 3, "666.7"}, {3, 3, "1,000"}, {1, 2000, "0.5"}, {7, 1000, "7"}} {
		if got := rate(c.n, c.doses).String(); got != c.want {
			t.Errorf("rate(%d, %d) = %s, want %s", c.n, c.doses, got, c.want)
		}
	}
	for _, c := range []struct {
		s    int64
		want string
	}{{0, "0"}, {90, "1.5"}, {3600, "60"}, {31, "0.5"}, {29, "0.5"}} {
		if got := Minutes(c.s); got != c.want {
			t.Errorf("Minutes(%d) = %s, want %s", c.s, got, c.want)
		}
	}
}
