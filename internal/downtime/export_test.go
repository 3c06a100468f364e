package downtime_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/downtime"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/workflow"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func demo(t *testing.T) *store.Store {
	t.Helper()
	st := testdb.New(t)
	if _, err := seed.Demo(context.Background(), st, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now()); err != nil {
		t.Fatal(err)
	}
	return st
}

// pdfText is what pdftotext reads from a PDF, one string per page.
func pdfText(t *testing.T, path string) []string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	pages := strings.Split(strings.TrimRight(string(out), "\f\n"), "\f")
	return pages
}

func TestExportWritesAWorksheetPerOpenPreparationAndAnIndex(t *testing.T) {
	st := demo(t)
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	now := time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC)
	dir := t.TempDir()
	rep, err := downtime.Export(ctx, st, dir, now, ny)
	if err != nil {
		t.Fatal(err)
	}
	queue, err := st.Queue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, it := range queue {
		if it.Status == workflow.StatusQueued || it.Status == workflow.StatusInProgress {
			open++
		}
	}
	if open == 0 || rep.Preparations != open || len(rep.Files) != open {
		t.Fatalf("exported %d (%d files) of %d open preparations", rep.Preparations, len(rep.Files), open)
	}
	stamp := "DOWNTIME REPORT - exported 2026-12-03 09:30 EST"
	index := pdfText(t, filepath.Join(dir, downtime.CurrentName, "000-index.pdf"))
	if !strings.Contains(index[0], stamp) {
		t.Fatalf("index lacks the stamp %q:\n%s", stamp, index[0])
	}
	// The index is sorted by due time: its preparation numbers appear in
	// the order of the queue's due times.
	last := -1
	for _, f := range rep.Files {
		i := strings.Index(index[0], f)
		if i < 0 || i < last {
			t.Fatalf("index lists %s out of order or not at all:\n%s", f, index[0])
		}
		last = i
	}
	for _, f := range rep.Files {
		pages := pdfText(t, filepath.Join(dir, downtime.CurrentName, f))
		for n, pg := range pages {
			if !strings.Contains(pg, stamp) || !strings.Contains(pg, "page ") {
				t.Errorf("%s page %d lacks the stamp or page number", f, n+1)
			}
		}
		all := strings.Join(pages, "\n")
		for _, want := range []string{"Patient", "MRN", "Calculation", "Steps", "Lot ____", "Initials ____", "Beyond-use date", "Label", "Checked by (pharmacist)"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s lacks %q", f, want)
			}
		}
	}
	// One worksheet is rendered to a picture, as a person would print it.
	png := filepath.Join(t.TempDir(), "ws")
	if d := os.Getenv("LAMINAR_SCREENSHOTS"); d != "" {
		png = filepath.Join(d, "downtime-worksheet")
	}
	if out, err := exec.Command("pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", filepath.Join(dir, downtime.CurrentName, rep.Files[0]), png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
	if m, _ := filepath.Glob(png + "*.png"); len(m) != 1 {
		t.Fatalf("pdftoppm wrote %v", m)
	}
}

func TestExportShowsTheWorksheetNumbers(t *testing.T) {
	st := demo(t)
	ctx := context.Background()
	dir := t.TempDir()
	rep, err := downtime.Export(ctx, st, dir, time.Now(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	queue, _ := st.Queue(ctx)
	p, err := st.Preparation(ctx, queue[0].PreparationID)
	if err != nil {
		t.Fatal(err)
	}
	var file string
	for _, f := range rep.Files {
		if strings.HasSuffix(f, "-P"+itoa(p.ID)+".pdf") {
			file = f
		}
	}
	all := strings.Join(pdfText(t, filepath.Join(dir, downtime.CurrentName, file)), "\n")
	for _, want := range []string{p.Worksheet.Patient.Name, p.Worksheet.Patient.MRN, p.Worksheet.Quantities["dose"].Display, p.Worksheet.Steps[0].Instruction[:20]} {
		if !strings.Contains(strings.Join(strings.Fields(all), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("worksheet P%d lacks %q", p.ID, want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A second export replaces the first as a whole: current points at the new
// folder and the old one is gone.
func TestExportReplacesAtomically(t *testing.T) {
	st := demo(t)
	ctx := context.Background()
	dir := t.TempDir()
	t1 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	if _, err := downtime.Export(ctx, st, dir, t1, time.UTC); err != nil {
		t.Fatal(err)
	}
	first, err := os.Readlink(filepath.Join(dir, downtime.CurrentName))
	if err != nil {
		t.Fatal(err)
	}
	// A reader holding the old index keeps reading it while the new export runs.
	held, err := os.Open(filepath.Join(dir, first, "000-index.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := downtime.Export(ctx, st, dir, t1.Add(15*time.Minute), time.UTC); err != nil {
		t.Fatal(err)
	}
	second, _ := os.Readlink(filepath.Join(dir, downtime.CurrentName))
	if second == first {
		t.Fatal("current still points at the first export")
	}
	if _, err := os.Stat(filepath.Join(dir, first)); !os.IsNotExist(err) {
		t.Fatalf("the first export is still there: %v", err)
	}
	if b, err := io.ReadAll(held); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("the held old index could not be read to its end: %v", err)
	}
	pages := pdfText(t, filepath.Join(dir, downtime.CurrentName, "000-index.pdf"))
	if !strings.Contains(pages[0], "exported 2026-12-03 08:15 UTC") {
		t.Fatalf("current index is not the second export:\n%s", pages[0])
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 { // current and one export folder
		t.Fatalf("export dir holds %d entries", len(entries))
	}
}
