// Package guard holds the checks around the calculator's arithmetic as one
// versioned, effective-dated rule table: rounding limits, syringe floors,
// plausible input ranges, dose-range and rate limits per drug, and the
// high-alert medication list. Nothing here is a constant in code; the
// shipped table (rules_default.json) names its sources, and a site replaces
// it with a new version.
//
// The package is pure: it turns the table into calc.Guards for the
// calculator and judges a worksheet's delivered dose against the drug's
// limits; storage and transport live elsewhere.
package guard

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/versioned"
)

//go:embed rules_default.json
var defaultRulesJSON []byte

// Rules is one version of the guard table. It marshals to and from JSON as
// is, so versions can be stored, diffed and audited as documents.
type Rules struct {
	// Version names this table, e.g. "laminar-guards-2026.1".
	Version string `json:"version"`
	// EffectiveFrom is when the table starts to apply to new worksheets.
	EffectiveFrom time.Time `json:"effective_from"`
	// Source says where the numbers come from, for the audit trail.
	Source string `json:"source,omitempty"`
	// Rounding holds the deviation limits of a rounded volume or rate.
	Rounding Rounding `json:"rounding"`
	// Syringes are the measuring devices, with their floors.
	Syringes []Syringe `json:"syringes"`
	// Plausible are the plausible ranges of inputs and results.
	Plausible []Plausible `json:"plausible"`
	// ImplausibleDose flags doses no person is given, with no drug known.
	ImplausibleDose ImplausibleDose `json:"implausible_dose"`
	// DoseLimits are the dose-range and rate limits per drug.
	DoseLimits []DoseLimit `json:"dose_limits"`
	// HighAlert is the high-alert medication list.
	HighAlert HighAlert `json:"high_alert"`
	// TypedEntry says when a typed scan or weight needs a witness.
	TypedEntry TypedEntry `json:"typed_entry,omitzero"`
}

// The witness policies of typed entries.
const (
	WitnessHighAlert = "high_alert"
	WitnessAlways    = "always"
	WitnessNever     = "never"
)

// TypedEntry is the site's rule for a barcode or a weight typed by hand
// instead of read by the scanner or the balance: it always needs a reason,
// and a second person's badge and PIN when Witness says so: "high_alert"
// (the default, also when empty) for high-alert medications, "always", or
// "never".
type TypedEntry struct {
	Witness string `json:"witness,omitempty"`
	Source  string `json:"source,omitempty"`
}

// WitnessTyped reports whether a typed entry for a preparation of a drug
// (high-alert or not) needs a witness under this table.
func (r Rules) WitnessTyped(highAlert bool) bool {
	switch r.TypedEntry.Witness {
	case WitnessAlways:
		return true
	case WitnessNever:
		return false
	}
	return highAlert
}

// Rounding holds the deviation limits, in percent ("5%").
type Rounding struct {
	WarnAbove   string `json:"warn_above"`
	RefuseAbove string `json:"refuse_above"`
	Source      string `json:"source,omitempty"`
}

// Syringe is one syringe size: capacity, graduation and floor (the
// smallest volume it measures accurately).
type Syringe struct {
	Capacity   string `json:"capacity"`
	Graduation string `json:"graduation"`
	Floor      string `json:"floor"`
}

// Plausible is the plausible range of one named input or result. A value
// outside it is refused, naming the field and the range, unless FlagOnly
// (then a value above Max is only flagged).
type Plausible struct {
	Field    string `json:"field"`
	Min      string `json:"min,omitempty"`
	Max      string `json:"max,omitempty"`
	FlagOnly bool   `json:"flag_only,omitempty"`
	Source   string `json:"source,omitempty"`
}

// ImplausibleDose holds the gross limits of a dose with no drug known.
type ImplausibleDose struct {
	PerKg string `json:"per_kg"`
	Total string `json:"total"`
}

// DoseLimit is the dose range of one drug, optionally for one route and
// line type ("peripheral", "central"; empty: any). Every limit must have
// DoseUnit's dimension: an amount, per kg, per m², per day, per time (rate)
// or per volume (concentration).
type DoseLimit struct {
	Drug     string `json:"drug"`
	Route    string `json:"route,omitempty"`
	Line     string `json:"line,omitempty"`
	DoseUnit string `json:"dose_unit"`

	MinPerDose       string `json:"min_per_dose,omitempty"`
	MaxPerDose       string `json:"max_per_dose,omitempty"`
	MaxPerKg         string `json:"max_per_kg,omitempty"`
	MaxPerM2         string `json:"max_per_m2,omitempty"`
	MaxPerDay        string `json:"max_per_day,omitempty"`
	MaxRate          string `json:"max_rate,omitempty"`
	MaxConcentration string `json:"max_concentration,omitempty"`
	Source           string `json:"source"`
}

