package web

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func mustLoad(t *testing.T) *Site {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sampleLayout() Layout {
	loc, _ := time.LoadLocation("America/Chicago")
	return Layout{Title: "Sample", CSRF: "tok", Loc: loc, User: &Viewer{Username: "tech1", Name: "Tech One", Roles: []string{"technician"}, CanPrepare: true, Tablet: true}}
}

var due = time.Date(2026, 11, 24, 20, 30, 0, 0, time.UTC)

func samplePrep() Preparation {
	bud := due.Add(24 * time.Hour)
	return Preparation{
		ID: 7, Status: "in_progress", StatusText: "In progress", Drug: "cefazolin", Dose: "1000 mg", Route: "IV",
		Diluent: "sodium chloride 0.9%", FinalVolume: "50 mL", Priority: PriorityStat, DueAt: due,
		Patient: Patient{Name: "Doe, Jane", MRN: "123", Location: "4W-12"}, Hazardous: true,
		Quantities: []Derived{{Label: "Volume to draw", Value: "10 mL", Steps: []string{"1,000 mg ÷ 100 mg/mL = 10 mL"}}},
		Steps: []Step{
			{ID: "s1", Kind: "scan", Title: "Scan the cefazolin 1 g vial", Expect: "cefazolin 1 g vial", Done: true, Result: "lot A1"},
			{ID: "s2", Kind: "manual", Title: "Reconstitute", Quantity: "10 mL", Derivation: []string{"a", "b"}},
			{ID: "s3", Kind: "weight", Title: "Weigh the syringe"},
			{ID: "s4", Kind: "photo", Title: "Photograph"},
		},
		BUD: &bud, BUDLimit: "category", BUDReason: "Category 2, refrigerator: 4 days",
	}
}

// samplePages gives every page realistic data, so a template that names a
// field the struct lacks fails here rather than in front of a technician.
func samplePages() []Page {
	l := sampleLayout()
	card := QueueCard{ID: 7, Drug: "cefazolin", Dose: "1000 mg", Volume: "50 mL", Diluent: "NS", DueAt: due, Priority: PriorityStat, Location: "4W", PreparedBy: "tech1", CompletedAt: due}
	return append(recipeSamples(l), []Page{
		ErrorPage{Layout: l, Status: 404, Message: "no such preparation", Back: "/tablet"},
		LoginPage{Layout: Layout{Title: "Sign in", Loc: l.Loc}, Mode: "badge", Error: "wrong PIN", Field: "pin"},
		LoginPage{Layout: Layout{Title: "Sign in", Loc: l.Loc}, Mode: "password", Username: "tech1"},
		QueuePage{Layout: l, Groups: []QueueGroup{{Title: "cefazolin 1,000 mg", Batch: true, Cards: []QueueCard{card, card}}, {Cards: []QueueCard{card}}}, Mine: []QueueCard{card}},
		QueuePage{Layout: l},
		PrepPage{Layout: l, Prep: samplePrep(), Mine: true},
		PrepPage{Layout: l, Prep: samplePrep(), Mine: true, Hold: &HoldBanner{Reason: "ORDER CHANGED by the ordering system (order ORD1, version 2)"}},
		InterfacesPage{Layout: l, Error: "x",
			Holds:    []HoldRow{{PreparationID: 7, Kind: "changed", Reason: "ORDER CHANGED", Since: due, CanContinue: true}, {PreparationID: 8, Kind: "stopped", Reason: "ORDER STOPPED", Since: due}},
			Counts:   []InboxCount{{Status: "error", Label: "refused (AE)", N: 1, Active: true}},
			Messages: []InboxRow{{ID: 1, Received: due, Sender: "PHARMSYS^GENHOSP", Control: "MSG1", Type: "RDE^O11", Status: "error", Ack: "AE", Error: "unknown drug", Field: "RXE-2", CanReplay: true}},
			Mappings: []MappingRow{{System: "PHARMSYS", Code: "CEF2G", Drug: "cefazolin"}}, Drugs: []string{"cefazolin"}},
		InterfacesPage{Layout: l},
		VerifyQueuePage{Layout: l, List: VerifyListFragment{Layout: l, Cards: []QueueCard{card}, Updated: due}},
		VerifyListFragment{Layout: l, InProgress: []QueueCard{card}},
		VerifyPage{Layout: l, Prep: samplePrep(), CanDecide: true,
			Scans:   []ScanEvidence{{At: due, Step: "s1", Product: "cefazolin 1 g vial", Lot: "A1", Accepted: true}, {At: due, Code: "wrong_product", Message: "not cefazolin"}},
			Weights: []WeightEvidence{{At: due, Measured: "10.1 g", Expected: "10.05 g", Deviation: "0.5%", Pass: true}},
			Photos:  []PhotoEvidence{{URL: "/x.jpg", At: due}},
			Downtime: &DowntimeEvidence{MadeBy: "tech1", Started: "2026-11-24 14:30", Completed: "2026-11-24 14:50",
				Components: []string{"2 × ceFAZolin 1 g, lot A1, expires 2027-01-31"}, Weights: []string{"Weight 10.1 g"}}},
		LogPage{Layout: l, Events: []LogEvent{{ID: 1, At: due, Type: "preparation.scan_refused", Name: "Scan refused", What: "Expired · lot A1", Outcome: "Refused",
			Drug: "cefazolin", Dose: "2 g", Patient: "Doe, Jane", MRN: "MRN1", Caught: true, PreparationID: 7}}, Types: []EventOption{{Type: "preparation.scan_refused", Name: "Scan refused"}},
			Chain: ChainStatus{Checked: true, OK: true, Count: 1}, Errors: map[string]string{"from": "bad date"}},
		SafetyLookupPage{Layout: l, Tabs: SafetyTabs("/safety/recall"), Heading: "Recall by lot", Action: "/safety/recall", Asked: true,
			Fields:  []Field{{Name: "lot", Label: "Lot", Value: "A1", Error: "bad"}},
			Columns: []string{"Status"}, Rows: []LookupRow{{At: due, PreparationID: 7, Drug: "cefazolin", Dose: "2 g", Patient: "Doe, Jane", MRN: "M1", Cells: []string{"released"}, Alert: true}}},
		SafetyDashboardPage{Layout: l, Tabs: SafetyTabs("/safety/dashboard"), Errors: map[string]string{"from": "bad"}, Doses: 3, Caught: 1, CaughtPerK: "333.3",
			Kinds: []KindBar{{Kind: "Wrong product", Color: "#b3261e", N: 1, PerK: "333.3", Width: 100}}, Codes: []KindBar{{Kind: "Wrong product", N: 1}},
			PeopleRows: []PersonLine{{Username: "tech1", Doses: 3, Caught: 1, PerK: "333.3"}}, TurnRows: []TurnLine{{Priority: "STAT", N: 1, Median: "12", P90: "20"}},
			WasteRows: []WasteLine{{Reason: "particles", Doses: 1, Containers: 2, Remakes: 1}}},
		AdminListPage{Layout: l, Heading: "Products", Columns: []Column{{Title: "Drug"}}, Rows: []Row{{Cells: []string{"cefazolin"}, URL: "/admin/products/1"}}},
		AdminFormPage{Layout: l, Heading: "New product", Fields: []Field{{Name: "drug", Label: "Drug", Error: "required"}, {Name: "kind", Type: "select", Options: []Option{{Value: "a", Label: "A", Selected: true}}}, {Name: "roles", Type: "checkboxes", Options: []Option{{Value: "x", Label: "X"}}}, {Name: "haz", Type: "checkbox", Checked: true}}},
		CompetencyPage{Layout: l, Person: "Tech One (tech1)", Summary: "May not compound: media-fill test lapsed after 2026-11-30.",
			Rows:    []CompetencyRow{{Name: "media-fill test", State: "lapsed", StateWords: "Lapsed", CurrentThrough: "2026-11-30", LastPassed: "2026-05-30"}},
			Records: []CompetencyRecordRow{{Kind: "media-fill test", Result: "pass", Passed: "2026-05-30", EvidenceURL: "/x"}},
			Form:    AdminFormPage{Heading: "Record", Fields: []Field{{Name: "kind", Type: "select", Options: []Option{{Value: "media_fill", Label: "media-fill test"}}}, {Name: "note", Type: "textarea"}}}},
		GuardRulesPage{Layout: l, Version: "v1", EffectiveFrom: "2026-11-24 14:30", Rounding: "Warn above 5%",
			Syringes:  []SyringeRow{{Capacity: "1 mL", Graduation: "0.01 mL", Floor: "0.1 mL"}},
			Plausible: []PlausibleRow{{Name: "Weight", Range: "0.2 kg to 650 kg", Outside: "Refused"}},
			Limits:    []LimitRow{{Drug: "potassium chloride", Route: "IV", DoseUnit: "mEq", Rate: "20 mEq/h", ConcentrationPeripheral: "0.1 mEq/mL", EditURL: "/guard-rails?drug=x#change"}},
			HighAlert: []HighAlertRow{{Category: "opioids", Drugs: "morphine"}},
			History:   []GuardVersionRow{{Version: "v1", State: "In force"}}, CanEdit: true,
			Form: AdminFormPage{Heading: "Add", Error: "x", Fields: []Field{{Name: "line", Type: "select", Options: []Option{{Value: "", Label: "Any line"}}},
				{Name: "source", Type: "textarea"}, {Name: "remove", Type: "checkbox"}, {Name: "drug", Error: "required"}}}},
		GuardRulesPage{Layout: l, None: true},
		PrintQueuePage{Layout: l, Tabs: []Tab{{Title: "Print queue", URL: "/print-queue", Active: true}}, Filters: []Tab{{Title: "All", URL: "/print-queue"}},
			Jobs: []PrintJobRow{{ID: 1, Preparation: "#1", PrepURL: "/verify/1", Label: "1 (LMN-P1-L1)", Printer: "Hood 1 printer", State: "NOT PRINTED",
				Failed: true, Attempts: "5 of 5", LastError: "The printer refused the connection."}}},
		PrintQueuePage{Layout: l},
		GravitiesPage{Layout: l, Products: []GravityProduct{{URL: "/gravities/3", Name: "potassium chloride 2 mEq/mL vial", OnRecord: []string{"1.089 at 2 mEq/mL, published"}}, {URL: "/gravities/4", Name: "vancomycin 1 g vial"}}},
		GravityPage{Layout: l, Product: "vancomycin 1 g vial", Action: "/gravities/4", CanRecord: true, MinVolume: "5 mL", Agreement: "1%",
			Rows:   []GravityRow{{Concentration: "100 mg/mL", Value: "1.032", Method: "determined on site", Source: "two weighings of 10 mL", By: "pharm1", At: time.Date(2026, 11, 24, 20, 30, 0, 0, time.UTC)}},
			Fields: []Field{{Name: "volume", Label: "Volume weighed (mL)", Type: "text", Value: "10"}}},
		PrepPage{Layout: l, Prep: samplePrep(), Print: &LabelPrintNotice{Failed: true, Message: "printer offline", QueueURL: "/print-queue"}},
	}...)
}

func TestEveryPageRenders(t *testing.T) {
	s := mustLoad(t)
	seen := map[string]bool{}
	for i, p := range samplePages() {
		seen[p.PageName()] = true
		t.Run(p.PageName()+string(rune('a'+i)), func(t *testing.T) {
			var b bytes.Buffer
			if err := s.Render(&b, p); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			if p.PageName() != "verify_list" && !strings.Contains(html, "/static/app.") {
				t.Fatalf("page does not link the checksum stylesheet:\n%.400s", html)
			}
			if strings.Contains(html, "2026-11-24T20:30") && !strings.Contains(html, "data-due") {
				t.Fatal("a time is shown in RFC 3339 instead of the site's format")
			}
		})
	}
	for _, n := range PageNames() {
		if !seen[n] {
			t.Errorf("page %s has no sample in this test", n)
		}
	}
}

func TestPageShowsSiteTimeAndISMPDose(t *testing.T) {
	s := mustLoad(t)
	var b bytes.Buffer
	if err := s.Render(&b, PrepPage{Layout: sampleLayout(), Prep: samplePrep(), Mine: true}); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	for _, want := range []string{"2026-11-24 14:30", "ceFAZolin 1,000 mg", "HAZARDOUS DRUG", "10 mL"} {
		if !strings.Contains(html, want) {
			t.Errorf("prep page lacks %q", want)
		}
	}
	if strings.Contains(html, "1000 mg") {
		t.Error("a dose is shown without the ISMP thousands separator")
	}
}

func TestAssetsHaveChecksumNames(t *testing.T) {
	s := mustLoad(t)
	for _, name := range []string{"app.css", "app.js", "icon.svg"} {
		u, err := s.AssetURL(name)
		if err != nil {
			t.Fatal(err)
		}
		file := strings.TrimPrefix(u, AssetPrefix)
		a, ok := s.Asset(file)
		if !ok || a.Name != name || len(a.Body) == 0 {
			t.Fatalf("%s: asset %s not served", name, file)
		}
		parts := strings.Split(file, ".")
		if len(parts) != 3 || len(parts[1]) != hashLen {
			t.Fatalf("%s: URL %s has no %d-digit checksum", name, u, hashLen)
		}
	}
	if _, err := s.AssetURL("nope.css"); err == nil {
		t.Fatal("an unknown asset name gave a URL")
	}
	if _, ok := s.Asset("app.000000000000.css"); ok {
		t.Fatal("a stale checksum name was served")
	}
}

func TestDose(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1000 mg", "1,000 mg"}, {"0.50 mL", "0.5 mL"}, {"100000 units", "100,000 units"}, {"", "—"}, {"5 ml", "5 mL"}, {"bogus", "bogus (?)"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Dose(tc.in); got != tc.want {
				t.Fatalf("Dose(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTallMan(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"cefazolin", "ceFAZolin"}, {"cefazolin 1 g vial", "ceFAZolin 1 g vial"}, {"hydralazine and hydroxyzine", "hydrALAZINE and hydrOXYzine"},
		{"CISplatin", "CISplatin"}, {"Cefazolin", "Cefazolin"}, {"sodium chloride", "sodium chloride"}, {"insulin regular", "insulin regular"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := TallMan(tc.in); got != tc.want {
				t.Fatalf("TallMan(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TallMan never changes a name's letters, only their case.
func TestTallManKeepsLetters(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[a-z ]{0,30}`).Draw(t, "s")
		if got := TallMan(s); !strings.EqualFold(got, s) {
			t.Fatalf("TallMan(%q) = %q", s, got)
		}
	})
}

func TestTime(t *testing.T) {
	loc, _ := time.LoadLocation("America/Chicago")
	if got := Time(due, loc); got != "2026-11-24 14:30" {
		t.Fatalf("Time = %q", got)
	}
	if got := Time(time.Time{}, loc); got != "—" {
		t.Fatalf("zero Time = %q", got)
	}
}

func TestChart(t *testing.T) {
	c := Chart{Title: "Errors", Labels: []string{"W1", "W2"}, Stacked: true, Unit: "per 1,000", Scale: 1,
		Series: []Series{{Name: "Wrong product", Color: "#b3261e", Values: []int64{125, 0}}, {Name: "Expired", Color: "#7a4a00", Values: []int64{30, 10}}}}
	svg := string(c.SVG())
	if n := strings.Count(svg, "<rect x="); n != 3 { // three bars: a zero is not drawn
		t.Fatalf("%d rects in %s", n, svg)
	}
	for _, want := range []string{"12.5", "W2 Expired: 1", `aria-label="Errors"`, "<table>", `class="swatch"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if strings.Contains(string(Chart{Labels: []string{"<x>"}}.SVG()), "<x>") {
		t.Fatal("a label is not escaped")
	}
}

func TestNiceMax(t *testing.T) {
	for _, tc := range []struct{ in, want int64 }{{0, 4}, {3, 4}, {7, 8}, {13, 20}, {41, 80}, {100, 100}, {101, 200}} {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			if got := niceMax(tc.in); got != tc.want || got < tc.in {
				t.Fatalf("niceMax(%d) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestChartNumber(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := rapid.Int64Range(0, 1e12).Draw(t, "v")
		got := Chart{Scale: 1}.number(v)
		want := DisplayInt(v / 10)
		if v%10 != 0 {
			want += "." + fmt.Sprint(v%10)
		}
		if got != want {
			t.Fatalf("number(%d) = %q, want %q", v, got, want)
		}
	})
}
