package workflow_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/store"
)

// qualify records current passing evaluations of every kind the shipped
// rules define for a test user, so that it may claim any preparation.
func (h *harness) qualify(name string) {
	h.t.Helper()
	h.qualifyAt(name, h.now().AddDate(0, 0, -7), "")
}

// qualifyAt records passes of every kind at passed, except skip.
func (h *harness) qualifyAt(name string, passed time.Time, skip competency.Kind) {
	h.t.Helper()
	svc := competency.NewService(h.st, time.UTC, h.now)
	for _, k := range competency.DefaultRules().Kinds {
		if k.Kind == skip {
			continue
		}
		if _, err := svc.Record(context.Background(), h.users["admin1"], h.users[name], competency.NewRecord{
			Kind: string(k.Kind), Result: "pass", PassedAt: passed.UTC().Format(time.RFC3339),
		}); err != nil {
			h.t.Fatalf("qualify %s: %v", name, err)
		}
	}
}

// addTechnician adds a technician with no competency record.
func (h *harness) addTechnician(name string) {
	h.t.Helper()
	u, err := h.st.CreateUser(context.Background(), store.NewUser{Username: name, Roles: []string{"technician"}}, store.Change{At: time.Now()})
	if err != nil {
		h.t.Fatal(err)
	}
	h.users[name] = u.ID
	h.auth.users[name] = &auth.Principal{UserID: u.ID, Username: name, Roles: []auth.Role{auth.Technician}}
	h.auth.byID[u.ID] = name
}

// The attack: a technician whose media fill lapsed (or who never passed
// one) claims a preparation. The claim is refused with 422
// competency_lapsed naming the competency and the last day it counted; the
// preparation stays queued for someone qualified.
func TestClaimRefusedWhenACompetencyLapsed(t *testing.T) {
	h := newHarness(t)
	now := h.now()
	id := h.order(cefazolinOrder(now.Add(time.Hour)))

	h.addTechnician("newhire")
	r := h.must(http.StatusUnprocessableEntity, "newhire", "POST", path(id, "/claim"), nil)
	if r.code() != competency.CodeLapsed || !strings.Contains(string(r.Body), "media-fill") || !strings.Contains(string(r.Body), "no passing record") {
		t.Fatalf("a technician with no record: %s", r.Body)
	}

	h.addTechnician("lapsed")
	passed := now.AddDate(0, -7, 0)
	h.qualifyAt("lapsed", now.AddDate(0, 0, -10), competency.MediaFill)
	svc := competency.NewService(h.st, time.UTC, h.now)
	if _, err := svc.Record(context.Background(), h.users["admin1"], h.users["lapsed"], competency.NewRecord{
		Kind: "media_fill", Result: "pass", PassedAt: passed.UTC().Format("2006-01-02")}); err != nil {
		t.Fatal(err)
	}
	r = h.must(http.StatusUnprocessableEntity, "lapsed", "POST", path(id, "/claim"), nil)
	through := passed.AddDate(0, 6, 0).UTC().Format("2006-01-02")
	if r.code() != competency.CodeLapsed || !strings.Contains(string(r.Body), "lapsed") || !strings.Contains(string(r.Body), through) {
		t.Fatalf("a lapsed media fill (current through %s): %s", through, r.Body)
	}
	if w := h.prep(id); w.Status != "queued" {
		t.Fatalf("after refused claims the preparation is %s", w.Status)
	}
	// A failure after the last pass disqualifies until a new pass.
	if _, err := svc.Record(context.Background(), h.users["admin1"], h.users["tech2"], competency.NewRecord{
		Kind: "gloved_fingertip", Result: "fail", PassedAt: now.UTC().Format(time.RFC3339)}); err != nil {
		t.Fatal(err)
	}
	r = h.must(http.StatusUnprocessableEntity, "tech2", "POST", path(id, "/claim"), nil)
	if !strings.Contains(string(r.Body), "failed on") {
		t.Fatalf("after a failed fingertip test: %s", r.Body)
	}
	// A qualified technician claims it.
	h.must(http.StatusOK, "tech1", "POST", path(id, "/claim"), nil)
}

// A hazardous preparation also needs hazardous-drug handling.
func TestHazardousClaimNeedsHazardousHandling(t *testing.T) {
	h := newHarness(t)
	var hazardous int64
	for _, it := range h.queue() {
		if it.Hazardous {
			hazardous = it.PreparationID
		}
	}
	if hazardous == 0 {
		t.Fatal("the demo queue has no hazardous preparation")
	}
	h.addTechnician("nohaz")
	h.qualifyAt("nohaz", h.now().AddDate(0, 0, -3), competency.HazardousHandling)
	r := h.must(http.StatusUnprocessableEntity, "nohaz", "POST", path(hazardous, "/claim"), nil)
	if r.code() != competency.CodeLapsed || !strings.Contains(string(r.Body), "hazardous drug handling") {
		t.Fatalf("hazardous claim without the competency: %s", r.Body)
	}
	h.qualify("nohaz")
	h.must(http.StatusOK, "nohaz", "POST", path(hazardous, "/claim"), nil)
}

type queueEntry struct {
	PreparationID int64 `json:"preparation_id"`
	Hazardous     bool  `json:"hazardous"`
}

func (h *harness) queue() []queueEntry {
	h.t.Helper()
	var q struct {
		Items []queueEntry `json:"items"`
	}
	h.must(http.StatusOK, "tech1", "GET", "/api/v1/queue", nil).json(h.t, &q)
	return q.Items
}
