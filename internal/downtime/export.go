// Package downtime writes the business-continuity reports an IV room works
// from when Laminar, the network or the database is down: one PDF worksheet
// per queued or in-progress preparation (patient, order, every computed
// quantity with its derivation, the BUD rule, blank fields for lots,
// expiries, weights and initials, the label's text) and an index sorted by
// due time. Every page carries the export time, so a stale report is
// obvious. An export replaces the previous one atomically: readers see the
// old set or the new one, never a mixture.
package downtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// Source is what an export reads.
type Source interface {
	// Queue lists the open preparations (queued and in progress).
	Queue(ctx context.Context) ([]workflow.QueueItem, error)
	// Preparation is one preparation with its worksheet.
	Preparation(ctx context.Context, id int64) (*workflow.Preparation, error)
}

// CurrentName is the link inside the export directory that always points
// at the newest complete export.
const CurrentName = "current"

// Report says what an export wrote.
type Report struct {
	Dir          string    `json:"dir"`
	Index        string    `json:"index"`
	Preparations int       `json:"preparations"`
	Files        []string  `json:"files"`
	ExportedAt   time.Time `json:"exported_at"`
}

// Export writes the reports for every open preparation into a new folder
// under dir and then points dir/current at it (an atomic rename of a
// symbolic link), removing older exports. now is the export time stamped
// on every page; loc is the site's time zone.
func Export(ctx context.Context, src Source, dir string, now time.Time, loc *time.Location) (Report, error) {
	if loc == nil {
		loc = time.UTC
	}
	items, err := src.Queue(ctx)
	if err != nil {
		return Report{}, err
	}
	items = slices.DeleteFunc(items, func(it workflow.QueueItem) bool {
		return it.Status != workflow.StatusQueued && it.Status != workflow.StatusInProgress
	})
	slices.SortStableFunc(items, func(a, b workflow.QueueItem) int {
		if c := a.DueAt.Compare(b.DueAt); c != 0 {
			return c
		}
		return int(a.PreparationID - b.PreparationID)
	})
	preps := make([]*workflow.Preparation, 0, len(items))
	for _, it := range items {
		p, err := src.Preparation(ctx, it.PreparationID)
		if err != nil {
			return Report{}, fmt.Errorf("read preparation %d: %w", it.PreparationID, err)
		}
		preps = append(preps, p)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return Report{}, fmt.Errorf("downtime export: %w", err)
	}
	name := "export-" + now.UTC().Format("20060102T150405.000000000Z")
	tmp, err := os.MkdirTemp(dir, ".partial-")
	if err != nil {
		return Report{}, fmt.Errorf("downtime export: %w", err)
	}
	defer os.RemoveAll(tmp) // gone after the rename; left only on failure
	stamp := Stamp(now, loc)
	rep := Report{ExportedAt: now}
	for i, p := range preps {
		file := fmt.Sprintf("%03d-P%d.pdf", i+1, p.ID)
		b, err := WorksheetPDF(p, items[i], stamp, loc)
		if err != nil {
			return Report{}, fmt.Errorf("preparation %d: %w", p.ID, err)
		}
		if err := writeFile(filepath.Join(tmp, file), b); err != nil {
			return Report{}, err
		}
		rep.Files = append(rep.Files, file)
	}
	idx, err := IndexPDF(items, rep.Files, stamp, loc)
	if err != nil {
		return Report{}, err
	}
	if err := writeFile(filepath.Join(tmp, "000-index.pdf"), idx); err != nil {
		return Report{}, err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return Report{}, fmt.Errorf("downtime export: %w", err)
	}
	if err := swapLink(dir, name); err != nil {
		return Report{}, err
	}
	prune(dir, name)
	rep.Dir = filepath.Join(dir, CurrentName)
	rep.Index = filepath.Join(rep.Dir, "000-index.pdf")
	rep.Preparations = len(preps)
	return rep, nil
}

// Stamp is the line every page carries.
func Stamp(now time.Time, loc *time.Location) string {
	return "DOWNTIME REPORT - exported " + now.In(loc).Format("2006-01-02 15:04 MST") +
		" - orders changed after this time are not shown"
}

func writeFile(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("downtime export: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("downtime export: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("downtime export: %w", err)
	}
	return f.Close()
}

// swapLink points dir/current at name by renaming a new link over it.
func swapLink(dir, name string) error {
	tmp := filepath.Join(dir, ".current-"+name)
	_ = os.Remove(tmp)
	if err := os.Symlink(name, tmp); err != nil {
		return fmt.Errorf("downtime export: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, CurrentName)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("downtime export: %w (is %s a folder? remove it)", err, filepath.Join(dir, CurrentName))
	}
	return nil
}

// prune removes exports older than keep, and partial folders left by a
// crash.
func prune(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		n := e.Name()
		if n == keep || !e.IsDir() {
			continue
		}
		// A partial folder may belong to an export running now (the
		// command beside the server): only an hour-old one is a leftover.
		info, err := e.Info()
		stale := err == nil && time.Since(info.ModTime()) > time.Hour
		if strings.HasPrefix(n, "export-") || (strings.HasPrefix(n, ".partial-") && stale) {
			_ = os.RemoveAll(filepath.Join(dir, n))
		}
	}
}
