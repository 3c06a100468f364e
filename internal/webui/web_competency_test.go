package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/auth"
)

// The safety officer's competency screens: the overview lists the demo
// technician whose media fill falls due, one person's page shows plain
// words, and the form loop refuses a bad date beside its field and
// records a good one.
func TestCompetencyScreens(t *testing.T) {
	e, a := webServer(t)
	tok := session(t, e, "safety1")
	rec := browse(e, "GET", "/competency", tok, nil)
	if rec.Code != 200 {
		t.Fatalf("overview = %d %s", rec.Code, rec.Body)
	}
	page := rec.Body.String()
	if !strings.Contains(page, "Tech Two (tech2)") || !strings.Contains(page, "media-fill (aseptic manipulation) test due by") {
		t.Fatalf("overview does not show tech2's media fill falling due:\n%s", page)
	}
	if strings.Contains(page, "media_fill") || strings.Contains(page, "due_soon") {
		t.Fatal("the overview shows a raw code")
	}
	id, err := a.Store.UserIDByName(context.Background(), "tech1")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/competency/%d", id)
	rec = browse(e, "GET", path, tok, nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "May compound Category 1 and 2 preparations.") {
		t.Fatalf("person page = %d\n%s", rec.Code, rec.Body)
	}
	csrf := auth.CSRFToken(tok)
	rec = browse(e, "POST", path, tok, url.Values{"csrf_token": {csrf}, "kind": {"media_fill"}, "passed_at": {"yesterday"}, "result": {"pass"}})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `id="e-passed_at"`) || !strings.Contains(rec.Body.String(), `value="yesterday"`) {
		t.Fatalf("bad date = %d, want the form again with the error beside the field:\n%s", rec.Code, rec.Body)
	}
	rec = browse(e, "POST", path, tok, url.Values{"csrf_token": {csrf}, "kind": {"media_fill"}, "passed_at": {"2020-01-01"}, "result": {"fail"}, "evaluator": {"Micro lab"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("record = %d %s", rec.Code, rec.Body)
	}
	rec = browse(e, "GET", path, tok, nil)
	if !strings.Contains(rec.Body.String(), "Micro lab") {
		t.Fatalf("history lacks the new record:\n%s", rec.Body)
	}
	// A technician may not open the screens.
	if rec := browse(e, "GET", "/competency", session(t, e, "tech1"), nil); rec.Code != http.StatusForbidden {
		t.Fatalf("technician = %d", rec.Code)
	}
}

// The technicians' queue names the competencies falling due in the room.
func TestQueueShowsCompetenciesFallingDue(t *testing.T) {
	e, _ := webServer(t)
	rec := browse(e, "GET", "/tablet", session(t, e, "tech1"), nil)
	if rec.Code != 200 {
		t.Fatalf("queue = %d", rec.Code)
	}
	if !strings.Contains(rec.Body.String(), "Competencies falling due") ||
		!strings.Contains(rec.Body.String(), "Tech Two (tech2): media-fill (aseptic manipulation) test due by") {
		t.Fatalf("the queue does not name tech2's media fill:\n%s", rec.Body)
	}
}
