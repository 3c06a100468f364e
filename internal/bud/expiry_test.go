package bud

import (
	"testing"
	"time"
)

func TestExpiryEndOfDay(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	cases := []struct {
		name            string
		year, mon, day_ int
		loc             *time.Location
		want            time.Time
	}{
		{"UTC", 2027, 1, 31, time.UTC, time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC)},
		{"nil location is UTC", 2027, 1, 31, nil, time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC)},
		{"New York winter", 2027, 1, 31, ny, time.Date(2027, 2, 1, 4, 59, 59, 0, time.UTC)},
		{"New York summer", 2027, 7, 31, ny, time.Date(2027, 8, 1, 3, 59, 59, 0, time.UTC)},
		{"leap day 2028", 2028, 2, 29, ny, time.Date(2028, 3, 1, 4, 59, 59, 0, time.UTC)},
		{"New York DST change day", 2027, 3, 14, ny, time.Date(2027, 3, 15, 3, 59, 59, 0, time.UTC)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ExpiryEndOfDay(c.year, c.mon, c.day_, c.loc)
			if !got.Equal(c.want) {
				t.Fatalf("got %s, want %s", got, c.want.In(got.Location()))
			}
		})
	}
}

func TestParseExpiry(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	cases := []struct {
		in   string
		loc  *time.Location
		want time.Time
		bad  bool
	}{
		{"2027-01-31", ny, time.Date(2027, 1, 31, 23, 59, 59, 0, ny), false},
		{"2027-01-31", time.UTC, time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC), false},
		{"2028-02-29", ny, time.Date(2028, 2, 29, 23, 59, 59, 0, ny), false},
		{"2027-01-31T12:00:00Z", ny, time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC), false},
		{"2027-01-31T12:00:00.5-05:00", ny, time.Date(2027, 1, 31, 17, 0, 0, 5e8, time.UTC), false},
		{"2027-02-29", ny, time.Time{}, true},
		{"2027-13-01", ny, time.Time{}, true},
		{"2027-1-31", ny, time.Time{}, true},
		{"31/01/2027", ny, time.Time{}, true},
		{"2027-01-31T12:00:00", ny, time.Time{}, true},
		{"", ny, time.Time{}, true},
		{"270131", ny, time.Time{}, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseExpiry(c.in, c.loc)
			if c.bad {
				wantError(t, err, CodeInvalid, "")
				return
			}
			if err != nil || !got.Equal(c.want) {
				t.Fatalf("got %s, %v; want %s", got, err, c.want)
			}
		})
	}
}

// A date-only expiry is the end of that day in the site's zone, not UTC.
func TestDateOnlyExpiryInSiteZone(t *testing.T) {
	t.Parallel()
	ny := newYork(t)
	body := `{"category":"2","method":"aseptic","sterility_tested":false,"starting_components":"sterile",
	 "storage":"refrigerator","compounded_at":"2026-11-24T09:00:00Z",
	 "components":[{"name":"lot X","expires_at":"2026-11-25","container":"single_dose"}]}`
	for _, c := range []struct {
		name string
		loc  *time.Location
		want string
	}{
		{"New York", ny, "2026-11-25T23:59:59-05:00"},
		{"UTC", time.UTC, "2026-11-25T23:59:59Z"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(body), c.loc)
			if err != nil {
				t.Fatal(err)
			}
			res := mustCompute(t, req)
			if got := res.BUD.Format(time.RFC3339); got != c.want || res.LimitedBy != LimitComponent {
				t.Fatalf("BUD %s by %s, want %s by component", got, res.LimitedBy, c.want)
			}
		})
	}
}

func TestParseExpiryMonthOnlyEndsWithTheMonth(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2026-11", time.UTC, time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC)},
		{"2026-12", time.UTC, time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)},
		{"2028-02", time.UTC, time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC)}, // leap year
		{"2027-02", ny, time.Date(2027, 2, 28, 23, 59, 59, 0, ny)},
	} {
		got, err := ParseExpiry(tt.in, tt.loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseExpiry(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"2026-13", "2026-00", "26-11-1"} {
		if _, err := ParseExpiry(bad, time.UTC); err == nil {
			t.Errorf("ParseExpiry(%q) accepted", bad)
		}
	}
}
