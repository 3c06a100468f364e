package bud

import (
	"fmt"
	"strings"
	"time"
)

// MaxComponents bounds the components of one request.
const MaxComponents = 100

// Request is what the BUD of one preparation depends on.
type Request struct {
	Category Category
	// Method may be empty when the matching rows do not depend on it
	// (Category 1, immediate use).
	Method          Method
	SterilityTested bool
	// StartingComponents may be empty when the matching rows do not depend
	// on it.
	StartingComponents Starting
	// Storage is the labelled storage condition.
	Storage Storage
	// CompoundedAt is when compounding started; every limit counts from it.
	CompoundedAt time.Time
	// StabilityLimit is the formulary's stability for this drug, diluent,
	// container and storage; nil when the formulary has no entry.
	StabilityLimit *time.Duration
	Components     []Component
	// Location is the site's time zone, for the reason text and the result
	// times; nil means the location of CompoundedAt.
	Location *time.Location
}

// Component is one component lot used in a preparation.
type Component struct {
	Name string
	// ExpiresAt is the lot expiry, already resolved to an instant (see
	// ParseExpiry); optional for a compounded component.
	ExpiresAt time.Time
	Container Container
	// OpenedAt is when the container was first punctured, when it was
	// opened before (or for) this preparation.
	OpenedAt *time.Time
	// InUseLimit is a manufacturer-stated in-use limit (pharmacy bulk
	// package, multiple-dose vial).
	InUseLimit *time.Duration
	// PuncturedOutsideISO5 is set when the container was punctured outside
	// ISO 5 air; the zero value is the usual case.
	PuncturedOutsideISO5 bool
	// BUD is the component's own BUD when it is itself compounded.
	BUD *time.Time
	// Hazardous marks a hazardous drug (NIOSH list), which immediate use
	// does not allow.
	Hazardous bool
}

// Limit is one candidate for the BUD.
type Limit struct {
	Kind LimitKind `json:"kind"`
	At   time.Time `json:"at"`
	// Component names the component when Kind is "component".
	Component   string `json:"component,omitempty"`
	Explanation string `json:"explanation"`
	what        string
}

// Result is a computed BUD and why.
type Result struct {
	BUD       time.Time
	LimitedBy LimitKind
	// LimitingComponent names the component when LimitedBy is "component".
	LimitingComponent string
	// Reason is the sentence a pharmacist reads on the worksheet.
	Reason string
	// Limits are all candidates: category, stability (when known), then
	// each component in request order.
	Limits []Limit
	// RulesVersion is the version of the rule table applied.
	RulesVersion string
}

// Compute returns the BUD of a preparation: the earliest of its category
// limit, its stability limit and every component's expiry (or, for a
// compounded component, its BUD). It refuses combinations the rules do not
// allow, components expired at the start, and opened containers past their
// in-use limit; an opened container within its limit does not shorten the
// BUD. Ties go to a component, then to stability, then to the category.
func Compute(rules Rules, req Request) (Result, error) {
	if rules.Version == "" {
		return Result{}, errorf(CodeInvalidRules, "rules", "no rule table was given")
	}
	if err := validateRequest(req); err != nil {
		return Result{}, err
	}
	loc := req.Location
	if loc == nil {
		loc = req.CompoundedAt.Location()
	}
	start := req.CompoundedAt.In(loc)

	category, err := categoryLimit(rules, req, start, loc)
	if err != nil {
		return Result{}, err
	}
	limits := make([]Limit, 0, 2+len(req.Components))
	limits = append(limits, category)
	if req.StabilityLimit != nil {
		at := start.Add(*req.StabilityLimit)
		what := fmt.Sprintf("the stability limit of %s from the compounding start", FormatDuration(*req.StabilityLimit))
		limits = append(limits, Limit{Kind: LimitStability, At: at, what: what,
			Explanation: fmt.Sprintf("Stability of %s in this diluent, container and storage: %s", FormatDuration(*req.StabilityLimit), displayTime(at, loc))})
	}
	opened := false
	for i, c := range req.Components {
		l, err := componentLimit(rules, c, start, loc)
		if err != nil {
			return Result{}, prefixed(err, fmt.Sprintf("components[%d]", i))
		}
		opened = opened || c.OpenedAt != nil
		limits = append(limits, l)
	}

	best := earliest(limits, -1)
	b := limits[best]
	res := Result{BUD: b.At, LimitedBy: b.Kind, Limits: limits, RulesVersion: rules.Version}
	if b.Kind == LimitComponent {
		res.LimitingComponent = b.Component
	}

	var sb strings.Builder
	fmt.Fprintf(&sb, "BUD %s (compounding started %s): limited by %s.", displayTime(b.At, loc), displayTime(start, loc), b.what)
	if next := earliest(limits, best); next >= 0 {
		n := limits[next]
		if n.At.Equal(b.At) {
			fmt.Fprintf(&sb, " %s falls at the same time.", capitalize(n.what))
		} else {
			fmt.Fprintf(&sb, " Next: %s, %s.", n.what, displayTime(n.At, loc))
		}
	}
	if req.StabilityLimit == nil {
		sb.WriteString(" The formulary has no stability entry for this preparation, so none was applied.")
	}
	if opened {
		sb.WriteString(" Opened containers were within their in-use limits at the start; those limits do not shorten the BUD.")
	}
	res.Reason = sb.String()
	return res, nil
}

