package bud

import (
	"testing"
	"time"

	"pgregory.net/rapid"
)

func TestParseDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"72 h", 72 * time.Hour},
		{"72h", 72 * time.Hour},
		{"4 hours", 4 * time.Hour},
		{"1 hour", time.Hour},
		{"12 hrs", 12 * time.Hour},
		{"10 days", 10 * day},
		{"1 day", day},
		{"1 d", day},
		{"30 min", 30 * time.Minute},
		{"30 minutes", 30 * time.Minute},
		{"2 weeks", 14 * day},
		{"1.5 h", 90 * time.Minute},
		{"0.5 days", 12 * time.Hour},
		{"  72 H ", 72 * time.Hour},
		{"45 s", 45 * time.Second},
		{"3650 days", 3650 * day},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseDuration(c.in)
			if err != nil || got != c.want {
				t.Fatalf("got %s, %v; want %s", got, err, c.want)
			}
		})
	}
	for _, bad := range []string{"", "72", "h", "-3 h", "0 h", "0.0 min", "1e3 h", "1..5 h", ".5 h", "5. h", "3 fortnights",
		"3651 days", "99999999999999999999999 days", "0.1 s", "72 h 30 min", "+3 h", "3,5 h", "NaN h", "∞ h"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := ParseDuration(bad)
			wantError(t, err, CodeInvalid, "")
		})
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 h"},
		{10 * day, "10 days"},
		{4 * day, "4 days"},
		{3 * day, "72 h"},
		{day, "24 h"},
		{12 * time.Hour, "12 h"},
		{90 * time.Minute, "90 min"},
		{45 * time.Second, "45 s"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := FormatDuration(c.in); got != c.want {
				t.Fatalf("got %q", got)
			}
		})
	}
}

func TestDurationRoundTrip(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		d := time.Duration(rapid.Int64Range(1, int64(maxSpan/time.Second)).Draw(t, "seconds")) * time.Second
		got, err := ParseDuration(FormatDuration(d))
		if err != nil || got != d {
			t.Fatalf("%s -> %q -> %s, %v", d, FormatDuration(d), got, err)
		}
	})
}
