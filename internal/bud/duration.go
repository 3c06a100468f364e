package bud

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// maxSpan bounds every parsed duration: far above any limit in the chapter
// (180 days), far below time.Duration's overflow.
const maxSpan = 3650 * 24 * time.Hour

// durationUnits maps every accepted unit spelling to its length. Days and
// weeks are counted as elapsed 24-hour periods, so a BUD is the same instant
// whatever the clocks do at a daylight-saving change.
var durationUnits = map[string]time.Duration{
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "wk": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// ParseDuration reads a positive duration written as a number and a unit,
// such as "72 h", "4 hours", "10 days", "30 min" or "1.5 h". The space is
// optional; the result must be a whole number of seconds of at most 3650 days.
// Errors are *Error with code "invalid" and no field; callers name the field.
func ParseDuration(s string) (time.Duration, error) {
	return parseSpan(s, false)
}

func parseSpan(s string, allowZero bool) (time.Duration, error) {
	bad := func(why string) error {
		return errorf(CodeInvalid, "", fmt.Sprintf("%q is not a duration: %s (expected e.g. \"72 h\", \"10 days\", \"30 min\")", truncate(s, 40), why))
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, bad("it is empty")
	}
	if len(t) > 40 {
		return 0, bad("it is too long")
	}
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		if strings.HasPrefix(t, "-") {
			return 0, bad("it must be positive")
		}
		return 0, bad("it does not start with a number")
	}
	if strings.Count(num, ".") > 1 || num[0] == '.' || num[len(num)-1] == '.' {
		return 0, bad("the number is malformed")
	}
	size, ok := durationUnits[unit]
	if !ok {
		if unit == "" {
			return 0, bad("the unit is missing")
		}
		return 0, bad(fmt.Sprintf("unknown unit %q", truncate(unit, 12)))
	}
	n, err := decimal.NewFromString(num)
	if err != nil {
		return 0, bad("the number is malformed")
	}
	if n.GreaterThan(decimal.NewFromInt(int64(maxSpan / size))) {
		return 0, bad("it is longer than 3650 days")
	}
	secs := n.Mul(decimal.NewFromInt(int64(size / time.Second)))
	if !secs.IsInteger() {
		return 0, bad("it is not a whole number of seconds")
	}
	d := time.Duration(secs.IntPart()) * time.Second
	if d == 0 && !allowZero {
		return 0, bad("it must be positive")
	}
	return d, nil
}

// FormatDuration writes d in the largest unit that divides it exactly,
// with whole days only from 4 days up, since stability and short limits
// are read in hours: "10 days", "72 h", "24 h", "30 min", "45 s"; zero is "0 h".
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0 h"
	case d%(24*time.Hour) == 0 && (d >= 4*24*time.Hour || d <= -4*24*time.Hour):
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// Duration is a time.Duration that reads and writes JSON as text such as
// "10 days", so a rule table stays legible to the admin who edits it.
// Zero ("0 h") means "use at once".
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String writes d as FormatDuration does.
func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// MarshalText writes d as FormatDuration does.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(FormatDuration(time.Duration(d))), nil
}

// UnmarshalText reads a duration as ParseDuration does, also accepting zero.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseSpan(string(b), true)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
