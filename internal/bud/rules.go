package bud

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/laminar-rx/laminar/internal/versioned"
)

//go:embed rules_usp797_2023.json
var defaultRulesJSON []byte

// Rules is one version of the BUD rule table. It marshals to and from JSON
// as is, so versions can be stored, diffed and audited as documents.
type Rules struct {
	// Version names this table, e.g. "usp797-2023.1"; results record it.
	Version string `json:"version"`
	// EffectiveFrom is when the table starts to apply to compounding starts.
	EffectiveFrom time.Time `json:"effective_from"`
	// Source says where the numbers come from, for the audit trail.
	Source string `json:"source,omitempty"`
	// ImmediateUse is the immediate-use provision.
	ImmediateUse ImmediateUseRule `json:"immediate_use"`
	// CategoryLimits are the rows of the category tables.
	CategoryLimits []CategoryLimit `json:"category_limits"`
	// InUse holds the in-use limit of each opened container kind.
	InUse []InUseRule `json:"in_use"`
}

// ImmediateUseRule is the immediate-use provision, kept as data so a site
// can tighten it.
type ImmediateUseRule struct {
	// Limit is how soon administration must begin after the start.
	Limit Duration `json:"limit"`
	// MaxComponents is the most components a simple transfer may use.
	MaxComponents int `json:"max_components"`
	// Storage lists the storage conditions allowed ("not stored": room only).
	Storage []Storage `json:"storage"`
	// AllowHazardous permits hazardous components.
	AllowHazardous bool `json:"allow_hazardous"`
	// AllowCompounded permits compounded components (they are not
	// "commercially made").
	AllowCompounded bool `json:"allow_compounded"`
	// RequireSterile refuses nonsterile starting components.
	RequireSterile bool `json:"require_sterile"`
}

// CategoryLimit is one row of a category table: the preparations it
// matches and the limit at each storage condition. A storage condition with
// no entry is not allowed (e.g. Category 1 in a freezer).
type CategoryLimit struct {
	Category           Category             `json:"category"`
	Method             Method               `json:"method"`
	SterilityTested    Tested               `json:"sterility_tested"`
	StartingComponents Starting             `json:"starting_components"`
	Limits             map[Storage]Duration `json:"limits"`
}

// InUseRule is how long an opened container of one kind may be drawn from.
type InUseRule struct {
	Container Container `json:"container"`
	// InsideISO5 is the limit when punctured only inside ISO 5 air; nil
	// means the manufacturer's stated limit is required.
	InsideISO5 *Duration `json:"inside_iso5"`
	// OutsideISO5 is the limit when punctured outside ISO 5 air; nil means
	// the container may not be punctured outside ISO 5 at all.
	OutsideISO5 *Duration `json:"outside_iso5"`
	// StatedOverrides lets a manufacturer-stated limit replace the default.
	StatedOverrides bool `json:"stated_overrides"`
	// CapAtOwnBUD stops the in-use period at the container's own BUD.
	CapAtOwnBUD bool `json:"cap_at_own_bud"`
	// NeverReused refuses a container opened before compounding started.
	NeverReused bool `json:"never_reused"`
	// Note explains the row to the admin who reads the table.
	Note string `json:"note,omitempty"`
}

// Tested matches whether a sterility test was done and passed: true, false
// or "any" in JSON.
type Tested string

// The values of Tested.
const (
	TestedYes Tested = "true"
	TestedNo  Tested = "false"
	TestedAny Tested = "any"
)

// MarshalJSON writes true, false or "any".
func (t Tested) MarshalJSON() ([]byte, error) {
	switch t {
	case TestedYes, TestedNo:
		return []byte(t), nil
	case TestedAny:
		return []byte(`"any"`), nil
	}
	return nil, fmt.Errorf("sterility_tested: %q is not true, false or \"any\"", string(t))
}

// UnmarshalJSON reads true, false or "any".
func (t *Tested) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "true":
		*t = TestedYes
	case "false":
		*t = TestedNo
	case `"any"`:
		*t = TestedAny
	default:
		return errorf(CodeInvalid, "sterility_tested", fmt.Sprintf("%s is not true, false or \"any\"", truncate(string(b), 20)))
	}
	return nil
}

func (t Tested) matches(tested bool) bool {
	return t == TestedAny || (t == TestedYes) == tested
}

