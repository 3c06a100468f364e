package safety

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
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

// count writes a whole number with thousands separators (1,250), by the
// rules every number shown follows (calc.DisplayDecimal).
func count(v int64) string { return calc.DisplayDecimal(decimal.NewFromInt(v)) }

// tenths writes a number kept in tenths with one decimal at most and
// thousands separators: 123 is "12.3", 120 is "12", 10000 is "1,000".
func tenths(v int64) string { return calc.DisplayDecimal(decimal.New(v, -1)) }
