package web

// RecipeEditPage is the field-by-field editor of a master formulation
// record: its sections, the test patient of the derivation preview and the
// preview itself, and, for a stored version, its approval.
type RecipeEditPage struct {
	Layout
	Tabs    []Tab
	Heading string
	// Action is where the form posts: the preview and the save share it.
	Action string
	Error  string
	// Sections are the recipe's fields, grouped as the record reads.
	Sections []FormSection
	// Test is the test patient and order of the preview.
	Test    []Field
	Preview *RecipePreview
	// Version is the stored version shown (nil on a new recipe or after a
	// preview of unsaved changes).
	Version *RecipeVersionInfo
	Back    string
}

// PageName implements Page.
func (RecipeEditPage) PageName() string { return "recipe_edit" }

// FormSection is one group of an editor's fields; Rows are the items of a
// list (products, steps, syringes), each a small group of fields.
type FormSection struct {
	ID, Title, Help string
	// Error is a problem of the whole list (no step at all).
	Error  string
	Fields []Field
	Rows   []FormRow
}

// FormRow is one item of a list in a form.
type FormRow struct {
	Label  string
	Fields []Field
}

// RecipePreview is the worksheet computed for the test patient from the
// recipe as entered, by the same code as a real order's.
type RecipePreview struct {
	Quantities []Derived
	Steps      []string
	BUD        string
	Warnings   []string
	// Error says why no worksheet could be computed.
	Error string
}

// RecipeVersionInfo is the approval state of a stored version and what the
// viewer may do with it.
type RecipeVersionInfo struct {
	ID      int64
	Version int
	// Status is in plain words ("Draft: waiting for a pharmacist's
	// approval", "Approved by pharm2 on …, in use").
	Status   string
	Draft    bool
	Author   string
	Created  string
	Approval string
	// CanApprove: the viewer is a pharmacist who did not write it.
	CanApprove bool
	// OwnDraft: the viewer wrote this draft and may not approve it.
	OwnDraft bool
	// Compare lists the other versions this one can be compared with.
	Compare []Option
}

// RecipeDiffPage shows two versions of a recipe side by side, changed
// fields marked.
type RecipeDiffPage struct {
	Layout
	Tabs         []Tab
	Heading      string
	Left, Right  string
	LeftURL      string
	RightURL     string
	Rows         []DiffRow
	Changed      int
	OnlyChanged  bool
	ToggleURL    string
	Back         string
	OtherChoices []Option
	Against      int64
	ID           int64
}

// PageName implements Page.
func (RecipeDiffPage) PageName() string { return "recipe_diff" }

// DiffRow is one field of two recipe versions.
type DiffRow struct {
	Section     string
	Label       string
	Left, Right string
	Changed     bool
}

// ConfirmPage asks to confirm an action that cannot be undone; it works
// without JavaScript (a form posting the confirmation).
type ConfirmPage struct {
	Layout
	Tabs    []Tab
	Heading string
	Message string
	Action  string
	// Hidden are the fields the confirmation posts again.
	Hidden  []Option
	Confirm string
	Back    string
}

// PageName implements Page.
func (ConfirmPage) PageName() string { return "confirm" }
