package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/competency"
)

type competencyView struct {
	Qualified bool `json:"qualified"`
	Standings []struct {
		Kind           string `json:"kind"`
		State          string `json:"state"`
		CurrentThrough string `json:"current_through"`
	} `json:"standings"`
	Competencies []competency.Record `json:"competencies"`
}

func (s *authServer) competencies(t *testing.T, tok string, path string) competencyView {
	t.Helper()
	rec := s.do(authReq{method: http.MethodGet, path: path, bearer: tok})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	var v competencyView
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCompetencyRecordedAndShown(t *testing.T) {
	s := newAuthServer(t)
	s.clock.t = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	safety := s.token(t, auth.SafetyOfficer)
	tech := s.users[auth.Technician]
	path := fmt.Sprintf("/api/v1/users/%d/competencies", tech.ID)
	for _, kind := range []string{"gloved_fingertip", "media_fill", "garbing", "hand_hygiene"} {
		rec := s.do(authReq{method: http.MethodPost, path: path, bearer: safety,
			body: `{"kind":"` + kind + `","passed_at":"2026-11-20","result":"pass","evaluator":"Microbiology lab","note":"0 CFU"}`})
		if rec.Code != http.StatusCreated {
			t.Fatalf("record %s: %d %s", kind, rec.Code, rec.Body)
		}
	}
	v := s.competencies(t, safety, path)
	if !v.Qualified || len(v.Competencies) != 4 {
		t.Fatalf("after four passes: qualified=%v records=%d", v.Qualified, len(v.Competencies))
	}
	for _, st := range v.Standings {
		switch st.Kind {
		case "media_fill":
			if st.State != "current" || st.CurrentThrough != "2027-05-20" {
				t.Errorf("media fill: %+v", st)
			}
		case "hazardous_handling":
			if st.State != "missing" {
				t.Errorf("hazardous handling without a record: %+v", st)
			}
		}
	}
	// The person sees their own record; nobody else's.
	mine := s.competencies(t, s.token(t, auth.Technician), "/api/v1/me/competencies")
	if len(mine.Competencies) != 4 {
		t.Fatalf("own view has %d records", len(mine.Competencies))
	}
	// Every record is an event of the log.
	events := 0
	rows, err := s.st.DB.Query(`SELECT payload FROM audit_events WHERE type = 'competency.recorded'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		var payload struct{ Username string }
		if err := json.Unmarshal(p, &payload); err != nil || payload.Username != "m_technician" {
			t.Errorf("event payload %s does not name the person", p)
		}
		events++
	}
	if events != 4 {
		t.Fatalf("%d competency.recorded events, want 4", events)
	}
}

func TestCompetencyBadInputNamesTheField(t *testing.T) {
	s := newAuthServer(t)
	s.clock.t = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	admin := s.token(t, auth.Admin)
	path := fmt.Sprintf("/api/v1/users/%d/competencies", s.users[auth.Technician].ID)
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG\r\n\x1a\n" + strings.Repeat("x", 40)))
	for name, c := range map[string]struct {
		body, field string
		status      int
	}{
		"unknown kind":      {`{"kind":"juggling","passed_at":"2026-11-01","result":"pass"}`, "kind", 400},
		"result not a word": {`{"kind":"media_fill","passed_at":"2026-11-01","result":"passed"}`, "result", 400},
		"future":            {`{"kind":"media_fill","passed_at":"2026-12-04","result":"pass"}`, "passed_at", 400},
		"not a date":        {`{"kind":"media_fill","passed_at":"03/12/2026","result":"pass"}`, "passed_at", 400},
		"bidi in note":      {`{"kind":"media_fill","passed_at":"2026-11-01","result":"pass","note":"ok \u202e gnorw"}`, "note", 400},
		"evidence not b64":  {`{"kind":"media_fill","passed_at":"2026-11-01","result":"pass","evidence_file":"%%%"}`, "evidence_file", 400},
		"evidence lies":     {`{"kind":"media_fill","passed_at":"2026-11-01","result":"pass","evidence_file":"` + png + `","evidence_type":"application/pdf"}`, "evidence_file", 400},
		"unknown field":     {`{"kind":"media_fill","passed_at":"2026-11-01","result":"pass","expires":"2027-01-01"}`, "expires", 400},
	} {
		t.Run(name, func(t *testing.T) {
			rec := s.do(authReq{method: http.MethodPost, path: path, bearer: admin, body: c.body})
			var env struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			_ = json.Unmarshal(rec.Body.Bytes(), &env)
			if rec.Code != c.status || env.Error.Field != c.field || env.Error.Message == "" {
				t.Fatalf("%d %s; want %d naming %q", rec.Code, rec.Body, c.status, c.field)
			}
		})
	}
	rec := s.do(authReq{method: http.MethodPost, path: "/api/v1/users/999999/competencies", bearer: admin,
		body: `{"kind":"media_fill","passed_at":"2026-11-01","result":"pass"}`})
	if rec.Code != http.StatusNotFound {
		t.Fatalf("unknown user: %d %s", rec.Code, rec.Body)
	}
	// Evidence that is what it says is kept and served back as it came.
	rec = s.do(authReq{method: http.MethodPost, path: path, bearer: admin,
		body: `{"kind":"media_fill","passed_at":"2026-11-01","result":"pass","evidence_file":"` + png + `","evidence_name":"plate.png"}`})
	if rec.Code != http.StatusCreated {
		t.Fatalf("with evidence: %d %s", rec.Code, rec.Body)
	}
	var created competency.Record
	_ = json.Unmarshal(rec.Body.Bytes(), &created)
	rec = s.do(authReq{method: http.MethodGet, path: fmt.Sprintf("%s/%d/evidence", path, created.ID), bearer: admin})
	if want, _ := base64.StdEncoding.DecodeString(png); rec.Code != 200 || rec.Body.String() != string(want) || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("evidence back: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestCompetencyOverviewListsLapsedFirst(t *testing.T) {
	s := newAuthServer(t)
	s.clock.t = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	safety := s.token(t, auth.SafetyOfficer)
	tech := s.users[auth.Technician]
	rec := s.do(authReq{method: http.MethodPost, path: fmt.Sprintf("/api/v1/users/%d/competencies", tech.ID), bearer: safety,
		body: `{"kind":"media_fill","passed_at":"2026-06-20","result":"pass"}`})
	if rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}
	rec = s.do(authReq{method: http.MethodGet, path: "/api/v1/competencies", bearer: safety})
	var out struct {
		People []struct {
			User      competency.Person `json:"user"`
			Qualified bool              `json:"qualified"`
			DueSoon   []struct {
				Kind, State string
			} `json:"due_soon"`
		} `json:"people"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(out.People) != 1 || out.People[0].User.ID != tech.ID || out.People[0].Qualified {
		t.Fatalf("overview: %+v", out.People)
	}
	var mediaFill string
	for _, d := range out.People[0].DueSoon {
		if d.Kind == "media_fill" {
			mediaFill = d.State
		}
	}
	if mediaFill != "due_soon" { // current through 2026-12-20: within 30 days
		t.Fatalf("media fill passed 2026-06-20 on 2026-12-03 is %q, want due_soon", mediaFill)
	}
}

func TestCompetencyRuleVersions(t *testing.T) {
	s := newAuthServer(t)
	s.clock.t = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	admin := s.token(t, auth.Admin)
	rec := s.do(authReq{method: http.MethodGet, path: "/api/v1/competency-rules", bearer: admin})
	var shipped competency.Rules
	if err := json.Unmarshal(rec.Body.Bytes(), &shipped); err != nil || rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// The migration's copy is the table embedded in the code.
	if def := competency.DefaultRules(); !reflect.DeepEqual(shipped.Kinds, def.Kinds) || shipped.Version != def.Version ||
		!reflect.DeepEqual(shipped.Required, def.Required) {
		t.Fatalf("stored default %+v differs from the embedded one %+v", shipped, def)
	}
	next := competency.DefaultRules()
	next.Version = "site-2027"
	next.Kinds[1].Months = 4 // a stricter site: media fill every four months
	next.EffectiveFrom = s.clock.t.Add(-24 * time.Hour)
	body, _ := json.Marshal(next)
	rec = s.do(authReq{method: http.MethodPost, path: "/api/v1/competency-rules", bearer: admin, body: string(body)})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "effective_from") {
		t.Fatalf("a version starting yesterday: %d %s", rec.Code, rec.Body)
	}
	next.EffectiveFrom = s.clock.t.Add(time.Hour)
	body, _ = json.Marshal(next)
	rec = s.do(authReq{method: http.MethodPost, path: "/api/v1/competency-rules", bearer: admin, body: string(body)})
	if rec.Code != http.StatusCreated {
		t.Fatalf("a version starting in an hour: %d %s", rec.Code, rec.Body)
	}
	tech := s.users[auth.Technician]
	rec = s.do(authReq{method: http.MethodPost, path: fmt.Sprintf("/api/v1/users/%d/competencies", tech.ID), bearer: admin,
		body: `{"kind":"media_fill","passed_at":"2026-12-01","result":"pass"}`})
	if rec.Code != http.StatusCreated {
		t.Fatal(rec.Body)
	}
	through := func() string {
		v := s.competencies(t, admin, fmt.Sprintf("/api/v1/users/%d/competencies", tech.ID))
		for _, st := range v.Standings {
			if st.Kind == "media_fill" {
				return st.CurrentThrough
			}
		}
		return ""
	}
	if got := through(); got != "2027-06-01" {
		t.Fatalf("under the shipped rules: current through %s", got)
	}
	s.clock.t = s.clock.t.Add(2 * time.Hour)
	if got := through(); got != "2027-04-01" {
		t.Fatalf("under the site's version: current through %s, want 2027-04-01", got)
	}
}
