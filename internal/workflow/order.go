package workflow

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// PatientInput is the patient of an order as received: every quantity a
// string such as "72.5 kg".
type PatientInput struct {
	MRN       string `json:"mrn"`
	Name      string `json:"name"`
	BirthDate string `json:"birth_date"`
	Weight    string `json:"weight"`
	Height    string `json:"height"`
	Location  string `json:"location"`
}

// OrderInput is an order as received (docs/api.md): quantities are strings,
// due_at is RFC 3339.
type OrderInput struct {
	Patient     PatientInput `json:"patient"`
	Drug        string       `json:"drug"`
	Dose        string       `json:"dose"`
	Route       string       `json:"route"`
	Diluent     string       `json:"diluent"`
	FinalVolume string       `json:"final_volume"`
	// InfuseOver is the infusion duration ("30 min", "1 h"); the rate is
	// computed from it when given.
	InfuseOver string `json:"infuse_over,omitempty"`
	// Line is the line type, "peripheral" or "central", where a limit
	// depends on it (potassium chloride); empty applies the limits that
	// hold on any line.
	Line     string `json:"line,omitempty"`
	DueAt    string `json:"due_at"`
	Priority string `json:"priority"`
}

// Patient is a validated patient.
type Patient struct {
	MRN       string         `json:"mrn"`
	Name      string         `json:"name"`
	BirthDate string         `json:"birth_date"`
	Weight    *calc.Quantity `json:"-"`
	Height    *calc.Quantity `json:"-"`
	Location  string         `json:"location"`
}

// Order is a validated order.
type Order struct {
	ID          int64
	Patient     Patient
	Drug        string
	Dose        calc.Quantity
	Route       string
	Diluent     string
	FinalVolume *calc.Quantity
	InfuseOver  *calc.Quantity
	Line        string
	DueAt       time.Time
	Priority    Priority
	Status      string
	CreatedAt   time.Time
}

// Limits on free text, so a hostile client cannot store megabytes in a name.
const (
	maxText    = 200
	maxMRN     = 40
	maxWeight  = "700 kg"
	maxHeight  = "300 cm"
	minHeight  = "20 cm"
	maxDueSpan = 366 * 24 * time.Hour
)

