package workflow_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// paperRecord fills in a paper worksheet for preparation id the way a
// technician would during downtime: every scan step's containers with a
// lot and an expiry, every weigh step's expected weight, made by tech1.
func (h *harness) paperRecord(id int64, expiry string) map[string]any {
	h.t.Helper()
	w := h.prep(id)
	var comps, weights []map[string]any
	for _, s := range w.Steps {
		switch {
		case strings.HasPrefix(s.Kind, "scan") && len(s.Expects.ProductIDs) > 0:
			comps = append(comps, map[string]any{"step_id": s.ID, "product_id": s.Expects.ProductIDs[0],
				"lot": "PAPER-" + s.ID, "expiry": expiry, "count": max(s.Expects.Count, 1)})
		case s.Kind == "weigh":
			weights = append(weights, map[string]any{"step_id": s.ID, "measured": s.Expects.ExpectedWeight})
		}
	}
	start := h.now().Add(-50 * time.Minute).UTC()
	return map[string]any{"made_by": "tech1", "checked_by": "R. Pharmacist (paper check)",
		"started_at": start.Format(time.RFC3339), "completed_at": start.Add(20 * time.Minute).Format(time.RFC3339),
		"components": comps, "weights": weights, "note": "made during the network outage", "password": "demo-pharm1"}
}

// A preparation made on paper is recorded afterwards by a pharmacist: it
// is completed, marked as made during downtime (its own log event), and is
// verified like any other by someone else.
func TestDowntimeRecordGoesToVerification(t *testing.T) {
	h := newHarness(t)
	id := h.order(cefazolinOrder(h.now().Add(-time.Hour)))
	h.advance(time.Minute) // the order existed before the paper worksheet was started
	rec := h.paperRecord(id, h.now().AddDate(1, 0, 0).Format("2006-01"))
	rec["started_at"] = h.now().Add(-10 * time.Second).UTC().Format(time.RFC3339)
	rec["completed_at"] = h.now().UTC().Format(time.RFC3339)

	// Technicians cannot record a paper preparation; a wrong password cannot sign it.
	h.must(http.StatusForbidden, "tech1", "POST", path(id, "/downtime"), rec)
	bad := copyMap(rec)
	bad["password"] = "wrong"
	if r := h.call("pharm1", "POST", path(id, "/downtime"), bad); r.Status != http.StatusForbidden {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}

	h.must(http.StatusOK, "pharm1", "POST", path(id, "/downtime"), rec)
	w := h.prep(id)
	if w.Status != "completed" || w.BUD == nil {
		t.Fatalf("after the record: status %s, BUD %v", w.Status, w.BUD)
	}
	var got struct {
		MadeByName string `json:"made_by_name"`
		Components []struct {
			Lot string `json:"lot"`
		} `json:"components"`
	}
	h.must(http.StatusOK, "pharm2", "GET", path(id, "/downtime"), nil).json(t, &got)
	if got.MadeByName != "tech1" || len(got.Components) == 0 || !strings.HasPrefix(got.Components[0].Lot, "PAPER-") {
		t.Fatalf("stored record: %+v", got)
	}
	var events int
	if err := h.st.DB.Get(&events, `SELECT count(*) FROM audit_events WHERE type = 'preparation.downtime_recorded'
		AND preparation_id = $1 AND payload_text::jsonb->>'downtime' = 'true'`, id); err != nil {
		t.Fatal(err)
	}
	if events != 1 {
		t.Fatalf("%d downtime events for the preparation", events)
	}
	// Recording again is a wrong-state conflict: the record is final.
	h.must(http.StatusConflict, "pharm1", "POST", path(id, "/downtime"), rec)
	// It is verified like any other preparation.
	h.must(http.StatusOK, "pharm2", "POST", path(id, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm2"})
	if w := h.prep(id); w.Status != "verified" {
		t.Fatalf("after verification: %s", w.Status)
	}
	if r := h.call("tech1", "GET", path(999999, "/downtime"), nil); r.Status != http.StatusNotFound {
		t.Fatalf("no record: %d", r.Status)
	}
}

func copyMap(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Each mistake a transcription can carry is refused, naming the field.
func TestDowntimeRecordRefusesMistakes(t *testing.T) {
	h := newHarness(t)
	id := h.order(cefazolinOrder(h.now().Add(time.Hour)))
	h.advance(time.Hour)
	good := h.paperRecord(id, h.now().AddDate(1, 0, 0).Format("2006-01-02"))
	comps := good["components"].([]map[string]any)
	for name, c := range map[string]struct {
		change func(m map[string]any)
		status int
		code   string
	}{
		"expired lot": {func(m map[string]any) {
			cs := cloneComps(comps)
			cs[0]["expiry"] = h.now().AddDate(0, -1, 0).Format("2006-01-02")
			m["components"] = cs
		}, 422, "expired"},
		"product the step does not allow": {func(m map[string]any) {
			cs := cloneComps(comps)
			cs[0]["product_id"] = 999999
			m["components"] = cs
		}, 422, "wrong_product"},
		"a step without its containers": {func(m map[string]any) { m["components"] = cloneComps(comps)[1:] }, 422, "missing_component"},
		"made in the future": {func(m map[string]any) {
			m["completed_at"] = h.now().Add(time.Hour).UTC().Format(time.RFC3339)
		}, 400, ""},
		"unknown maker":  {func(m map[string]any) { m["made_by"] = "nobody" }, 400, ""},
		"no expiry read": {func(m map[string]any) { cs := cloneComps(comps); cs[0]["expiry"] = "soon"; m["components"] = cs }, 400, ""},
	} {
		t.Run(name, func(t *testing.T) {
			m := copyMap(good)
			c.change(m)
			r := h.call("pharm1", "POST", path(id, "/downtime"), m)
			if r.Status != c.status || (c.code != "" && r.code() != c.code) || r.field() == "" {
				t.Fatalf("%d %s; want %d %s naming a field", r.Status, r.Body, c.status, c.code)
			}
		})
	}
	if w := h.prep(id); w.Status != "queued" {
		t.Fatalf("after refused records the preparation is %s", w.Status)
	}
	h.must(http.StatusOK, "pharm1", "POST", path(id, "/downtime"), good)
}

func cloneComps(cs []map[string]any) []map[string]any {
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		out[i] = copyMap(c)
	}
	return out
}
