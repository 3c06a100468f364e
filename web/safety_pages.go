package web

import (
	"html/template"
	"time"
)

// SafetyTabs are the safety officer's screens, as tabs.
func SafetyTabs(active string) []Tab {
	tabs := []Tab{
		{Title: "Dashboard", URL: "/safety/dashboard"}, {Title: "Recall by lot", URL: "/safety/recall"},
		{Title: "One person's shift", URL: "/safety/shift"}, {Title: "Overrides", URL: "/safety/overrides"},
	}
	for i := range tabs {
		tabs[i].Active = tabs[i].URL == active
	}
	return tabs
}

// LookupRow is one line of a look-up's result, already in words.
type LookupRow struct {
	At            time.Time
	PreparationID int64
	Drug, Dose    string
	Patient, MRN  string
	// Cells are the look-up's own columns, in the order of Columns.
	Cells []string
	// Alert marks a line that needs action (a released dose of a
	// recalled lot, a caught error).
	Alert bool
}

// SafetyLookupPage is one of the look-ups: a small form and its result.
type SafetyLookupPage struct {
	Layout
	Tabs    []Tab
	Heading string
	Intro   string
	// Action is the form's URL; Fields its inputs (with the submitted
	// values and any error beside them).
	Action string
	Fields []Field
	// Asked is true once the form was submitted without error.
	Asked   bool
	Summary string
	Columns []string
	Rows    []LookupRow
	// APIURL is the same answer as JSON.
	APIURL string
	Error  string
}

// PageName implements Page.
func (SafetyLookupPage) PageName() string { return "safety_lookup" }

// KindBar is one kind of caught error with its count, its rate and the
// length of its bar (percent of the largest).
type KindBar struct {
	Kind, Color string
	N           int64
	PerK        string
	Width       int
}

// SafetyDashboardPage answers the safety officer's questions for a
// period, in numbers and pictures.
type SafetyDashboardPage struct {
	Layout
	Tabs     []Tab
	From, To string
	Errors   map[string]string
	// Period names the period shown, in the site's zone.
	Period     string
	Doses      int64
	Caught     int64
	CaughtPerK string
	Typed      int64
	// TypedScans and TypedWeights split Typed.
	TypedScans, TypedWeights int64
	Overrides                int64
	Wasted                   int64
	Remakes                  int64
	Kinds                    []KindBar
	// Codes are the refusals and rejections caught, in words.
	Codes      []KindBar
	People     template.HTML
	Turnaround template.HTML
	PeopleRows []PersonLine
	TurnRows   []TurnLine
	WasteRows  []WasteLine
	ReportURL  string
}

// PageName implements Page.
func (SafetyDashboardPage) PageName() string { return "safety_dashboard" }

// PersonLine is one technician on the dashboard.
type PersonLine struct {
	Username             string
	Doses, Caught, Typed int64
	PerK                 string
}

// TurnLine is the order-to-release time of one priority, in minutes.
type TurnLine struct {
	Priority    string
	N           int64
	Median, P90 string
}

// WasteLine is the waste of one reason.
type WasteLine struct {
	Reason                     string
	Doses, Containers, Remakes int64
}
