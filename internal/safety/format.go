package safety

import (
	"fmt"
	"strings"
	"time"
)

// timeLayout is how times are written, as on every screen: 24-hour, in the
// site's time zone (2026-11-24 14:30).
const timeLayout = "2006-01-02 15:04"

// timeIn writes t in loc, or a dash for the zero time.
func timeIn(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(loc).Format(timeLayout)
}

// count writes a whole number with thousands separators (1,250).
func count(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// tenths writes a number kept in tenths with one decimal at most and
// thousands separators: 123 is "12.3", 120 is "12", 10000 is "1,000".
func tenths(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := count(v / 10)
	if d := v % 10; d != 0 {
		s += fmt.Sprintf(".%d", d)
	}
	if neg {
		s = "-" + s
	}
	return s
}
