package web

import (
	"html/template"
	"time"
)

// Page is the data of one screen. Each page has its own struct and its own
// template file, templates/<PageName>.html.
type Page interface {
	PageName() string
}

// pageList names every page, so that Load can fail at start-up when one has
// no template.
var pageList = []Page{
	ErrorPage{}, LoginPage{}, QueuePage{}, PrepPage{}, VerifyQueuePage{}, VerifyListFragment{},
	VerifyPage{}, LogPage{}, AdminListPage{}, AdminFormPage{}, CompetencyPage{},
	InterfacesPage{}, RecipeEditPage{}, RecipeDiffPage{}, ConfirmPage{}, GuardRulesPage{}, SafetyLookupPage{}, SafetyDashboardPage{},
	PrintQueuePage{}, GravitiesPage{}, GravityPage{},
}

// PageNames lists the template names of every page.
func PageNames() []string {
	out := make([]string, len(pageList))
	for i, p := range pageList {
		out[i] = p.PageName()
	}
	return out
}

// Viewer is the logged-in person as the layout shows them.
type Viewer struct {
	Username string
	Name     string
	Roles    []string
	// Tablet marks a badge + PIN session on a cleanroom tablet.
	Tablet bool
	// What the navigation offers.
	CanPrepare, CanVerify, CanAudit, CanAdmin bool
	// CanCompetency: may record and review competencies.
	CanCompetency bool
	// CanInterfaces: may see the interface inbox, replay and decide holds.
	CanInterfaces bool
	// CanRecipes: may read, write and (a pharmacist) approve recipes.
	CanRecipes bool
	// CanGuard: may read the guard rails (dose limits, rounding limits).
	CanGuard bool
	// CanSafety: may use the safety dashboard and look-ups.
	CanSafety bool
	// CanGravities: may see the specific gravities on record (pharmacists
	// record them; admins read them).
	CanGravities bool
}

// Layout is what every full page carries.
type Layout struct {
	Title string
	User  *Viewer
	// CSRF is the token forms and JavaScript send back.
	CSRF string
	// Active is the navigation entry to highlight.
	Active string
	// Loc is the site's time zone.
	Loc *time.Location
	// Flash is a one-line message after a redirect ("Product saved").
	Flash string
	// Refresh, when set, is the period of a meta refresh (pages without
	// live updates keep their countdowns honest this way).
	Refresh int
}

// Time shows t in the site's time zone: 2026-11-24 14:30.
func (l Layout) Time(t time.Time) string { return Time(t, l.Loc) }

// TimePtr is Time for an optional time.
func (l Layout) TimePtr(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return Time(*t, l.Loc)
}

// Zone names the site's time zone for people reading times.
func (l Layout) Zone() string {
	if l.Loc == nil {
		return "UTC"
	}
	return l.Loc.String()
}

// ErrorPage is the friendly page shown for a browser navigation that fails.
type ErrorPage struct {
	Layout
	Status  int
	Code    string
	Message string
	// Back is where the "go back" button leads.
	Back string
}

// PageName implements Page.
func (ErrorPage) PageName() string { return "error" }

// LoginPage is the sign-in screen: badge + PIN on a large keypad, or a
// username and password.
type LoginPage struct {
	Layout
	// Mode is "badge" or "password".
	Mode     string
	Badge    string
	Username string
	Next     string
	Error    string
	// Field is the input the error is about.
	Field string
}

// PageName implements Page.
func (LoginPage) PageName() string { return "login" }

// Priority values as the workflow names them.
const (
	PriorityStat      = "stat"
	PriorityFirstDose = "first_dose"
	PriorityRoutine   = "routine"
)

// QueueCard is one preparation in a queue.
type QueueCard struct {
	ID        int64
	Drug      string
	Dose      string
	Diluent   string
	Volume    string
	Route     string
	Location  string
	Patient   string
	DueAt     time.Time
	Priority  string
	Status    string
	ClaimedBy string
	// Mine is true when the viewer holds the claim.
	Mine      bool
	Hazardous bool
	// HighAlert is the high-alert category, "" for none.
	HighAlert string
	// PreparedBy and CompletedAt matter in the verification queue.
	PreparedBy  string
	CompletedAt time.Time
	// Own marks work the viewer prepared: they may not verify it.
	Own bool
	// FirstCheckBy names the pharmacist who made the first check of a
	// preparation awaiting its second; RemakeReason is the reason a
	// pharmacist rejected the preparation this one remakes.
	FirstCheckBy, RemakeReason string
	// Overdue marks a card whose due time has passed when the page was
	// drawn (the countdown keeps it current in the browser).
	Overdue bool
	// RemakeOf is the rejected preparation this one remakes (0: none);
	// RemadeBy the remake queued for a rejected one.
	RemakeOf, RemadeBy int64
	// StatusText is the status in words.
	StatusText string
	// Waited is how long it has waited for its check ("1 h 5 min").
	Waited string
}

