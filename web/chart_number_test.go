package web

import "testing"

func TestChartNumberTable(t *testing.T) {
	for _, c := range []struct {
		v     int64
		scale int
		want  string
	}{
		{0, 0, "0"},
		{1250, 0, "1,250"},
		{-1250, 0, "-1,250"},
		{1250, -1, "1,250"},
		{123, 1, "12.3"},
		{120, 1, "12"},
		{-5, 1, "-0.5"},
		{1234560, 1, "123,456"},
		{1005, 2, "10.05"},
		{-100000, 2, "-1,000"},
	} {
		if got := (Chart{Scale: c.scale}).Number(c.v); got != c.want {
			t.Errorf("Chart{Scale: %d}.Number(%d) = %q, want %q", c.scale, c.v, got, c.want)
		}
	}
	if got := DisplayInt(-1234567); got != "-1,234,567" {
		t.Errorf("DisplayInt(-1234567) = %q", got)
	}
}
