package competency

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kind names one competency, such as "media_fill".
type Kind string

// The kinds every site has; a rule version may add its own.
const (
	GlovedFingertip   Kind = "gloved_fingertip"
	MediaFill         Kind = "media_fill"
	Garbing           Kind = "garbing"
	HandHygiene       Kind = "hand_hygiene"
	HazardousHandling Kind = "hazardous_handling"
)

// KindRule is how long one kind of competency stays current.
type KindRule struct {
	Kind Kind `json:"kind"`
	// Name is the plain words shown to people.
	Name string `json:"name"`
	// Months is the interval for Category 1 and 2 (and immediate-use) work.
	Months int `json:"months"`
	// MonthsCategory3 is the shorter interval Category 3 work needs.
	MonthsCategory3 int `json:"months_category_3"`
}

// Rules is one version of the competency rule table.
type Rules struct {
	Version       string     `json:"version"`
	EffectiveFrom time.Time  `json:"effective_from"`
	Source        string     `json:"source"`
	Kinds         []KindRule `json:"kinds"`
	// Required lists, per compounding category ("immediate", "1", "2",
	// "3"), the kinds a person must hold current to claim such work.
	Required map[string][]Kind `json:"required"`
	// HazardousRequired is added for a hazardous preparation.
	HazardousRequired []Kind `json:"hazardous_required"`
	// DueSoonDays is how far ahead a lapse is announced.
	DueSoonDays int `json:"due_soon_days"`
}

//go:embed rules_2023.json
var defaultRules []byte

// DefaultRules is the shipped rule table (USP <797> 2023 and <800>).
func DefaultRules() Rules {
	r, err := ParseRules(defaultRules)
	if err != nil {
		panic("competency: the embedded default rules are invalid: " + err.Error())
	}
	return r
}

// DefaultRulesJSON is the shipped rule table as stored.
func DefaultRulesJSON() []byte { return slices.Clone(defaultRules) }

var kindPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// Categories are the compounding categories a rule table must cover.
var Categories = []string{"immediate", "1", "2", "3"}

// ParseRules reads and validates a rule table: every kind named once with
// positive intervals, every category covered, every required kind defined.
func ParseRules(data []byte) (Rules, error) {
	var r Rules
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Rules{}, fmt.Errorf("competency rules: %w", err)
	}
	return r, r.Validate()
}

// Validate checks a rule table; the error names the first fault.
func (r Rules) Validate() error {
	var errs []string
	if strings.TrimSpace(r.Version) == "" {
		errs = append(errs, "version is empty")
	}
	if r.EffectiveFrom.IsZero() {
		errs = append(errs, "effective_from is missing")
	}
	if strings.TrimSpace(r.Source) == "" {
		errs = append(errs, "source is empty: name where the intervals come from")
	}
	seen := map[Kind]bool{}
	for i, k := range r.Kinds {
		switch {
		case !kindPattern.MatchString(string(k.Kind)):
			errs = append(errs, fmt.Sprintf("kinds[%d].kind %q is not a lower-case name (letters, digits, _)", i, k.Kind))
		case seen[k.Kind]:
			errs = append(errs, fmt.Sprintf("kinds[%d].kind %q is listed twice", i, k.Kind))
		}
		seen[k.Kind] = true
		if strings.TrimSpace(k.Name) == "" {
			errs = append(errs, fmt.Sprintf("kinds[%d].name is empty", i))
		}
		if k.Months < 1 || k.Months > 60 || k.MonthsCategory3 < 1 || k.MonthsCategory3 > 60 {
			errs = append(errs, fmt.Sprintf("kinds[%d] (%s): months and months_category_3 must be 1 to 60", i, k.Kind))
		}
	}
	for _, c := range Categories {
		if _, ok := r.Required[c]; !ok {
			errs = append(errs, fmt.Sprintf("required has no entry for category %q", c))
		}
	}
	for c, kinds := range r.Required {
		if !slices.Contains(Categories, c) {
			errs = append(errs, fmt.Sprintf("required names unknown category %q (expected immediate, 1, 2 or 3)", c))
		}
		for _, k := range kinds {
			if !seen[k] {
				errs = append(errs, fmt.Sprintf("required[%s] names kind %q, which kinds does not define", c, k))
			}
		}
	}
	for _, k := range r.HazardousRequired {
		if !seen[k] {
			errs = append(errs, fmt.Sprintf("hazardous_required names kind %q, which kinds does not define", k))
		}
	}
	if r.DueSoonDays < 0 || r.DueSoonDays > 365 {
		errs = append(errs, "due_soon_days must be 0 to 365")
	}
	if len(errs) > 0 {
		return errors.New("competency rules: " + strings.Join(errs, "; "))
	}
	return nil
}

// Kind returns the rule of a kind, if the table defines it.
func (r Rules) Kind(k Kind) (KindRule, bool) {
	for _, kr := range r.Kinds {
		if kr.Kind == k {
			return kr, true
		}
	}
	return KindRule{}, false
}

// KindNames lists the defined kinds, for error messages.
func (r Rules) KindNames() []string {
	out := make([]string, len(r.Kinds))
	for i, k := range r.Kinds {
		out[i] = string(k.Kind)
	}
	return out
}

// Needed lists the kinds work of a category (and hazard) requires.
func (r Rules) Needed(category string, hazardous bool) []Kind {
	need := slices.Clone(r.Required[category])
	if category == "" {
		// A worksheet without a category is treated as the strictest
		// aseptic work rather than as needing nothing.
		need = slices.Clone(r.Required["3"])
	}
	if hazardous {
		for _, k := range r.HazardousRequired {
			if !slices.Contains(need, k) {
				need = append(need, k)
			}
		}
	}
	return need
}

// months is the interval of a kind for work of a category.
func (kr KindRule) months(category string) int {
	if category == "3" {
		return kr.MonthsCategory3
	}
	return kr.Months
}