// Validate checks every field and returns the order, or a 400 error naming
// every field at fault (Field is the first, Fields all of them).
func (in OrderInput) Validate(now time.Time) (Order, error) {
	v := fieldErrors{}
	o := Order{
		Patient: Patient{
			MRN:      strings.TrimSpace(in.Patient.MRN),
			Name:     strings.TrimSpace(in.Patient.Name),
			Location: strings.TrimSpace(in.Patient.Location),
		},
		Drug:    normalizeDrug(in.Drug),
		Route:   strings.TrimSpace(in.Route),
		Diluent: normalizeDrug(in.Diluent),
	}
	v.text("patient.mrn", o.Patient.MRN, maxMRN, "the medical record number, e.g. \"MRN12345\"")
	v.text("patient.name", o.Patient.Name, maxText, "the patient's name, e.g. \"Doe, Jane\"")
	v.text("patient.location", o.Patient.Location, maxText, "the ward and bed, e.g. \"4W-12\"")
	v.text("drug", o.Drug, maxText, "the drug name, e.g. \"cefazolin\"")
	v.text("route", o.Route, 40, "the route, e.g. \"IV\"")
	if o.Diluent != "" && len(o.Diluent) > maxText {
		v.add("diluent", "is longer than %d characters", maxText)
	}
	if bd := strings.TrimSpace(in.Patient.BirthDate); bd == "" {
		v.add("patient.birth_date", "is required, as YYYY-MM-DD")
	} else if t, err := time.Parse("2006-01-02", bd); err != nil {
		v.add("patient.birth_date", "%q is not a date written YYYY-MM-DD", short(bd))
	} else if t.After(now) || t.Year() < 1880 {
		v.add("patient.birth_date", "%s is not a plausible birth date", bd)
	} else {
		o.Patient.BirthDate = bd
	}
	o.Patient.Weight = v.quantity("patient.weight", in.Patient.Weight, "kg", "72.5 kg", "0.3 kg", maxWeight)
	o.Patient.Height = v.quantity("patient.height", in.Patient.Height, "cm", "175 cm", minHeight, maxHeight)
	// Patient measurements take only the canonical unit spellings: a
	// typed "72 kgs" or "175 cms" is more likely a slip than a habit.
	v.spelling("patient.weight", in.Patient.Weight, "72.5 kg", "kg", "g")
	v.spelling("patient.height", in.Patient.Height, "175 cm", "cm", "m", "in")

	if strings.TrimSpace(in.Dose) == "" {
		v.add("dose", "is required, e.g. \"2 g\", \"15 mg/kg\" or \"75 mg/m2\"")
	} else if d, err := calc.Parse(in.Dose); err != nil {
		v.add("dose", "%s", apperr.Message(err))
	} else if d.Value.Sign() <= 0 {
		v.add("dose", "must be above zero, got %q", short(in.Dose))
	} else if msg := doseShape(d); msg != "" {
		v.add("dose", "%s", msg)
	} else {
		o.Dose = d
		perKg, perM2 := isPerWeight(d), isPerArea(d)
		if (perKg || perM2) && o.Patient.Weight == nil && !v.has("patient.weight") {
			v.add("patient.weight", "is required for a dose of %s", d.String())
		}
		if perM2 && o.Patient.Height == nil && !v.has("patient.height") {
			v.add("patient.height", "is required for a dose per m2 (body surface area)")
		}
	}
	o.FinalVolume = v.quantity("final_volume", in.FinalVolume, "mL", "100 mL", "1 mL", "5000 mL")
	if o.FinalVolume != nil && o.Diluent == "" {
		v.add("diluent", "is required with final_volume, e.g. \"sodium chloride 0.9%%\"")
	}
	switch o.Line = strings.ToLower(strings.TrimSpace(in.Line)); o.Line {
	case "", "peripheral", "central":
	default:
		v.add("line", "%q is not peripheral or central", short(in.Line))
	}
	if strings.TrimSpace(in.InfuseOver) != "" {
		o.InfuseOver = v.quantity("infuse_over", in.InfuseOver, "min", "30 min", "1 min", "10080 min")
	}
	switch due := strings.TrimSpace(in.DueAt); {
	case due == "":
		v.add("due_at", "is required, as RFC 3339 (e.g. 2026-11-24T14:30:00Z)")
	default:
		t, err := time.Parse(time.RFC3339, due)
		switch {
		case err != nil:
			v.add("due_at", "%q is not an RFC 3339 time such as 2026-11-24T14:30:00Z", short(due))
		case t.Sub(now) > maxDueSpan || now.Sub(t) > maxDueSpan:
			v.add("due_at", "%s is more than a year away from now", due)
		default:
			o.DueAt = t
		}
	}
	o.Priority = Priority(strings.TrimSpace(in.Priority))
	if o.Priority == "" {
		o.Priority = PriorityRoutine
	} else if !o.Priority.Valid() {
		v.add("priority", "%q is not one of stat, first_dose, routine", short(in.Priority))
	}
	if err := v.err(); err != nil {
		return Order{}, err
	}
	o.Status = "open"
	return o, nil
}