// earliest returns the index of the earliest limit other than skip, with
// ties going to a component, then stability, then the category, then the
// first listed; -1 when there is none.
func earliest(limits []Limit, skip int) int {
	rank := map[LimitKind]int{LimitComponent: 0, LimitStability: 1, LimitCategory: 2}
	best := -1
	for i, l := range limits {
		if i == skip {
			continue
		}
		if best < 0 || l.At.Before(limits[best].At) ||
			(l.At.Equal(limits[best].At) && rank[l.Kind] < rank[limits[best].Kind]) {
			best = i
		}
	}
	return best
}

func validateRequest(req Request) error {
	if err := req.Category.Valid(); err != nil {
		return err
	}
	if err := req.Storage.Valid(); err != nil {
		return err
	}
	if req.Method != "" {
		if err := req.Method.Valid(); err != nil {
			return err
		}
	}
	if req.StartingComponents != "" {
		if err := req.StartingComponents.Valid(); err != nil {
			return err
		}
	}
	if req.CompoundedAt.IsZero() {
		return errorf(CodeRequired, "compounded_at", "is required (RFC 3339, e.g. 2026-11-24T09:00:00Z)")
	}
	if req.StabilityLimit != nil && *req.StabilityLimit <= 0 {
		return errorf(CodeInvalid, "stability_limit", "must be positive; leave it out when the formulary has no stability entry")
	}
	if len(req.Components) > MaxComponents {
		return errorf(CodeInvalid, "components", fmt.Sprintf("has %d components; at most %d are allowed", len(req.Components), MaxComponents))
	}
	for i, c := range req.Components {
		if err := validateComponent(c); err != nil {
			return prefixed(err, fmt.Sprintf("components[%d]", i))
		}
	}
	return nil
}

func validateComponent(c Component) error {
	if strings.TrimSpace(c.Name) == "" {
		return errorf(CodeRequired, "name", "is required (e.g. \"cefazolin 1 g vial lot A123\")")
	}
	if err := c.Container.Valid(); err != nil {
		return err
	}
	if c.Container == ContainerCompounded {
		if c.BUD == nil || c.BUD.IsZero() {
			return errorf(CodeRequired, "bud", "is required for a compounded component (its own BUD)")
		}
	} else {
		if c.BUD != nil {
			return errorf(CodeInvalid, "bud", "applies only to a compounded component; give the lot's expires_at")
		}
		if c.ExpiresAt.IsZero() {
			return errorf(CodeRequired, "expires_at", "is required (RFC 3339 or YYYY-MM-DD)")
		}
	}
	if c.OpenedAt != nil && c.OpenedAt.IsZero() {
		return errorf(CodeRequired, "opened_at", "is empty; leave it out for an unopened container")
	}
	if c.InUseLimit != nil && *c.InUseLimit <= 0 {
		return errorf(CodeInvalid, "in_use_limit", "must be positive")
	}
	return nil
}

