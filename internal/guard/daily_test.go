package guard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/calc"
)

// ceftriaxone: 4 g a dose, 4 g a day in the shipped table.
func dailyFacts(at time.Time, dose string, others ...Dose) Facts {
	return Facts{Drug: "ceftriaxone", Route: "IV", Delivered: calc.MustParse(dose), At: at, Others: others}
}

func TestDailyTotalAcrossOrders(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	d := func(amount string, h int) Dose { return Dose{Amount: calc.MustParse(amount), At: at(h)} }
	for _, tc := range []struct {
		name   string
		facts  Facts
		held   bool
		phrase string
	}{
		{"alone", dailyFacts(at(0), "2 g"), false, ""},
		{"two reach the maximum", dailyFacts(at(12), "2 g", d("2 g", 0)), false, ""},
		{"three in 16 hours", dailyFacts(at(16), "2 g", d("2 g", 0), d("2 g", 8)), true, "6 g within 24 hours (this dose 2 g and 2 other orders"},
		{"one later the same day", dailyFacts(at(0), "2000 mg", d("2 g", 6), d("1 g", 23)), true, "5,000 mg within 24 hours"},
		{"exactly 24 hours apart do not add", dailyFacts(at(24), "3 g", d("3 g", 0), d("3 g", 48)), false, ""},
		{"windows on either side judged apart", dailyFacts(at(12), "2 g", d("1.5 g", 0), d("1.5 g", 30)), false, ""},
		{"another dimension cannot be added", dailyFacts(at(0), "3 g", Dose{Amount: calc.MustParse("3 mmol"), At: at(1)}), false, ""},
		{"mixed units", dailyFacts(at(0), "3 g", d("1500 mg", 2)), true, "4.5 g within 24 hours (this dose 3 g and 1 other order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := r.CheckDose(tc.facts)
			if held := len(fs) > 0; held != tc.held {
				t.Fatalf("held = %v, findings %+v", held, fs)
			}
			if tc.held && (fs[0].Code != FindDoseAboveDailyMax || !strings.Contains(fs[0].Message, tc.phrase) || fs[0].Source == "") {
				t.Errorf("finding %+v lacks %q", fs[0], tc.phrase)
			}
		})
	}
}

// For any doses around this one, the dose is held exactly when some 24
// hours holding it hold more than the daily maximum (brute force over every
// minute-aligned window).
func TestDailyTotalProperty(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	max := decimal.NewFromInt(4000)
	rapid.Check(t, func(rt *rapid.T) {
		mine := rapid.IntRange(100, 4000).Draw(rt, "dose_mg")
		n := rapid.IntRange(0, 5).Draw(rt, "others")
		others := make([]Dose, n)
		mins := make([]int, n)
		amounts := make([]int, n)
		for i := range others {
			mins[i] = rapid.IntRange(-30*60, 30*60).Draw(rt, "at_min")
			amounts[i] = rapid.IntRange(100, 4000).Draw(rt, "mg")
			others[i] = Dose{Amount: calc.MustParse(strconv.Itoa(amounts[i]) + " mg"), At: t0.Add(time.Duration(mins[i]) * time.Minute)}
		}
		want := false
		for start := -24*60 + 1; start <= 0; start++ {
			total := mine
			for i := range others {
				if mins[i] >= start && mins[i] < start+24*60 {
					total += amounts[i]
				}
			}
			if decimal.NewFromInt(int64(total)).GreaterThan(max) {
				want = true
			}
		}
		fs := r.CheckDose(dailyFacts(t0, strconv.Itoa(mine)+" mg", others...))
		if got := len(fs) > 0; got != want {
			rt.Fatalf("held = %v, want %v: %+v", got, want, fs)
		}
	})
}
