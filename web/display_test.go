package web

import (
	"strings"
	"testing"
	"time"
)

// An expiry stored as the end of its day in the site's zone (and read back
// rounded to the microsecond, the next midnight) is shown as the date the
// vial prints, in the site's zone: never the next day, never UTC's date.
func TestExpiryDateAsPrinted(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	endOfDay := time.Date(2027, 12, 31, 0, 0, 0, 0, chicago).AddDate(0, 0, 1).Add(-time.Nanosecond)
	for _, c := range []struct {
		name string
		at   time.Time
	}{
		{"in memory", endOfDay},
		{"stored (microseconds)", endOfDay.Round(time.Microsecond)},
		{"read back in UTC", endOfDay.Round(time.Microsecond).UTC()},
	} {
		if got := ExpiryDate(c.at, chicago); got != "2027-12-31" {
			t.Errorf("%s: %s shown as %s, want 2027-12-31", c.name, c.at, got)
		}
	}
}

// Derivation text never shows a number beyond four decimals; the exact
// value is kept on request.
func TestPreciseRoundsLongNumbers(t *testing.T) {
	got := string(Precise("2 g / 20 mL = 0.100000000000000000000001 g/mL < & 12.5 mL"))
	if !strings.Contains(got, `title="exact 0.100000000000000000000001"`) || !strings.Contains(got, `>0.1</span>`) {
		t.Errorf("long number not rounded with its exact value on request: %s", got)
	}
	if !strings.Contains(got, "12.5 mL") || !strings.Contains(got, "&lt; &amp;") {
		t.Errorf("the rest of the text is not kept (escaped): %s", got)
	}
}