// PriorityText is the priority in words.
func (c QueueCard) PriorityText() string {
	switch c.Priority {
	case PriorityStat:
		return "STAT"
	case PriorityFirstDose:
		return "FIRST DOSE"
	}
	return "Routine"
}

// QueueGroup is a run of queue cards: a batch of identical preparations
// (with a title) or a run of single ones (without).
type QueueGroup struct {
	Title string
	Cards []QueueCard
	// Batch marks identical preparations that can be made together.
	Batch bool
}

// QueueFilter is the queue screen's filter and page, as the URL carries
// them.
type QueueFilter struct {
	Priority, Status, Ward string
	Page                   int
}

// QueueTail is a short list under the queue: the newest few of a kind and
// how many there are.
type QueueTail struct {
	Cards []QueueCard
	Total int
}

// QueuePage is the technician's queue: one window of it.
type QueuePage struct {
	Layout
	Groups []QueueGroup
	// Filter is the window shown; Wards the wards with work queued.
	Filter QueueFilter
	Wards  []string
	// Total is how many preparations match the filter; Pages how many
	// pages they fill; From and To the positions shown on this page.
	Total, Pages, From, To int
	// PrevURL and NextURL page through the queue ("" at either end).
	PrevURL, NextURL string
	// Waiting (for a pharmacist's check), Ready (to release) and Rejected
	// (with their remakes) are the lists under the queue.
	Waiting, Ready, Rejected QueueTail
	// Mine lists what the technician has claimed and not finished.
	Mine  []QueueCard
	Now   time.Time
	Error string
	// CompetencyDue names the competencies of the room's technicians
	// that lapse within the announcement window (or have lapsed).
	CompetencyDue []string
}

// PageName implements Page.
func (QueuePage) PageName() string { return "queue" }

// Patient is who a preparation is for.
type Patient struct {
	Name, MRN, Location, BirthDate, Weight, Height string
}

// Derived is one computed number of a worksheet with its derivation.
type Derived struct {
	Label string
	Value string
	Steps []string
	Note  string
	// Display is the value at its measurable precision (shown); Exact is
	// the whole value, offered on request (a tooltip), never in the text.
	Display string
	Exact   string
}

// Step is one step of a guided preparation.
type Step struct {
	ID   string
	Kind string // scan, weight, photo, manual
	// Title is the big instruction; Detail the smaller line under it.
	Title, Detail string
	// Expect is what the step wants (a product, a weight).
	Expect string
	// Quantity is the exact amount to measure, with its derivation a tap
	// away.
	Quantity   string
	Derivation []string
	Done       bool
	// Result says what was recorded ("lot A123, expires 2027-01-31").
	Result string
	// Failed marks a weight out of tolerance that must be redone.
	Failed bool
	// Count is how many containers a scan step takes; Scanned how many
	// were accepted so far.
	Count, Scanned int
	// Photo offers a photo with a manual step (the syringe before it is
	// injected) when the recipe has no photo step of its own.
	Photo bool
	// ShowReference marks a step that handles a product (scan, draw): it
	// shows Reference, the expected product's picture, or says there is
	// none yet.
	ShowReference bool
	Reference     *Reference
}

// Preparation is the worksheet of one preparation as screens show it.
type Preparation struct {
	ID          int64
	Status      string
	StatusText  string
	Drug        string
	Dose        string
	Route       string
	Diluent     string
	FinalVolume string
	InfuseOver  string
	Priority    string
	DueAt       time.Time
	Patient     Patient
	Hazardous   bool
	HazardNote  string
	Recipe      string
	Quantities  []Derived
	Steps       []Step
	BUD         *time.Time
	BUDLimit    string
	BUDReason   string
	Storage     string
	PreparedBy  string
	ClaimedBy   string
	CompletedAt *time.Time
	Version     int
	// RemakeOf is the rejected preparation this one remakes (0: none) and
	// RemakeReason the pharmacist's reason, shown at the first step.
	RemakeOf     int64
	RemakeReason string
	// HighAlert is the high-alert category ("" for none); DoubleCheck says
	// the site requires an independent double check.
	HighAlert   string
	DoubleCheck bool
	// TypedWitness says a typed code or weight needs a second person's
	// badge and PIN (the site's rule for this preparation).
	TypedWitness bool
	// Delivered is the dose the drawn volume delivers, Deviation its
	// deviation from the dose to give.
	Delivered string
	Deviation string
	// Holds are the dose limits the dose is outside of; Overrides the
	// pharmacists' overrides of them (who, when, why).
	Holds     []string
	Overrides []string
}

// PriorityText is the priority in words.
func (p Preparation) PriorityText() string {
	return QueueCard{Priority: p.Priority}.PriorityText()
}

