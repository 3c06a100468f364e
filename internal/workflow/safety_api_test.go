package workflow_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/webui"
)

// safetyScenario is a small week of the IV room, made through the API:
// a released dose with a wrong product caught on the way, a STAT dose
// rejected and remade, and an out-of-range order a pharmacist overrode.
type safetyScenario struct {
	released, rejected, remake, overridden, weighed int64
	lotProduct                                      int64
}

func buildSafetyScenario(t *testing.T, h *harness) safetyScenario {
	t.Helper()
	var sc safetyScenario

	// Released: tech1 first scans the diluent bag on the vial step (caught),
	// then makes it right; pharm1 approves; it is released.
	sc.released = h.order(simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(sc.released, "/claim"), nil)
	w := h.prep(sc.released)
	sc.lotProduct = w.AllowedProducts[0].ID
	for _, s := range w.Steps {
		if s.Kind == "scan_vial" {
			bad := gs1(w.AllowedDiluents[0].GTIN, time.Now().AddDate(1, 0, 0), "WRONG1", "X1")
			if r := h.call("tech1", "POST", path(sc.released, "/scans"), map[string]any{"step_id": s.ID, "data": bad}); r.code() != "wrong_product" {
				t.Fatalf("the wrong product was not refused: %d %s", r.Status, r.Body)
			}
			break
		}
	}
	h.prepare(sc.released, "tech1")
	h.must(http.StatusOK, "pharm1", "POST", path(sc.released, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm1"})
	if h.prep(sc.released).Status == "awaiting_second_check" {
		// A high-alert drug: a second pharmacist checks it too.
		h.must(http.StatusOK, "pharm2", "POST", path(sc.released, "/verify"), map[string]any{"decision": "approve", "password": "demo-pharm2"})
	}
	seq := h.prep(sc.released).LabelSeq
	if seq == 0 {
		// A label is issued when it is first printed.
		h.must(http.StatusOK, "tech1", "GET", path(sc.released, "/label?format=html"), nil)
		seq = h.prep(sc.released).LabelSeq
	}
	h.must(http.StatusOK, "tech1", "POST", path(sc.released, "/release"), map[string]any{"label_data": fmt.Sprintf("LMN-P%d-L%d", sc.released, seq)})

	// Rejected: a STAT dose tech2 made, rejected by pharm2 and remade.
	o := simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL")
	o["priority"] = "stat"
	o["patient"].(map[string]any)["name"] = "Poe, Edgar"
	o["patient"].(map[string]any)["mrn"] = "MRN77"
	sc.rejected = h.order(o)
	h.prepare(sc.rejected, "tech2")
	var rej struct {
		RemakeID int64 `json:"remake_id"`
	}
	h.must(http.StatusOK, "pharm2", "POST", path(sc.rejected, "/verify"), map[string]any{"decision": "reject", "reason": "particles seen", "password": "demo-pharm2"}).json(t, &rej)
	sc.remake = rej.RemakeID

	// Weighed: tech1's first weight of a cefazolin draw is far off (typed,
	// caught), the second is right.
	sc.weighed = h.order(simpleOrder("cefazolin", "1 g", "sodium chloride 0.9%", "100 mL"))
	h.must(http.StatusOK, "tech1", "POST", path(sc.weighed, "/claim"), nil)
	for _, s := range h.prep(sc.weighed).Steps {
		if s.Kind == "weigh" {
			body := map[string]any{"step_id": s.ID, "measured": "50 g", "reason": "balance out of order"}
			r := h.call("tech1", "POST", path(sc.weighed, "/weights"), body)
			if r.code() == "unknown_field" {
				delete(body, "reason")
				r = h.call("tech1", "POST", path(sc.weighed, "/weights"), body)
			}
			if r.Status != http.StatusCreated {
				t.Fatalf("typed weight: %d %s", r.Status, r.Body)
			}
			break
		}
	}
	// The bag's barcode would not read: tech1 types it, with a reason.
	for _, s := range h.prep(sc.weighed).Steps {
		if s.Kind == "scan_diluent" {
			w := h.prep(sc.weighed)
			h.must(http.StatusCreated, "tech1", "POST", path(sc.weighed, "/scans"), map[string]any{"step_id": s.ID, "source": "typed",
				"reason": "label torn", "data": gs1(w.AllowedDiluents[0].GTIN, time.Now().AddDate(1, 0, 0), "BAG9", "")})
			break
		}
	}
	h.prepare(sc.weighed, "tech1")

	// Overridden: 40 mEq over 30 min is above the rate limit.
	ov := simpleOrder("potassium chloride", "40 mEq", "sodium chloride 0.9%", "100 mL")
	ov["infuse_over"] = "30 min"
	sc.overridden = h.order(ov)
	h.must(http.StatusOK, "pharm1", "POST", path(sc.overridden, "/override"), map[string]any{"reason": "cardiology asked, on monitor", "password": "demo-pharm1"})
	return sc
}

// pageText is what a person reads on a page: the text outside tags,
// scripts and styles, entities decoded.
func pageText(page []byte) string {
	s := regexp.MustCompile(`(?is)<(script|style|svg|head)\b.*?</(script|style|svg|head)>`).ReplaceAllString(string(page), " ")
	s = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

// codeLike finds a snake_case code or a dotted event type in page text.
var codeLike = regexp.MustCompile(`\b[a-z0-9]+_[a-z0-9_]+\b|\b[a-z]+\.[a-z]+_[a-z_]+\b`)

// newPagesHarness is the harness with the browser screens mounted too.
func newPagesHarness(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := &httpapi.API{Store: h.st, Config: cfg, Log: log, Auth: h.auth, Now: h.now}
	if api.Pages, err = webui.New(webui.Deps{Store: h.st, Auth: h.auth, Config: cfg, Log: log, Now: h.now}); err != nil {
		t.Fatal(err)
	}
	h.srv.Close()
	h.srv = httptest.NewServer(httpapi.New(api))
	t.Cleanup(h.srv.Close)
	return h
}

// page fetches a screen as user, the way a browser asks for it.
func (h *harness) page(user, path string) []byte {
	h.t.Helper()
	r := h.must(http.StatusOK, user, "GET", path, nil, "Accept", "text/html")
	return r.Body
}

// The log named events by code (preparation.scan_refused), showed no drug
// and no patient, and put refusal codes on the screen. Now each line reads
// in words, with the drug and the patient of its preparation.
func TestSafetyLogReadsInPlainWords(t *testing.T) {
	h := newPagesHarness(t)
	sc := buildSafetyScenario(t, h)
	text := pageText(h.page("safety1", "/log"))
	for _, want := range []string{"Scan refused", "Wrong product", "Rejected by pharmacist", "Released to the floor",
		"Pharmacist override", "Roe, Rick", "MRN9", "Poe, Edgar", "potassium chloride 20 mEq", "reason: particles seen",
		"TYPED, not scanned · reason: label torn", "Out of tolerance"} {
		if !strings.Contains(text, want) {
			t.Errorf("the log page lacks %q", want)
		}
	}
	if m := codeLike.FindAllString(text, 5); len(m) > 0 {
		t.Errorf("the log page shows codes: %q", m)
	}
	// Filtered to one preparation, every line names its drug and patient.
	text = pageText(h.page("safety1", fmt.Sprintf("/log?preparation_id=%d", sc.rejected)))
	if n := strings.Count(text, "Poe, Edgar"); n < 4 {
		t.Errorf("the rejected preparation's lines name the patient %d times, want one per event:\n%s", n, text)
	}
}

// The CSV export was raw JSON and hashes. Now each line opens with
// readable columns (time in the site's zone, who, patient, drug, what,
// outcome) and ends with the raw event for auditors.
func TestSafetyCSVHasReadableAndRawColumns(t *testing.T) {
	h := newHarness(t)
	sc := buildSafetyScenario(t, h)
	r := h.must(http.StatusOK, "safety1", "GET", fmt.Sprintf("/api/v1/audit?format=csv&preparation_id=%d", sc.released), nil)
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := rows[0]
	col := map[string]int{}
	for i, c := range head {
		col[c] = i
	}
	for _, c := range []string{"Time (UTC)", "Person", "Patient", "MRN", "Drug", "Dose", "What happened", "Details", "Outcome", "payload", "prev_hash", "hash"} {
		if _, ok := col[c]; !ok {
			t.Fatalf("the CSV has no column %q: %q", c, head)
		}
	}
	if col["payload"] < col["Outcome"] || col["hash"] != len(head)-1 {
		t.Errorf("the raw columns are not at the end: %q", head)
	}
	var refused []string
	for _, row := range rows[1:] {
		if row[col["Patient"]] != "Roe, Rick" || row[col["Drug"]] != "potassium chloride" || row[col["Dose"]] != "20 mEq" {
			t.Errorf("a line lacks the patient or drug: %q", row)
		}
		if _, err := time.Parse("2006-01-02 15:04:05", row[col["Time (UTC)"]]); err != nil {
			t.Errorf("time %q: %v", row[col["Time (UTC)"]], err)
		}
		if len(row[col["hash"]]) != 64 || !strings.HasPrefix(row[col["payload"]], "{") {
			t.Errorf("raw columns %q", row[col["payload"]:])
		}
		if row[col["type"]] == "preparation.scan_refused" {
			refused = row
		}
	}
	if refused == nil || refused[col["What happened"]] != "Scan refused" || refused[col["Outcome"]] != "Refused" || !strings.Contains(refused[col["Details"]], "Wrong product") {
		t.Errorf("the refused scan reads %q", refused)
	}
}

// The look-ups: which preparations a lot went into (recall), what one
// technician did in a shift, every override; each for the safety officer
// and pharmacists, read-only for the admin, refused to a technician.
func TestSafetyLookups(t *testing.T) {
	h := newHarness(t)
	sc := buildSafetyScenario(t, h)

	var lots struct {
		Preparations []struct {
			PreparationID int64   `json:"preparation_id"`
			Status        string  `json:"status"`
			PatientName   string  `json:"patient_name"`
			ReleasedAt    *string `json:"released_at"`
			Lot           string  `json:"lot"`
		} `json:"preparations"`
		Released int `json:"released"`
	}
	h.must(http.StatusOK, "safety1", "GET", fmt.Sprintf("/api/v1/safety/lots?lot=lot1&product_id=%d", sc.lotProduct), nil).json(t, &lots)
	got := map[int64]string{}
	for _, p := range lots.Preparations {
		got[p.PreparationID] = p.Status
		if p.Lot != "LOT1" {
			t.Errorf("lot %q", p.Lot)
		}
	}
	if got[sc.released] != "released" || got[sc.rejected] != "rejected" || lots.Released != 1 || len(got) != 2 {
		t.Errorf("lot LOT1 went into %v (released %d), want #%d released and #%d rejected", got, lots.Released, sc.released, sc.rejected)
	}
	// The refused container's lot went into nothing.
	h.must(http.StatusOK, "pharm1", "GET", "/api/v1/safety/lots?lot=WRONG1", nil).json(t, &lots)
	if len(lots.Preparations) != 0 {
		t.Errorf("a refused scan's lot counts as used: %+v", lots.Preparations)
	}
	if r := h.call("safety1", "GET", "/api/v1/safety/lots?lot=", nil); r.Status != http.StatusBadRequest || r.field() != "lot" {
		t.Errorf("no lot: %d %s", r.Status, r.Body)
	}

	var act struct {
		Events []struct {
			Type, Name, Drug string
			PatientName      string `json:"patient_name"`
			PreparationID    *int64 `json:"preparation_id"`
		} `json:"events"`
	}
	from := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	h.must(http.StatusOK, "safety1", "GET", "/api/v1/safety/activity?user=tech2&from="+from, nil).json(t, &act)
	if len(act.Events) == 0 {
		t.Fatal("tech2 did nothing in the last hour")
	}
	for _, e := range act.Events {
		if e.PreparationID == nil || *e.PreparationID != sc.rejected || e.Name == "" || e.Drug != "potassium chloride" || e.PatientName != "Poe, Edgar" {
			t.Errorf("tech2's shift lists %+v", e)
		}
	}
	if r := h.call("safety1", "GET", "/api/v1/safety/activity?user=nobody", nil); r.Status != http.StatusBadRequest || r.field() != "user" {
		t.Errorf("unknown user: %d %s", r.Status, r.Body)
	}
	if r := h.call("safety1", "GET", "/api/v1/safety/activity?user=tech1&from=yesterday", nil); r.Status != http.StatusBadRequest || r.field() != "from" {
		t.Errorf("bad from: %d %s", r.Status, r.Body)
	}

	var ovs struct {
		Overrides []struct {
			PreparationID int64  `json:"preparation_id"`
			Pharmacist    string `json:"pharmacist"`
			Reason        string `json:"reason"`
		} `json:"overrides"`
	}
	h.must(http.StatusOK, "admin1", "GET", "/api/v1/safety/overrides", nil).json(t, &ovs)
	if len(ovs.Overrides) != 1 || ovs.Overrides[0].PreparationID != sc.overridden || ovs.Overrides[0].Pharmacist != "pharm1" || ovs.Overrides[0].Reason != "cardiology asked, on monitor" {
		t.Errorf("overrides %+v", ovs.Overrides)
	}
	// A period before the override has none.
	h.must(http.StatusOK, "safety1", "GET", "/api/v1/safety/overrides?from=2020-01-01&to=2020-01-31", nil).json(t, &ovs)
	if len(ovs.Overrides) != 0 {
		t.Errorf("overrides in 2020: %+v", ovs.Overrides)
	}

	for _, p := range []string{"/api/v1/safety/lots?lot=LOT1", "/api/v1/safety/activity?user=tech1", "/api/v1/safety/overrides", "/api/v1/safety/dashboard", "/api/v1/safety/report"} {
		if r := h.call("tech1", "GET", p, nil); r.Status != http.StatusForbidden {
			t.Errorf("a technician read %s: %d", p, r.Status)
		}
	}
}

// The dashboard's numbers, aggregated in PostgreSQL from what the scenario
// did: 3 doses made (released, rejected, remake not yet), 1 wrong product
// caught and 1 rejection, typed weights, 1 override, turnaround by
// priority, 1 dose wasted with its remake.
func TestSafetyDashboardNumbers(t *testing.T) {
	h := newHarness(t)
	buildSafetyScenario(t, h)
	var d struct {
		Doses      int64  `json:"doses"`
		Caught     int64  `json:"caught"`
		CaughtPerK string `json:"caught_per_1000"`
		ByKind     []struct {
			Kind    string `json:"kind"`
			N       int64  `json:"count"`
			PerKStr string `json:"per_1000"`
		} `json:"by_kind"`
		People []struct {
			Username string `json:"username"`
			Doses    int64  `json:"doses"`
			Caught   int64  `json:"caught"`
			PerKStr  string `json:"per_1000"`
			Typed    int64  `json:"typed_entries"`
		} `json:"technicians"`
		Typed      int64 `json:"typed_entries"`
		TypedScans int64 `json:"typed_scans"`
		Overrides  int64 `json:"overrides"`
		Turnaround []struct {
			Priority string `json:"priority"`
			N        int64  `json:"released"`
			MedianS  int64  `json:"median_seconds"`
		} `json:"turnaround"`
		WastedDoses int64 `json:"wasted_doses"`
		Remakes     int64 `json:"remakes"`
		CostKnown   bool  `json:"cost_known"`
	}
	h.must(http.StatusOK, "pharm2", "GET", "/api/v1/safety/dashboard", nil).json(t, &d)
	if d.Doses != 3 || d.Caught != 3 || d.CaughtPerK != "1,000" {
		t.Errorf("doses %d, caught %d (%s per 1,000), want 3, 3, 1,000", d.Doses, d.Caught, d.CaughtPerK)
	}
	kinds := map[string]int64{}
	for _, k := range d.ByKind {
		kinds[k.Kind] = k.N
	}
	if kinds["Wrong product"] != 1 || kinds["Rejected by pharmacist"] != 1 || kinds["Weight out of tolerance"] != 1 {
		t.Errorf("by kind %v", kinds)
	}
	people := map[string]string{}
	for _, p := range d.People {
		people[p.Username] = fmt.Sprintf("%d doses, %d caught, %s per 1,000", p.Doses, p.Caught, p.PerKStr)
	}
	if people["tech1"] != "2 doses, 2 caught, 1,000 per 1,000" || people["tech2"] != "1 doses, 1 caught, 1,000 per 1,000" {
		t.Errorf("by technician %v", people)
	}
	if d.Overrides != 1 || d.WastedDoses != 1 || d.Remakes != 1 || d.CostKnown {
		t.Errorf("overrides %d, wasted %d, remakes %d, cost known %v", d.Overrides, d.WastedDoses, d.Remakes, d.CostKnown)
	}
	var typed int64
	if err := h.st.DB.Get(&typed, `SELECT (SELECT count(*) FROM weights WHERE source = 'typed') + (SELECT count(*) FROM scans WHERE source = 'typed')`); err != nil || typed < 3 || d.Typed != typed || d.TypedScans != 1 {
		t.Errorf("typed entries %d (%d scans), want the %d typed, one of them a scan (%v)", d.Typed, d.TypedScans, typed, err)
	}
	if len(d.Turnaround) != 1 || d.Turnaround[0].Priority != "routine" || d.Turnaround[0].N != 1 || d.Turnaround[0].MedianS < 0 {
		t.Errorf("turnaround %+v", d.Turnaround)
	}
}

// The printed report of a period reads, with pdftotext, its summary, the
// errors caught by kind, the override and the events with drug and
// patient.
func TestSafetyReportPDF(t *testing.T) {
	h := newHarness(t)
	sc := buildSafetyScenario(t, h)
	r := h.must(http.StatusOK, "safety1", "GET", "/api/v1/safety/report", nil)
	if ct := r.Header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF")) {
		t.Fatalf("report content type %q", ct)
	}
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, r.Body, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", file, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"Compounding safety report", "Doses made 3", "Errors caught 3 (1,000 per 1,000 doses)", "Weight out of tolerance 1", "Pharmacist overrides 1",
		"Wrong product 1", "Rejected by pharmacist 1", "cardiology asked, on monitor", "Scan refused", "Roe, Rick",
		fmt.Sprintf("#%d", sc.rejected), "(MRN77)", "particles seen", "page 1 of"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if m := codeLike.FindAllString(text, 5); len(m) > 0 {
		t.Errorf("the report shows codes: %q", m)
	}
}

// The safety screens answer in words: the recall names the released dose
// and its patient, the dashboard its counts and charts, the shift and the
// override look-ups their lines; no code on any of them; a technician may
// open none.
func TestSafetyScreens(t *testing.T) {
	h := newPagesHarness(t)
	sc := buildSafetyScenario(t, h)
	for _, c := range []struct {
		user, path string
		want       []string
	}{
		{"safety1", fmt.Sprintf("/safety/recall?lot=LOT1&product_id=%d", sc.lotProduct), []string{"Lot LOT1 went into 2 preparation(s); 1 released to the floor.",
			"RELEASED", "Roe, Rick", "Poe, Edgar", "rejected (remade)", fmt.Sprintf("#%d", sc.released)}},
		{"pharm1", "/safety/dashboard", []string{"3 doses made", "3 errors caught", "1,000 per 1,000 doses", "1 pharmacist overrides", "1 doses wasted",
			"Wrong product", "Weight out of tolerance", "tech1", "Routine", "particles seen", "not priced"}},
		{"safety1", "/safety/shift?user=tech2", []string{"tech2:", "Claimed by technician", "Poe, Edgar"}},
		{"admin1", "/safety/overrides", []string{"1 override(s)", "cardiology asked, on monitor", "pharm1"}},
		{"safety1", "/safety/recall", []string{"Recall by lot"}},
	} {
		page := h.page(c.user, c.path)
		text := pageText(page)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", c.path, w, text)
			}
		}
		if m := codeLike.FindAllString(text, 5); len(m) > 0 {
			t.Errorf("%s shows codes: %q", c.path, m)
		}
		if r := h.call("tech1", "GET", c.path, nil, "Accept", "text/html"); r.Status != http.StatusForbidden {
			t.Errorf("a technician opened %s: %d", c.path, r.Status)
		}
	}
	if !bytes.Contains(h.page("safety1", "/safety/dashboard"), []byte("<svg")) {
		t.Error("the dashboard draws no chart")
	}
	// A bad value is shown beside its field, with the submitted value.
	r := h.call("safety1", "GET", "/safety/shift?user=tech1&from=soon", nil, "Accept", "text/html")
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `value="soon"`) || !strings.Contains(string(r.Body), "is not a date") {
		t.Errorf("bad from: %d", r.Status)
	}
}
