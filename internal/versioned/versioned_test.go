package versioned

import (
	"errors"
	"testing"
	"time"
)

func TestInForce(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	type v struct {
		name string
		from time.Time
	}
	start := func(x v) time.Time { return x.from }
	// Out of order on purpose, with two versions starting together.
	vs := []v{{"b", day(10)}, {"a", day(1)}, {"c", day(20)}, {"c2", day(20)}}
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{day(1).Add(-time.Nanosecond), ""},
		{day(1), "a"},
		{day(9), "a"},
		{day(10), "b"},
		{day(19), "b"},
		{day(20), "c"},
		{day(31), "c"},
	} {
		i, ok := InForce(vs, start, tc.at)
		got := ""
		if ok {
			got = vs[i].name
		}
		if got != tc.want {
			t.Errorf("InForce(%s) = %q, want %q", tc.at, got, tc.want)
		}
	}
	if _, ok := InForce([]v(nil), start, day(1)); ok {
		t.Error("InForce of no versions found one")
	}
}

func TestCheckStart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name         string
		from, latest time.Time
		want         Problem
	}{
		{"now, no version yet", now, time.Time{}, StartOK},
		{"later, after the latest", now.Add(time.Hour), now.Add(time.Minute), StartOK},
		{"before now", now.Add(-time.Microsecond), time.Time{}, StartPast},
		{"before now and before the latest", now.Add(-time.Hour), now.Add(time.Hour), StartPast},
		{"same start as the latest", now.Add(time.Hour), now.Add(time.Hour), StartNotAfterLatest},
		{"before the latest", now.Add(time.Minute), now.Add(time.Hour), StartNotAfterLatest},
		{"a fraction of a microsecond", now.Add(time.Hour + time.Nanosecond), time.Time{}, StartTooPrecise},
		{"whole microseconds", now.Add(time.Hour + time.Microsecond), now, StartOK},
	} {
		if got := CheckStart(tc.from, now, tc.latest); got != tc.want {
			t.Errorf("%s: CheckStart = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	type doc struct {
		Version string `json:"version"`
	}
	for _, tc := range []struct {
		in       string
		want     string
		trailing bool
		fails    bool
	}{
		{in: `{"version":"v1"}`, want: "v1"},
		{in: " {\"version\":\"v1\"}\n ", want: "v1"},
		{in: `{"version":"v1"} {"version":"v2"}`, trailing: true},
		{in: `{"version":"v1"} x`, trailing: true},
		{in: `{"version":"v1","extra":1}`, fails: true},
		{in: `{"version":1}`, fails: true},
		{in: `{"version":`, fails: true},
		{in: ``, fails: true},
	} {
		var d doc
		err := Decode([]byte(tc.in), &d)
		switch {
		case tc.trailing:
			if !errors.Is(err, ErrTrailing) {
				t.Errorf("Decode(%q) = %v, want ErrTrailing", tc.in, err)
			}
		case tc.fails:
			if err == nil || errors.Is(err, ErrTrailing) {
				t.Errorf("Decode(%q) = %v, want a decoding error", tc.in, err)
			}
		case err != nil || d.Version != tc.want:
			t.Errorf("Decode(%q) = %+v, %v; want version %q", tc.in, d, err, tc.want)
		}
	}
}