// PrepPage is the guided preparation on the tablet.
type PrepPage struct {
	Layout
	Prep Preparation
	// Mine is true when the viewer holds the claim and may record steps.
	Mine bool
	// LabelURL is the printable label, once the preparation is complete.
	LabelURL string
	// PrintNow opens the label to print as the page loads (a new label
	// was just issued).
	PrintNow bool
	Error    string
	// Hold is set while a change from the ordering system holds the
	// preparation: the screen says stop.
	Hold *HoldBanner
	// Print is set when the current label did not reach its printer.
	Print *LabelPrintNotice
}

// PageName implements Page.
func (PrepPage) PageName() string { return "prep" }

// VerifyQueuePage is the pharmacist's live verification queue.
type VerifyQueuePage struct {
	Layout
	List VerifyListFragment
}

// PageName implements Page.
func (VerifyQueuePage) PageName() string { return "verify_queue" }

// VerifyListFragment is the part of the verification queue that live
// updates re-render.
type VerifyListFragment struct {
	Layout
	Cards []QueueCard
	// InProgress is work still being made, for a sense of what is coming.
	InProgress []QueueCard
	Updated    time.Time
}

// PageName implements Page.
func (VerifyListFragment) PageName() string { return "verify_list" }

// ScanEvidence is one scan as the pharmacist reviews it.
type ScanEvidence struct {
	ID       int64
	At       time.Time
	Step     string
	Raw      string
	Product  string
	GTIN     string
	Lot      string
	Serial   string
	Expiry   string
	Accepted bool
	Code     string
	Message  string
	Warning  string
	// Typed is set for a code typed by hand instead of scanned: the
	// reason given and the witness ("" for a scan).
	Typed string
	// Confirmed is set for a container without a serial that the
	// technician confirmed as a different one ("container 2 of 2").
	Confirmed string
}

// WeightEvidence is one weighing as the pharmacist reviews it.
type WeightEvidence struct {
	ID        int64
	At        time.Time
	Step      string
	Measured  string
	Expected  string
	Deviation string
	Tolerance string
	Pass      bool
	// Source says where the number came from: the balance's own reading,
	// or typed (with the reason given and the witness).
	Source string
	Typed  bool
}

// PhotoEvidence is one photograph of the preparation.
type PhotoEvidence struct {
	URL  string
	At   time.Time
	Step string
}

// StepEvidence is one step of the worksheet with what was recorded for
// it: the pharmacist reads each step's evidence beside the step.
type StepEvidence struct {
	// Anchor is the step's place on the page ("step-photo-draw"), which the
	// exceptions summary links to.
	Anchor      string
	Title       string
	Instruction string
	Scans       []ScanEvidence
	Weights     []WeightEvidence
	Photos      []PhotoEvidence
	// Done is the step's state on the worksheet.
	Done bool
}

// ExceptionLine is one line of the exceptions summary: what was unusual,
// in plain words, and the anchor of its details on the page.
type ExceptionLine struct {
	Text   string
	Anchor string
}

// VerifyPage is one preparation's evidence and the approve/reject form.
type VerifyPage struct {
	Layout
	Prep Preparation
	// Exceptions come first on the page; none reads "Nothing unusual".
	Exceptions []ExceptionLine
	Scans      []ScanEvidence
	Weights    []WeightEvidence
	Photos     []PhotoEvidence
	// Steps is the evidence grouped by step, in the worksheet's order.
	Steps []StepEvidence
	// LabelURL shows the current label (showing it issues nothing); ""
	// before one is issued.
	LabelURL string
	// Typed lists the entries typed by hand instead of read by the scanner
	// or the balance, each with its reason and witness.
	Typed []string
	// Downtime is set when the preparation was made on paper during
	// downtime and transcribed afterwards.
	Downtime *DowntimeEvidence
	// Own says why the viewer may not verify it ("" when they may): they
	// had a hand in making it, or made its first check.
	Own string
	// FirstCheck is the first check of a preparation awaiting its second
	// (who and when), "" otherwise.
	FirstCheck string
	// CanDecide is true when the preparation awaits verification.
	CanDecide bool
	// Print is set when the current label did not reach its printer: a
	// warning beside the decision, not a block.
	Print    *LabelPrintNotice
	Decision string
	Reason   string
	Error    string
	Field    string
}

// PageName implements Page.
func (VerifyPage) PageName() string { return "verify" }

// LogFilter is the safety officer's filter, as submitted.
type LogFilter struct {
	From, To, Actor, Type, PreparationID string
}

// LogEvent is one line of the compounding log, in plain words.
type LogEvent struct {
	ID            int64
	At            time.Time
	Type          string
	Actor         string
	PreparationID int64
	// Name, What, Outcome and Caught are the event in words (Describe).
	Name, What, Outcome string
	// Drug and Dose are what the preparation's order asked for; Patient
	// and MRN whom it is for ("" for an event of no preparation).
	Drug, Dose, Patient, MRN string
	// Caught marks an event where the system stopped an error.
	Caught bool
}