// DefaultRules returns the USP <797> (2023) table shipped with Laminar.
// It panics if the embedded table is invalid, which tests rule out.
func DefaultRules() Rules {
	r, err := ParseRules(defaultRulesJSON)
	if err != nil {
		panic("bud: embedded rule table is invalid: " + err.Error())
	}
	return r
}

// ParseRules reads a rule table from JSON, rejecting unknown fields, and
// validates it, so an admin's edit can be checked before it is stored.
func ParseRules(data []byte) (Rules, error) {
	var r Rules
	err := versioned.Decode(data, &r)
	if errors.Is(err, versioned.ErrTrailing) {
		return Rules{}, errorf(CodeInvalidRules, "rules", "has data after the rule table")
	}
	if err != nil {
		return Rules{}, rulesDecodeError(err)
	}
	if err := r.Validate(); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// rulesDecodeError names the field of a table that does not decode.
func rulesDecodeError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		c := *e
		c.Code = CodeInvalidRules
		if c.Field == "" {
			c.Field = "rules"
		}
		return &c
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "rules"
		}
		return errorf(CodeInvalidRules, field, "has the wrong JSON type: "+err.Error())
	}
	return errorf(CodeInvalidRules, "rules", "is not a valid rule table: "+err.Error())
}

// Validate checks the table is complete and unambiguous: known values,
// limits that are positive, at most one row matching any preparation, and
// exactly one in-use row per container kind.
func (r Rules) Validate() error {
	if r.Version == "" {
		return badRules("version", "is required")
	}
	if r.EffectiveFrom.IsZero() {
		return badRules("effective_from", "is required (RFC 3339)")
	}
	return firstRulesErr(r.ImmediateUse.validate, r.validateRows, r.validateOverlaps, r.validateInUse)
}

func badRules(field, msg string) error { return errorf(CodeInvalidRules, field, msg) }