// normalizeDrug lower-cases a drug name and folds spaces, so "CeFAZolin "
// and "cefazolin" name the same recipe.
func normalizeDrug(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// doseShape says what is wrong with a dose's unit, or "".
func doseShape(d calc.Quantity) string {
	if isAmountUnit(d) || isPerWeight(d) || isPerArea(d) {
		return ""
	}
	return fmt.Sprintf("%q is %s; a dose is an amount (\"2 g\", \"20 mEq\", \"5000 units\"), per kg (\"15 mg/kg\") or per m2 (\"75 mg/m2\")",
		d.String(), d.Unit.Dimension())
}

// isAmountUnit reports whether q is an amount of drug: mass, units, mEq or mmol.
func isAmountUnit(q calc.Quantity) bool {
	for _, u := range []string{"mg", "units", "mEq", "mmol"} {
		if _, err := q.In(u); err == nil {
			return true
		}
	}
	return false
}

// isPerWeight reports whether q is an amount per body weight (mg/kg).
func isPerWeight(q calc.Quantity) bool {
	kg := calc.MustParse("1 kg")
	p, err := q.Mul(kg)
	return err == nil && isAmountUnit(p)
}

// isPerArea reports whether q is an amount per body surface area (mg/m2).
func isPerArea(q calc.Quantity) bool {
	m2 := calc.MustParse("1 m2")
	p, err := q.Mul(m2)
	return err == nil && isAmountUnit(p)
}

func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// fieldErrors gathers every bad field of an input before answering.
type fieldErrors map[string]string

func (v fieldErrors) add(field, format string, args ...any) {
	if _, dup := v[field]; !dup {
		v[field] = fmt.Sprintf(format, args...)
	}
}

func (v fieldErrors) has(field string) bool { _, ok := v[field]; return ok }

// specificGravity checks an optional plain number above zero.
func (v fieldErrors) specificGravity(field, s string) {
	if s == "" {
		return
	}
	if d, err := calc.ParseDecimal(s); err != nil || d.Sign() <= 0 {
		v.add(field, "must be a plain number above zero, e.g. \"1.02\"")
	}
}

func (v fieldErrors) text(field, s string, max int, what string) {
	switch {
	case s == "":
		v.add(field, "is required: %s", what)
	case len(s) > max:
		v.add(field, "is longer than %d characters", max)
	}
}

// quantity parses an optional quantity string that must convert to unit and
// lie within [lo, hi].
func (v fieldErrors) quantity(field, s, unit, example, lo, hi string) *calc.Quantity {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	q, err := calc.Parse(s)
	if err != nil {
		v.add(field, "%s (expected e.g. %q)", apperr.Message(err), example)
		return nil
	}
	if _, err := q.In(unit); err != nil {
		v.add(field, "%q is not a %s; expected e.g. %q", short(s), dimensionWord(unit), example)
		return nil
	}
	if c, _ := q.Cmp(calc.MustParse(lo)); c < 0 {
		v.add(field, "%s is below %s", q.String(), lo)
		return nil
	}
	if c, _ := q.Cmp(calc.MustParse(hi)); c > 0 {
		v.add(field, "%s is above %s; check the unit", q.String(), hi)
		return nil
	}
	return &q
}

// spelling requires the unit of a quantity string to be written as one of
// units exactly.
func (v fieldErrors) spelling(field, s, example string, units ...string) {
	t := strings.TrimSpace(s)
	if t == "" || v.has(field) {
		return
	}
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' && r != '-' && r != '+' })
	if i < 0 {
		v.add(field, "%q has no unit; expected e.g. %q", short(s), example)
		return
	}
	u := strings.TrimSpace(t[i:])
	for _, ok := range units {
		if u == ok {
			return
		}
	}
	v.add(field, "unit %q is not accepted here; write it as one of %s, e.g. %q", short(u), strings.Join(units, ", "), example)
}

func dimensionWord(unit string) string {
	switch unit {
	case "kg":
		return "weight"
	case "cm":
		return "length"
	case "mL":
		return "volume"
	case "min":
		return "duration"
	}
	return unit
}

// err returns nil, or one 400 error naming the first field (alphabetically,
// so the answer is stable) and carrying all of them.
func (v fieldErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	names := make([]string, 0, len(v))
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	e := apperr.InvalidField(names[0], "%s", v[names[0]])
	if len(v) > 1 {
		e.Fields = map[string]string(v)
	}
	return e
}