// ChainStatus is the result of checking the log's hash chain.
type ChainStatus struct {
	Checked  bool
	OK       bool
	Count    int64
	FirstBad int64
	Message  string
	// Checkpoints is how many signed checkpoints the log was checked
	// against; LastCheckpoint describes the newest ("" when none).
	Checkpoints    int
	LastCheckpoint string
}

// LogPage is the safety officer's compounding log with charts.
type LogPage struct {
	Layout
	Filter LogFilter
	// ReportURL is the printable report of the filter's period.
	ReportURL string
	Errors    map[string]string
	Events    []LogEvent
	// Types are the event types offered in the filter, with their words.
	Types     []EventOption
	More      bool
	CSVURL    string
	Chain     ChainStatus
	ErrorRate template.HTML
	Turnround template.HTML
	// Typed charts the entries typed by hand (codes and weights) by week;
	// TypedCount is their number over the weeks shown.
	Typed      template.HTML
	TypedCount int
	// Summary numbers over the charted weeks.
	Preparations int
	Caught       int
	// Downtime counts the preparations made on paper during downtime
	// and recorded afterwards, over the weeks shown.
	Downtime int
}

// PageName implements Page.
func (LogPage) PageName() string { return "log" }

// EventOption is an event type offered in a filter: the code sent, the
// words shown.
type EventOption struct{ Type, Name string }

// Column is one column of an admin list.
type Column struct {
	Title string
	// Numeric columns are right-aligned.
	Numeric bool
}

// Row is one line of an admin list.
type Row struct {
	Cells []string
	URL   string
	// Muted rows are inactive records.
	Muted bool
}

// AdminListPage lists products, recipes or users.
type AdminListPage struct {
	Layout
	Heading string
	Intro   string
	Query   string
	Search  bool
	NewURL  string
	NewText string
	Columns []Column
	Rows    []Row
	Tabs    []Tab
}

// PageName implements Page.
func (AdminListPage) PageName() string { return "admin_list" }

// Tab is an entry of the admin section's tab bar.
type Tab struct {
	Title, URL string
	Active     bool
}

// Option is one choice of a select or a group of checkboxes.
type Option struct {
	Value, Label string
	Selected     bool
}

// Field is one input of an admin form, with its submitted value and the
// validation message shown beside it.
type Field struct {
	Name  string
	Label string
	// Type is text, number, password, select, checkboxes, checkbox,
	// textarea or date.
	Type     string
	Value    string
	Options  []Option
	Checked  bool
	Required bool
	Help     string
	Error    string
	// Pattern and InputMode help the on-screen keyboard.
	InputMode    string
	Autocomplete string
}

// AdminFormPage is a create or edit form, re-rendered with the submitted
// values and the errors until it validates.
type AdminFormPage struct {
	Layout
	Heading string
	Action  string
	Fields  []Field
	Submit  string
	Error   string
	Back    string
	Tabs    []Tab
	// Intro is a paragraph under the heading; Links lead to related
	// forms (a product's stability entries).
	Intro string
	Links []Tab
	// Picture is the product's reference picture upload (product forms).
	Picture *PictureForm
}

// PageName implements Page.
func (AdminFormPage) PageName() string { return "admin_form" }

// FieldByName finds a field (for tests and handlers).
func (p *AdminFormPage) FieldByName(name string) *Field {
	for i := range p.Fields {
		if p.Fields[i].Name == name {
			return &p.Fields[i]
		}
	}
	return nil
}

// CompetencyRow is one competency of a person, in plain words.
type CompetencyRow struct {
	Name string
	// State is current, due_soon, lapsed, failed or missing (a CSS class).
	State          string
	StateWords     string
	CurrentThrough string
	LastPassed     string
}

// CompetencyRecordRow is one recorded evaluation.
type CompetencyRecordRow struct {
	Kind, Result, Passed, Evaluator, Note, RecordedAt string
	EvidenceURL                                       string
}

// CompetencyPage is one person's competencies with the form to record a
// new evaluation.
type CompetencyPage struct {
	Layout
	Person    string
	Qualified bool
	Summary   string
	Rows      []CompetencyRow
	Records   []CompetencyRecordRow
	Form      AdminFormPage
	Rules     string
	Back      string
}

// PageName implements Page.
func (CompetencyPage) PageName() string { return "competency" }

// DowntimeEvidence is the paper record of a preparation made during
// downtime, as the verifying pharmacist reads it.
type DowntimeEvidence struct {
	MadeBy, CheckedBy, RecordedBy string
	Started, Completed, Recorded  string
	Components                    []string
	Weights                       []string
	Note                          string
}