// firstRulesErr runs the checks in order and returns the first error.
func firstRulesErr(checks ...func() error) error {
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

// validate checks the immediate-use limits.
func (iu ImmediateUseRule) validate() error {
	if iu.Limit <= 0 {
		return badRules("immediate_use.limit", "must be positive")
	}
	if iu.MaxComponents < 1 {
		return badRules("immediate_use.max_components", "must be at least 1")
	}
	if len(iu.Storage) == 0 {
		return badRules("immediate_use.storage", "must list at least one storage condition")
	}
	for i, s := range iu.Storage {
		if err := s.Valid(); err != nil {
			return badRules(fmt.Sprintf("immediate_use.storage[%d]", i), err.(*Error).Message)
		}
	}
	return nil
}

// validateRows checks each category row on its own.
func (r Rules) validateRows() error {
	if len(r.CategoryLimits) == 0 {
		return badRules("category_limits", "must have at least one row")
	}
	for i, row := range r.CategoryLimits {
		f := fmt.Sprintf("category_limits[%d]", i)
		if row.Category == CategoryImmediate {
			return badRules(f+".category", "immediate use is set in immediate_use, not as a row")
		}
		if err := row.Category.Valid(); err != nil {
			return badRules(f+".category", err.(*Error).Message)
		}
		if err := oneOf("", row.Method, append([]Method{MethodAny}, methods...)); err != nil {
			return badRules(f+".method", err.(*Error).Message)
		}
		if err := oneOf("", row.SterilityTested, []Tested{TestedYes, TestedNo, TestedAny}); err != nil {
			return badRules(f+".sterility_tested", err.(*Error).Message)
		}
		if err := oneOf("", row.StartingComponents, append([]Starting{StartingAny}, startings...)); err != nil {
			return badRules(f+".starting_components", err.(*Error).Message)
		}
		if len(row.Limits) == 0 {
			return badRules(f+".limits", "must give a limit for at least one storage condition")
		}
		for _, s := range sortedStorages(row.Limits) {
			if err := s.Valid(); err != nil {
				return badRules(f+".limits."+string(s), err.(*Error).Message)
			}
			if row.Limits[s] <= 0 {
				return badRules(f+".limits."+string(s), "must be positive; leave the storage out to forbid it")
			}
		}
	}
	return nil
}

// validateOverlaps checks that every concrete preparation matches at most
// one row, or the result would depend on the order of the rows.
func (r Rules) validateOverlaps() error {
	for _, c := range []Category{Category1, Category2, Category3} {
		for _, m := range methods {
			for _, tested := range []bool{false, true} {
				for _, s := range startings {
					first := -1
					for i, row := range r.CategoryLimits {
						if row.matches(c, m, tested, s) {
							if first >= 0 {
								return badRules(fmt.Sprintf("category_limits[%d]", i), fmt.Sprintf(
									"overlaps category_limits[%d] (both match Category %s, %s, sterility tested %t, %s starting components)",
									first, c, m, tested, s))
							}
							first = i
						}
					}
				}
			}
		}
	}
	return nil
}

// validateInUse checks the in-use rows: one per container kind.
func (r Rules) validateInUse() error {
	seen := map[Container]int{}
	for i, u := range r.InUse {
		f := fmt.Sprintf("in_use[%d]", i)
		if err := u.Container.Valid(); err != nil {
			return badRules(f+".container", err.(*Error).Message)
		}
		if j, dup := seen[u.Container]; dup {
			return badRules(f+".container", fmt.Sprintf("%q is already given in in_use[%d]", u.Container, j))
		}
		seen[u.Container] = i
		if u.InsideISO5 == nil && !u.StatedOverrides {
			return badRules(f+".inside_iso5", "is required unless stated_overrides is true (a stated limit is then required)")
		}
		if u.InsideISO5 != nil && *u.InsideISO5 < 0 {
			return badRules(f+".inside_iso5", "must not be negative")
		}
		if u.OutsideISO5 != nil && *u.OutsideISO5 < 0 {
			return badRules(f+".outside_iso5", "must not be negative")
		}
	}
	for _, c := range containers {
		if _, ok := seen[c]; !ok {
			return badRules("in_use", fmt.Sprintf("has no row for container %q", c))
		}
	}
	return nil
}

func (row CategoryLimit) matches(c Category, m Method, tested bool, s Starting) bool {
	return row.Category == c &&
		(row.Method == MethodAny || row.Method == m) &&
		row.SterilityTested.matches(tested) &&
		(row.StartingComponents == StartingAny || row.StartingComponents == s)
}

func sortedStorages(m map[Storage]Duration) []Storage {
	out := make([]Storage, 0, len(m))
	for s := range m {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// inUseRule returns the row for a container kind.
func (r Rules) inUseRule(c Container) (InUseRule, bool) {
	for _, u := range r.InUse {
		if u.Container == c {
			return u, true
		}
	}
	return InUseRule{}, false
}

// History is every version of the rule table a site has used.
type History []Rules

// Validate checks every version and that no two share a name or an
// effective time.
func (h History) Validate() error {
	if len(h) == 0 {
		return errorf(CodeInvalidRules, "history", "has no rule table")
	}
	versions := map[string]bool{}
	starts := map[int64]string{}
	for i, r := range h {
		if err := r.Validate(); err != nil {
			return prefixed(err, fmt.Sprintf("history[%d]", i))
		}
		if versions[r.Version] {
			return errorf(CodeInvalidRules, fmt.Sprintf("history[%d].version", i), fmt.Sprintf("%q appears twice", r.Version))
		}
		versions[r.Version] = true
		if v, dup := starts[r.EffectiveFrom.UnixNano()]; dup {
			return errorf(CodeInvalidRules, fmt.Sprintf("history[%d].effective_from", i), fmt.Sprintf("is the same as version %q's", v))
		}
		starts[r.EffectiveFrom.UnixNano()] = r.Version
	}
	return nil
}

// InForce returns the version whose EffectiveFrom is the latest at or
// before at, so a rule change applies only to preparations started after it.
func (h History) InForce(at time.Time) (Rules, error) {
	i, ok := versioned.InForce(h, Rules.effectiveFrom, at)
	if !ok {
		return Rules{}, &Error{Code: CodeNoRulesInForce, Field: "compounded_at", At: at,
			Message: fmt.Sprintf("no BUD rule table was in force at %s", at.Format(time.RFC3339))}
	}
	return h[i], nil
}

func (r Rules) effectiveFrom() time.Time { return r.EffectiveFrom }

// Compute computes the BUD under the version in force at req.CompoundedAt.
func (h History) Compute(req Request) (Result, error) {
	if req.CompoundedAt.IsZero() {
		return Result{}, errorf(CodeRequired, "compounded_at", "is required (RFC 3339, e.g. 2026-11-24T09:00:00Z)")
	}
	r, err := h.InForce(req.CompoundedAt)
	if err != nil {
		return Result{}, err
	}
	return Compute(r, req)
}
