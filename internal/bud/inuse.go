package bud

import (
	"fmt"
	"time"
)

// InUseExpiry returns when an opened container stops being usable: the
// instant it was opened (first punctured) plus its in-use limit from the
// rule table. iso5 says it was punctured only inside ISO 5 air; stated is a
// manufacturer-stated limit (required for a pharmacy bulk package, replacing
// the 28 days of a multiple-dose vial). The cap of a compounded container at
// its own BUD needs that BUD: use CheckInUse for it.
func InUseExpiry(rules Rules, c Container, openedAt time.Time, iso5 bool, stated *time.Duration) (time.Time, error) {
	if openedAt.IsZero() {
		return time.Time{}, errorf(CodeRequired, "opened_at", "is required to compute an in-use limit")
	}
	limit, _, err := inUseLimit(rules, c, iso5, stated)
	if err != nil {
		return time.Time{}, err
	}
	return openedAt.Add(limit), nil
}

// inUseLimit returns the in-use limit of a container and words describing it.
func inUseLimit(rules Rules, c Container, iso5 bool, stated *time.Duration) (time.Duration, string, error) {
	if err := c.Valid(); err != nil {
		return 0, "", err
	}
	rule, ok := rules.inUseRule(c)
	if !ok {
		return 0, "", errorf(CodeInvalidRules, "container", fmt.Sprintf("rule table %q has no in-use limit for %q", rules.Version, c))
	}
	if stated != nil {
		if *stated <= 0 {
			return 0, "", errorf(CodeInvalid, "in_use_limit", "must be positive")
		}
		if !rule.StatedOverrides {
			return 0, "", errorf(CodeInvalid, "in_use_limit", fmt.Sprintf(
				"does not apply to a %s container: its in-use limit comes from the rule table", c.describe()))
		}
	}
	where := "punctured inside ISO 5"
	base := rule.InsideISO5
	if !iso5 {
		where = "punctured outside ISO 5"
		base = rule.OutsideISO5
		if base == nil {
			return 0, "", errorf(CodePuncturedOutsideISO5, "iso5", fmt.Sprintf(
				"a %s container may be punctured only inside ISO 5 air", c.describe()))
		}
	}
	switch {
	case stated != nil:
		return *stated, fmt.Sprintf("the manufacturer's stated in-use limit of %s (%s, %s)", FormatDuration(*stated), c.describe(), where), nil
	case base == nil:
		return 0, "", errorf(CodeRequired, "in_use_limit", fmt.Sprintf(
			"is required for an opened %s container: give the manufacturer's stated limit, e.g. \"4 h\"", c.describe()))
	case *base == 0:
		return 0, fmt.Sprintf("use at once (%s, %s)", c.describe(), where), nil
	}
	return base.Std(), fmt.Sprintf("an in-use limit of %s (%s, %s)", base, c.describe(), where), nil
}

// CheckInUse decides whether the opened container c may still be drawn
// from at at, and returns when its in-use period ends. It refuses with
// "in_use_expired" (with the time it ended), "ampule_reused" for an ampule
// opened before at, or "punctured_outside_iso5". Fields in errors are
// relative to the component (e.g. "opened_at"). The workflow calls it when a
// technician scans a punctured container.
func CheckInUse(rules Rules, c Component, at time.Time) (time.Time, error) {
	if c.OpenedAt == nil || c.OpenedAt.IsZero() {
		return time.Time{}, errorf(CodeRequired, "opened_at", "is required to check an opened container")
	}
	opened := *c.OpenedAt
	if err := c.Container.Valid(); err != nil {
		return time.Time{}, err
	}
	rule, ok := rules.inUseRule(c.Container)
	if !ok {
		return time.Time{}, errorf(CodeInvalidRules, "container", fmt.Sprintf("rule table %q has no in-use limit for %q", rules.Version, c.Container))
	}
	loc := at.Location()
	if rule.NeverReused && opened.Before(at) {
		code := CodeInUseExpired
		if c.Container == ContainerAmpule {
			code = CodeAmpuleReused
		}
		return time.Time{}, &Error{Code: code, Field: "opened_at", At: opened, Message: fmt.Sprintf(
			"%q was opened at %s, before %s: an opened %s is used at once and never stored or reused",
			c.Name, displayTime(opened, loc), displayTime(at, loc), c.Container.describe())}
	}
	limit, desc, err := inUseLimit(rules, c.Container, !c.PuncturedOutsideISO5, c.InUseLimit)
	if err != nil {
		return time.Time{}, err
	}
	expiry := opened.Add(limit)
	if rule.CapAtOwnBUD {
		if c.BUD == nil || c.BUD.IsZero() {
			return time.Time{}, errorf(CodeRequired, "bud", fmt.Sprintf("is required for a %s container", c.Container.describe()))
		}
		if c.BUD.Before(expiry) {
			expiry = *c.BUD
			desc += ", cut short by its own BUD"
		}
	}
	if at.After(expiry) {
		return time.Time{}, &Error{Code: CodeInUseExpired, Field: "opened_at", At: expiry, Message: fmt.Sprintf(
			"%q was opened at %s; under %s it could be used until %s, which is before %s",
			c.Name, displayTime(opened, loc), desc, displayTime(expiry, loc), displayTime(at, loc))}
	}
	return expiry, nil
}

// displayTime writes t for a worksheet, to the minute, in loc.
func displayTime(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	// Seconds are shown only when they matter: not for whole minutes, and
	// not for the 23:59:59 that ends a date-only expiry.
	if t.Second() != 0 && !(t.Hour() == 23 && t.Minute() == 59 && t.Second() == 59) {
		return t.Format("2006-01-02 15:04:05 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}
