package web

import "time"

// GravitiesPage lists the products the recipes draw from, with the
// specific gravities on record for each: a pharmacist opens one to
// determine a value on site.
type GravitiesPage struct {
	Layout
	Products []GravityProduct
}

// PageName implements Page.
func (GravitiesPage) PageName() string { return "gravities" }

// GravityProduct is one product of the list.
type GravityProduct struct {
	URL, Name string
	// OnRecord lists the values on record ("1.089 at 2 mEq/mL, published");
	// empty when none is.
	OnRecord []string
}

// GravityPage is one product's specific gravities, newest first, and the
// form of an on-site determination.
type GravityPage struct {
	Layout
	Product   string
	Action    string
	Rows      []GravityRow
	CanRecord bool
	// MinVolume and Agreement are the policy's limits, shown beside the form.
	MinVolume, Agreement string
	// Fields are the determination's inputs, with the submitted values and
	// their errors; Error is the form's.
	Fields []Field
	Error  string
	// Result is the derivation of the value just recorded.
	Result []string
	// Picture is the product's reference picture upload.
	Picture *PictureForm
}

// PageName implements Page.
func (GravityPage) PageName() string { return "gravity" }

// GravityRow is one value on record.
type GravityRow struct {
	Concentration, Value, Method, Source, By string
	At                                       time.Time
}
