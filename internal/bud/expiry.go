package bud

import (
	"fmt"
	"time"
)

// ExpiryEndOfDay returns the instant a date-only expiry ends: 23:59:59 of
// that day in loc (UTC when nil). The last whole second is used because
// RFC 3339 output without fractions, and PostgreSQL's microsecond
// timestamps, would misstate 23:59:59.999999999 or round it into the next
// day. Out-of-range days normalise as in time.Date; callers turning a GS1
// "day 00" into the last day of the month do so before calling.
func ExpiryEndOfDay(year, month, day int, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(year, time.Month(month), day, 23, 59, 59, 0, loc)
}

// ParseExpiry reads an expiry given as RFC 3339 (an exact instant), as a
// date YYYY-MM-DD (the end of that day in loc, see ExpiryEndOfDay), or as a
// month YYYY-MM, as many vials print it (the end of that month's last day).
// Errors are *Error with code "invalid" and no field; callers name the field.
func ParseExpiry(s string, loc *time.Location) (time.Time, error) {
	if len(s) == len("2006-01") {
		m, err := time.Parse("2006-01", s)
		if err != nil {
			return time.Time{}, errorf(CodeInvalid, "", fmt.Sprintf("%q is not a valid month (expected YYYY-MM, YYYY-MM-DD or RFC 3339)", truncate(s, 40)))
		}
		// Day 0 of the next month is the last day of this one.
		return ExpiryEndOfDay(m.Year(), int(m.Month())+1, 0, loc), nil
	}
	if len(s) == len("2006-01-02") {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, errorf(CodeInvalid, "", fmt.Sprintf("%q is not a valid date (expected YYYY-MM-DD or RFC 3339)", truncate(s, 40)))
		}
		return ExpiryEndOfDay(d.Year(), int(d.Month()), d.Day(), loc), nil
	}
	return parseInstant(s)
}

// parseInstant reads an RFC 3339 time with an explicit offset.
func parseInstant(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errorf(CodeInvalid, "", fmt.Sprintf("%q is not an RFC 3339 time (expected e.g. 2026-11-24T09:00:00Z)", truncate(s, 40)))
	}
	return t, nil
}