func categoryLimit(rules Rules, req Request, start time.Time, loc *time.Location) (Limit, error) {
	if req.Category == CategoryImmediate {
		return immediateLimit(rules, req, start, loc)
	}
	var rows []CategoryLimit
	for _, row := range rules.CategoryLimits {
		if row.Category == req.Category {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		return Limit{}, errorf(CodeCombinationNotAllowed, "category", fmt.Sprintf("rule table %q has no limits for Category %s", rules.Version, req.Category))
	}
	rows = filterRows(rows, func(r CategoryLimit) bool { return r.Method == MethodAny || r.Method == req.Method })
	if len(rows) == 0 {
		if req.Method == "" {
			return Limit{}, errorf(CodeRequired, "method", fmt.Sprintf("is required for Category %s (\"aseptic\" or \"terminal\")", req.Category))
		}
		return Limit{}, errorf(CodeCombinationNotAllowed, "method", fmt.Sprintf("Category %s has no limits for %s", req.Category, req.Method.describe()))
	}
	rows = filterRows(rows, func(r CategoryLimit) bool { return r.SterilityTested.matches(req.SterilityTested) })
	if len(rows) == 0 {
		if req.SterilityTested {
			return Limit{}, errorf(CodeCombinationNotAllowed, "sterility_tested", fmt.Sprintf("Category %s has no limits for a sterility-tested %s preparation", req.Category, req.Method.describe()))
		}
		return Limit{}, errorf(CodeCombinationNotAllowed, "sterility_tested", fmt.Sprintf("Category %s requires a passed sterility test", req.Category))
	}
	rows = filterRows(rows, func(r CategoryLimit) bool {
		return r.StartingComponents == StartingAny || r.StartingComponents == req.StartingComponents
	})
	if len(rows) == 0 {
		if req.StartingComponents == "" {
			return Limit{}, errorf(CodeRequired, "starting_components", fmt.Sprintf("is required for this Category %s preparation (\"sterile\" or \"nonsterile\")", req.Category))
		}
		return Limit{}, errorf(CodeCombinationNotAllowed, "starting_components", fmt.Sprintf("Category %s has no limits for %s starting components", req.Category, req.StartingComponents))
	}
	row := rows[0] // Validate guarantees at most one row matches.
	d, ok := row.Limits[req.Storage]
	if !ok {
		return Limit{}, errorf(CodeCategoryStorageNotAllowed, "storage", fmt.Sprintf(
			"Category %s may not be stored in a %s: the rule table %q has no such limit", req.Category, req.Storage.describe(), rules.Version))
	}
	desc := describeRow(row, req)
	at := start.Add(d.Std())
	return Limit{Kind: LimitCategory, At: at,
		what:        fmt.Sprintf("the %s limit of %s from the compounding start", desc, d),
		Explanation: fmt.Sprintf("%s limit of %s from the compounding start: %s", capitalize(desc), d, displayTime(at, loc))}, nil
}

func filterRows(rows []CategoryLimit, keep func(CategoryLimit) bool) []CategoryLimit {
	out := rows[:0:0]
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// describeRow names the row the way the tables do, mentioning only what the
// row depends on.
func describeRow(row CategoryLimit, req Request) string {
	parts := []string{"Category " + string(row.Category)}
	if row.Method != MethodAny {
		parts = append(parts, row.Method.describe())
	}
	switch row.SterilityTested {
	case TestedYes:
		parts = append(parts, "sterility tested and passed")
	case TestedNo:
		parts = append(parts, "not sterility tested")
	}
	switch row.StartingComponents {
	case StartingSterile:
		parts = append(parts, "all-sterile starting components")
	case StartingNonsterile:
		parts = append(parts, "one or more nonsterile starting components")
	}
	parts = append(parts, req.Storage.describe())
	return strings.Join(parts, ", ")
}

func immediateLimit(rules Rules, req Request, start time.Time, loc *time.Location) (Limit, error) {
	iu := rules.ImmediateUse
	allowed := false
	for _, s := range iu.Storage {
		allowed = allowed || s == req.Storage
	}
	if !allowed {
		return Limit{}, errorf(CodeCategoryStorageNotAllowed, "storage", fmt.Sprintf(
			"an immediate-use preparation is not stored: %s is not allowed", req.Storage.describe()))
	}
	if len(req.Components) > iu.MaxComponents {
		return Limit{}, errorf(CodeImmediateUseNotAllowed, "components", fmt.Sprintf(
			"immediate use allows at most %d components; this has %d", iu.MaxComponents, len(req.Components)))
	}
	if iu.RequireSterile && req.StartingComponents == StartingNonsterile {
		return Limit{}, errorf(CodeImmediateUseNotAllowed, "starting_components", "immediate use allows only sterile starting components")
	}
	for i, c := range req.Components {
		if c.Hazardous && !iu.AllowHazardous {
			return Limit{}, errorf(CodeImmediateUseNotAllowed, fmt.Sprintf("components[%d].hazardous", i), fmt.Sprintf(
				"%q is a hazardous drug; immediate use allows only non-hazardous products", c.Name))
		}
		if c.Container == ContainerCompounded && !iu.AllowCompounded {
			return Limit{}, errorf(CodeImmediateUseNotAllowed, fmt.Sprintf("components[%d].container", i), fmt.Sprintf(
				"%q is compounded; immediate use allows only commercially made products", c.Name))
		}
	}
	at := start.Add(iu.Limit.Std())
	return Limit{Kind: LimitCategory, At: at,
		what:        fmt.Sprintf("the immediate-use limit: administration must begin within %s of the start", iu.Limit),
		Explanation: fmt.Sprintf("Immediate use: administration must begin within %s of the start: %s", iu.Limit, displayTime(at, loc))}, nil
}

func componentLimit(rules Rules, c Component, start time.Time, loc *time.Location) (Limit, error) {
	exp, field, what := c.ExpiresAt, "expires_at", fmt.Sprintf("the expiry of %q", c.Name)
	if c.Container == ContainerCompounded {
		if exp.IsZero() || c.BUD.Before(exp) {
			exp, field, what = *c.BUD, "bud", fmt.Sprintf("the BUD of the compounded component %q", c.Name)
		}
	}
	if !exp.After(start) {
		verb := "expired"
		if field == "bud" {
			verb = "reached its BUD"
		}
		return Limit{}, &Error{Code: CodeComponentExpired, Field: field, At: exp, Message: fmt.Sprintf(
			"%q %s at %s, not after the compounding start %s", c.Name, verb, displayTime(exp, loc), displayTime(start, loc))}
	}
	if c.OpenedAt != nil {
		if _, err := CheckInUse(rules, c, start); err != nil {
			return Limit{}, err
		}
	}
	return Limit{Kind: LimitComponent, At: exp.In(loc), Component: c.Name, what: what,
		Explanation: fmt.Sprintf("%s: %s", capitalize(what), displayTime(exp, loc))}, nil
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