// HighAlert is the list of high-alert medications by category, with named
// medicines, and whether the site requires an independent double check.
type HighAlert struct {
	Source             string              `json:"source"`
	RequireDoubleCheck bool                `json:"require_double_check"`
	Categories         []HighAlertCategory `json:"categories"`
}

// HighAlertCategory is one category with the drugs of the formulary in it.
type HighAlertCategory struct {
	Name  string   `json:"name"`
	Drugs []string `json:"drugs"`
}

// DefaultRules returns the table shipped with Laminar. It panics if the
// embedded table is invalid, which tests rule out.
func DefaultRules() Rules {
	r, err := ParseRules(defaultRulesJSON)
	if err != nil {
		panic("guard: embedded rule table is invalid: " + err.Error())
	}
	return r
}

// DefaultRulesJSON returns the shipped table as stored (for the migration
// test that keeps the two equal).
func DefaultRulesJSON() []byte { return bytes.Clone(defaultRulesJSON) }

// Error is a rule-table validation failure naming the field at fault.
type Error struct {
	Field   string
	Message string
}

// Error implements error as "field: message".
func (e *Error) Error() string { return e.Field + ": " + e.Message }

func bad(field, format string, args ...any) error {
	return &Error{Field: field, Message: fmt.Sprintf(format, args...)}
}

