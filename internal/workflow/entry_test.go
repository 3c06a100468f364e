package workflow

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// judge is the service's decision on one scan, without the database: the
// step's count first, then the repeat check against what was accepted.
func judge(ws *Worksheet, prog *Progress, step string, r Resolved, confirm int) error {
	s, err := ws.CheckScan(step, r, *prog)
	if err != nil {
		return err
	}
	var same []ScanRecord
	for _, e := range prog.Scans {
		if e.GTIN == r.GTIN {
			same = append(same, e)
		}
	}
	no, err := CheckRepeat(s, r, same, prog.acceptedScans(step), confirm)
	if err != nil {
		return err
	}
	prog.Scans = append(prog.Scans, ScanRecord{ID: int64(len(prog.Scans) + 1), StepID: step, Accepted: true,
		GTIN: r.GTIN, Lot: r.Lot, Serial: r.Serial, ExpiresAt: r.ExpiresAt, ContainerNo: no})
	return nil
}

// TestRepeatedScansCountDistinctContainers: for any sequence of scans of N
// containers with repeats (with and without serial numbers, lots shared or
// not), the accepted count is the number of distinct containers scanned,
// up to what the step needs; never more.
func TestRepeatedScansCountDistinctContainers(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		need := rapid.IntRange(1, 6).Draw(t, "count")
		ws := Worksheet{Steps: []Step{{ID: "vial", Kind: StepScanVial, Expects: Expect{ProductIDs: []int64{1}, Count: need}}}}
		n := rapid.IntRange(1, 8).Draw(t, "containers")
		serialised := rapid.Bool().Draw(t, "serialised")
		day := time.Date(2027, 5, 31, 23, 59, 59, 0, time.UTC)
		containers := make([]Resolved, n)
		for i := range containers {
			lot := fmt.Sprintf("L%d", rapid.IntRange(0, 2).Draw(t, "lot"))
			exp := day.AddDate(0, 0, rapid.IntRange(0, 1).Draw(t, "expiry"))
			containers[i] = Resolved{Product: Product{ID: 1}, GTIN: "00360505624300", Lot: lot, ExpiresAt: &exp}
			if serialised {
				containers[i].Serial = fmt.Sprintf("S%d", i)
			}
		}
		// Two containers without serials from the same lot and expiry
		// cannot be told apart by a scan: they are one "reading".
		key := func(r Resolved) string { return r.Lot + "|" + r.ExpiresAt.String() + "|" + r.Serial }
		seq := rapid.SliceOfN(rapid.IntRange(0, n-1), 1, 20).Draw(t, "scans")
		var prog Progress
		distinct := map[string]bool{}
		for _, i := range seq {
			before := len(prog.Scans)
			if err := judge(&ws, &prog, "vial", containers[i], 0); err == nil {
				distinct[key(containers[i])] = true
			} else if len(prog.Scans) != before {
				t.Fatal("a refused scan was counted")
			}
		}
		want := 0
		seen := map[string]bool{}
		for _, i := range seq {
			if k := key(containers[i]); !seen[k] && want < need {
				seen[k] = true
				want++
			}
		}
		if got := prog.acceptedScans("vial"); got != want || got != len(distinct) {
			t.Fatalf("accepted %d, distinct containers scanned (up to %d) %d", got, need, want)
		}
	})
}

// TestCountedConfirmation: a look-alike container without a serial is
// accepted only with the next number, and never past the step's count.
func TestCountedConfirmation(t *testing.T) {
	t.Parallel()
	ws := Worksheet{Steps: []Step{{ID: "vial", Kind: StepScanVial, Expects: Expect{ProductIDs: []int64{1}, Count: 2}}}}
	exp := time.Date(2027, 5, 31, 23, 59, 59, 0, time.UTC)
	r := Resolved{Product: Product{ID: 1}, GTIN: "00360505624300", Lot: "A1", ExpiresAt: &exp}
	var prog Progress
	steps := []struct {
		confirm int
		ok      bool
	}{{0, true}, {0, false}, {1, false}, {3, false}, {2, true}, {3, false}}
	for i, s := range steps {
		err := judge(&ws, &prog, "vial", r, s.confirm)
		if (err == nil) != s.ok {
			t.Fatalf("scan %d confirming %d: %v", i, s.confirm, err)
		}
	}
	if n := prog.acceptedScans("vial"); n != 2 || prog.Scans[1].ContainerNo != 2 {
		t.Fatalf("accepted %d: %+v", n, prog.Scans)
	}
}
