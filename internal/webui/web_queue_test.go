package webui_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/httpapi"
)

// seedQueue copies the first queued demo preparation n times, each for a
// new order due one minute later than the one before, starting an hour
// ago, spread over twelve wards. It returns the ids in due order.
func seedQueue(t *testing.T, a *httpapi.API, n int) []int64 {
	t.Helper()
	var ids []int64
	err := a.Store.DB.Select(&ids, `
WITH src AS (SELECT p.id, p.order_id FROM preparations p WHERE p.status = 'queued' ORDER BY p.id LIMIT 1),
new_orders AS (
  INSERT INTO orders (patient_mrn, patient_name, patient_birth_date, patient_location, drug, dose_value, dose_unit,
                      route, diluent, final_volume_value, final_volume_unit, due_at, priority)
  SELECT o.patient_mrn, o.patient_name, o.patient_birth_date, 'Ward ' || (g % 12), o.drug, o.dose_value, o.dose_unit,
         o.route, o.diluent, o.final_volume_value, o.final_volume_unit, now() - interval '1 hour' + g * interval '1 minute', 'routine'
  FROM orders o, src, generate_series(1, $1) g WHERE o.id = src.order_id
  RETURNING id, due_at)
INSERT INTO preparations (order_id, recipe_id, status, batch_key, worksheet)
SELECT n.id, p.recipe_id, 'queued', p.batch_key || '-' || n.id, p.worksheet
FROM new_orders n, preparations p, src WHERE p.id = src.id
RETURNING id`, n)
	if err != nil {
		t.Fatalf("seed %d preparations: %v", n, err)
	}
	if len(ids) != n {
		t.Fatalf("seeded %d preparations, want %d", len(ids), n)
	}
	return ids // inserted in due order: ids ascend with due time
}

// TestQueueWindowAtTwoThousand: with 2,000 preparations queued the
// technician's queue page stays under 100 KB, shows the next due first and
// pages through the rest.
func TestQueueWindowAtTwoThousand(t *testing.T) {
	e, a := webServer(t)
	ids := seedQueue(t, a, 2000)
	tok := session(t, e, "tech1")

	browse(e, "GET", "/tablet", tok, nil) // warm the session and the caches
	start := time.Now()
	rec := browse(e, "GET", "/tablet", tok, nil)
	took := time.Since(start)
	if rec.Code != http.StatusOK {
		t.Fatalf("queue = %d", rec.Code)
	}
	body := rec.Body.String()
	t.Logf("queue page with %d queued: %d bytes in %s", len(ids), len(body), took)
	if len(body) >= 100*1024 {
		t.Fatalf("queue page is %d bytes with 2,000 queued, over the 100 KB budget", len(body))
	}
	// The demo's STAT and first-dose preparations come first; the
	// earliest-due routine ones follow on the same page; the latest is
	// not on it.
	if !strings.Contains(body, fmt.Sprintf(`data-prep="%d"`, ids[0])) {
		t.Errorf("the next-due preparation #%d is not on page 1", ids[0])
	}
	if strings.Contains(body, fmt.Sprintf(`data-prep="%d"`, ids[len(ids)-1])) {
		t.Errorf("the last-due preparation #%d is on page 1", ids[len(ids)-1])
	}
	if !strings.Contains(body, "OVERDUE") {
		t.Error("an overdue preparation has no OVERDUE alarm in words")
	}
	if !strings.Contains(body, `rel="next"`) || !strings.Contains(body, "of 20") {
		t.Error("page 1 offers no way to the next page")
	}

	// The last page holds the last-due preparation.
	last := browse(e, "GET", "/tablet?page=101", tok, nil).Body.String()
	if !strings.Contains(last, fmt.Sprintf(`data-prep="%d"`, ids[len(ids)-1])) {
		t.Errorf("the last page lacks the last-due preparation")
	}
	if strings.Contains(last, `rel="next"`) {
		t.Error("the last page offers a next page")
	}

	// Filters: a ward, and a priority.
	ward := browse(e, "GET", "/tablet?ward=Ward+3", tok, nil).Body.String()
	if strings.Contains(ward, ">Ward 4<") && strings.Contains(ward, `class="where">Ward 4<`) {
		t.Error("the ward filter shows another ward's preparation")
	}
	if !strings.Contains(ward, `class="where">Ward 3<`) {
		t.Error("the ward filter shows nothing of Ward 3")
	}
	stat := browse(e, "GET", "/tablet?priority=stat", tok, nil).Body.String()
	if strings.Contains(stat, `qcard routine`) {
		t.Error("the STAT filter shows a routine preparation")
	}
	if !strings.Contains(stat, `qcard stat`) {
		t.Error("the STAT filter shows no STAT preparation")
	}
	// Junk in the URL is read as "any", never a failure.
	if rec := browse(e, "GET", "/tablet?priority=x&status=y&page=-3", tok, nil); rec.Code != http.StatusOK {
		t.Errorf("a junk filter = %d", rec.Code)
	}
}
