package safety

import "testing"

func TestCountAndTenths(t *testing.T) {
	for _, c := range []struct {
		v            int64
		count, tenth string
	}{
		{0, "0", "0"},
		{7, "7", "0.7"},
		{-7, "-7", "-0.7"},
		{120, "120", "12"},
		{999, "999", "99.9"},
		{1000, "1,000", "100"},
		{10000, "10,000", "1,000"},
		{-1234567, "-1,234,567", "-123,456.7"},
		{9223372036854775807, "9,223,372,036,854,775,807", "922,337,203,685,477,580.7"},
	} {
		if got := count(c.v); got != c.count {
			t.Errorf("count(%d) = %q, want %q", c.v, got, c.count)
		}
		if got := tenths(c.v); got != c.tenth {
			t.Errorf("tenths(%d) = %q, want %q", c.v, got, c.tenth)
		}
	}
}