// ParseRules reads a table from JSON, rejecting unknown fields, and
// validates it.
func ParseRules(data []byte) (Rules, error) {
	var r Rules
	if err := versioned.Decode(data, &r); errors.Is(err, versioned.ErrTrailing) {
		return Rules{}, bad("rules", "has data after the table")
	} else if err != nil {
		return Rules{}, bad("rules", "is not a valid guard table: %v", err)
	}
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// Validate checks every number parses with the right dimension, that
// limits are positive and ordered, and that each dose limit's dimension
// matches its drug's dose unit.
func (r Rules) Validate() error {
	if strings.TrimSpace(r.Version) == "" {
		return bad("version", "is required")
	}
	if r.EffectiveFrom.IsZero() {
		return bad("effective_from", "is required (RFC 3339)")
	}
	if err := r.Rounding.validate(); err != nil {
		return err
	}
	switch r.TypedEntry.Witness {
	case "", WitnessHighAlert, WitnessAlways, WitnessNever:
	default:
		return bad("typed_entry.witness", "%q is not high_alert, always or never", r.TypedEntry.Witness)
	}
	if len(r.Syringes) == 0 {
		return bad("syringes", "must list at least one syringe")
	}
	for i, s := range r.Syringes {
		if _, err := s.calc(fmt.Sprintf("syringes[%d]", i)); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i, p := range r.Plausible {
		f := fmt.Sprintf("plausible[%d]", i)
		if seen[p.Field] {
			return bad(f+".field", "%q is given twice", p.Field)
		}
		seen[p.Field] = true
		if _, err := p.rng(f); err != nil {
			return err
		}
	}
	if _, err := quantityOf("implausible_dose.per_kg", r.ImplausibleDose.PerKg, "g/kg"); err != nil {
		return err
	}
	if _, err := quantityOf("implausible_dose.total", r.ImplausibleDose.Total, "g"); err != nil {
		return err
	}
	for i, l := range r.DoseLimits {
		if err := l.validate(fmt.Sprintf("dose_limits[%d]", i)); err != nil {
			return err
		}
	}
	return r.HighAlert.validate()
}

func (ro Rounding) validate() error {
	w, err := percentOf("rounding.warn_above", ro.WarnAbove)
	if err != nil {
		return err
	}
	h, err := percentOf("rounding.refuse_above", ro.RefuseAbove)
	if err != nil {
		return err
	}
	if h.LessThan(w) {
		return bad("rounding.refuse_above", "%s is below the warning limit %s", ro.RefuseAbove, ro.WarnAbove)
	}
	return nil
}

func percentOf(field, s string) (decimal.Decimal, error) {
	p, err := calc.ParsePercent(s)
	if err != nil || p.Sign() <= 0 || p.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		return decimal.Zero, bad(field, "must be a percentage above 0%% and under 100%%, e.g. \"5%%\"; got %q", s)
	}
	return p, nil
}

// quantityOf parses a positive quantity that converts to unit.
func quantityOf(field, s, unit string) (calc.Quantity, error) {
	q, err := calc.Parse(s)
	if err != nil {
		return calc.Quantity{}, bad(field, "%q: %v", s, err)
	}
	if q.Value.Sign() <= 0 {
		return calc.Quantity{}, bad(field, "must be above zero, got %q", s)
	}
	if _, err := q.In(unit); err != nil {
		u, _ := calc.ParseUnit(unit)
		return calc.Quantity{}, bad(field, "%q is %s; expected %s like %s", s, q.Unit.Dimension(), u.Dimension(), unit)
	}
	return q, nil
}

func (s Syringe) calc(f string) (calc.Syringe, error) {
	c, err := quantityOf(f+".capacity", s.Capacity, "mL")
	if err != nil {
		return calc.Syringe{}, err
	}
	g, err := quantityOf(f+".graduation", s.Graduation, "mL")
	if err != nil {
		return calc.Syringe{}, err
	}
	fl, err := quantityOf(f+".floor", s.Floor, "mL")
	if err != nil {
		return calc.Syringe{}, err
	}
	if cmp, _ := fl.Cmp(c); cmp > 0 {
		return calc.Syringe{}, bad(f+".floor", "%s is more than the capacity %s", s.Floor, s.Capacity)
	}
	if cmp, _ := g.Cmp(c); cmp > 0 {
		return calc.Syringe{}, bad(f+".graduation", "%s is more than the capacity %s", s.Graduation, s.Capacity)
	}
	return calc.Syringe{Capacity: c, Graduation: g, Floor: fl}, nil
}

// plausibleFields are the names the calculator and the order check know.
var plausibleFields = map[string]string{
	"weight": "kg", "height": "cm", "bsa": "m2", "serum_creatinine": "mg/dL", "crcl": "mL/min",
	"auc": "", "rate": "mL/h", "age": "",
}

func (p Plausible) rng(f string) (calc.Range, error) {
	unit, known := plausibleFields[p.Field]
	if !known {
		return calc.Range{}, bad(f+".field", "%q is not one of weight, height, bsa, serum_creatinine, crcl, auc, rate, age", p.Field)
	}
	if p.Min == "" && p.Max == "" {
		return calc.Range{}, bad(f, "needs min, max or both")
	}
	var r calc.Range
	r.FlagOnly = p.FlagOnly
	for _, b := range []struct {
		name, s string
		dst     **calc.Quantity
	}{{"min", p.Min, &r.Min}, {"max", p.Max, &r.Max}} {
		if b.s == "" {
			continue
		}
		var q calc.Quantity
		var err error
		if unit == "" {
			d, perr := calc.ParseDecimal(b.s)
			if perr != nil || d.Sign() <= 0 {
				return calc.Range{}, bad(f+"."+b.name, "must be a plain number above zero, got %q", b.s)
			}
			q = calc.Quantity{Value: d}
		} else if q, err = quantityOf(f+"."+b.name, b.s, unit); err != nil {
			return calc.Range{}, err
		}
		*b.dst = &q
	}
	if r.Min != nil && r.Max != nil {
		if c, _ := r.Min.Cmp(*r.Max); c >= 0 {
			return calc.Range{}, bad(f+".max", "%s is not above min %s", p.Max, p.Min)
		}
	}
	return r, nil
}

// Lines are the line types a limit may name.
var Lines = []string{"peripheral", "central"}

func (l DoseLimit) validate(f string) error {
	if strings.TrimSpace(l.Drug) == "" {
		return bad(f+".drug", "is required")
	}
	if strings.TrimSpace(l.Source) == "" {
		return bad(f+".source", "is required: name where the limits come from")
	}
	if l.Line != "" && l.Line != "peripheral" && l.Line != "central" {
		return bad(f+".line", "%q is not peripheral or central", l.Line)
	}
	du, err := calc.ParseUnit(l.DoseUnit)
	if err != nil || !isAmount(du) {
		return bad(f+".dose_unit", "%q is not a drug amount unit (mg, g, mcg, units, mEq, mmol)", l.DoseUnit)
	}
	checks := []struct{ name, s, per string }{
		{"min_per_dose", l.MinPerDose, ""}, {"max_per_dose", l.MaxPerDose, ""}, {"max_per_kg", l.MaxPerKg, "/kg"},
		{"max_per_m2", l.MaxPerM2, "/m2"}, {"max_per_day", l.MaxPerDay, "/day"}, {"max_rate", l.MaxRate, "/h"},
		{"max_concentration", l.MaxConcentration, "/mL"},
	}
	any := false
	for _, c := range checks {
		if c.s == "" {
			continue
		}
		any = true
		want := l.DoseUnit + c.per
		if _, err := quantityOf(f+"."+c.name, c.s, want); err != nil {
			return bad(f+"."+c.name, "%q does not match the drug's dose unit %s: expected %s like %s", c.s, l.DoseUnit,
				mustDim(want), want)
		}
	}
	if !any {
		return bad(f, "gives no limit")
	}
	if l.MinPerDose != "" && l.MaxPerDose != "" {
		lo, _ := calc.Parse(l.MinPerDose)
		hi, _ := calc.Parse(l.MaxPerDose)
		if c, _ := lo.Cmp(hi); c >= 0 {
			return bad(f+".max_per_dose", "%s is not above min_per_dose %s", l.MaxPerDose, l.MinPerDose)
		}
	}
	return nil
}

func mustDim(unit string) string {
	u, err := calc.ParseUnit(unit)
	if err != nil {
		return unit
	}
	return u.Dimension()
}

// isAmount reports whether u is a bare drug amount (mass, units, mEq, mmol).
func isAmount(u calc.Unit) bool {
	q := calc.Quantity{Value: decimal.NewFromInt(1), Unit: u}
	for _, a := range []string{"mg", "units", "mEq", "mmol"} {
		if _, err := q.In(a); err == nil {
			return true
		}
	}
	return false
}

func (h HighAlert) validate() error {
	if strings.TrimSpace(h.Source) == "" {
		return bad("high_alert.source", "is required")
	}
	seen := map[string]string{}
	for i, c := range h.Categories {
		f := fmt.Sprintf("high_alert.categories[%d]", i)
		if strings.TrimSpace(c.Name) == "" {
			return bad(f+".name", "is required")
		}
		for j, d := range c.Drugs {
			n := normalize(d)
			if n == "" {
				return bad(fmt.Sprintf("%s.drugs[%d]", f, j), "is empty")
			}
			if prev, dup := seen[n]; dup {
				return bad(fmt.Sprintf("%s.drugs[%d]", f, j), "%q is already listed under %q", d, prev)
			}
			seen[n] = c.Name
		}
	}
	return nil
}

// normalize lower-cases a drug name and folds spaces, as orders do.
func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// CalcGuards turns the table into the calculator's guards. The table is
// valid (ParseRules validated it), so parse errors cannot happen here.
func (r Rules) CalcGuards() *calc.Guards {
	g := &calc.Guards{Ranges: map[string]calc.Range{}}
	g.DeviationWarn, _ = calc.ParsePercent(r.Rounding.WarnAbove)
	g.DeviationRefuse, _ = calc.ParsePercent(r.Rounding.RefuseAbove)
	for i, s := range r.Syringes {
		if cs, err := s.calc(fmt.Sprintf("syringes[%d]", i)); err == nil {
			g.Syringes = append(g.Syringes, cs)
		}
	}
	for i, p := range r.Plausible {
		if rg, err := p.rng(fmt.Sprintf("plausible[%d]", i)); err == nil {
			g.Ranges[p.Field] = rg
		}
	}
	if q, err := calc.Parse(r.ImplausibleDose.PerKg); err == nil {
		g.ImplausiblePerKg = &q
	}
	if q, err := calc.Parse(r.ImplausibleDose.Total); err == nil {
		g.ImplausibleTotal = &q
	}
	return g.Prepare()
}

// History is every version of the table a site has used.
type History []Rules

// InForce returns the version whose EffectiveFrom is the latest at or
// before at; ok is false when none is.
func (h History) InForce(at time.Time) (Rules, bool) {
	i, ok := versioned.InForce(h, func(r Rules) time.Time { return r.EffectiveFrom }, at)
	if !ok {
		return Rules{}, false
	}
	return h[i], true
}
