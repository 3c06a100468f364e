package guard

import (
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
)

var oneDay = calc.MustParse("1 day")

// window24 is the span a per-day maximum is judged over.
const window24 = 24 * time.Hour

// dailyTotal judges the largest total of the patient's doses of the drug in
// any 24 hours that hold this dose (due at f.At) against the limit's
// maximum per day. ok is false when the total is within it, or there are
// no other doses to add. A dose whose unit does not convert to this one (an
// order in mmol of an mEq drug) cannot be added and is left out.
func (l *compiledLimit) dailyTotal(f *Facts) (Finding, bool) {
	if len(f.Others) == 0 || f.At.IsZero() {
		return Finding{}, false
	}
	limit, where := l.maxPerDay.written, l.where()
	var err error
	// This dose goes into the list as a copy, its time rebuilt from its wall
	// clock reading, so that f (and what it points to) stays off the heap on
	// the usual path, which has no other doses.
	this := Dose{Amount: calc.Quantity{Value: f.Delivered.Value.Copy(), Unit: f.Delivered.Unit},
		At: time.Unix(f.At.Unix(), int64(f.At.Nanosecond()))}
	doses := []Dose{this}
	for _, o := range f.Others {
		if o.Amount.Unit.SameDimension(f.Delivered.Unit) && o.At.Sub(f.At).Abs() < window24 {
			doses = append(doses, o)
		}
	}
	if len(doses) == 1 {
		return Finding{}, false
	}
	sort.SliceStable(doses, func(i, j int) bool { return doses[i].At.Before(doses[j].At) })
	// The heaviest window starts at one of the doses due in the 24 hours up
	// to this one and ends 24 hours later.
	best, bestN := this.Amount, 0
	for i, start := range doses {
		if start.At.After(f.At) || f.At.Sub(start.At) >= window24 {
			continue
		}
		total, n := calc.Quantity{Value: decimal.Zero, Unit: f.Delivered.Unit}, 0
		for _, d := range doses[i:] {
			if d.At.Sub(start.At) >= window24 {
				break
			}
			if total, err = total.Add(d.Amount); err != nil {
				return Finding{}, false
			}
			n++
		}
		if c, _ := total.Cmp(best); c > 0 {
			best, bestN = total, n-1
		}
	}
	perDay, err := best.Div(oneDay)
	if err != nil {
		return Finding{}, false
	}
	if c, err := perDay.Cmp(limit); err != nil || c <= 0 {
		return Finding{}, false
	}
	others := strconv.Itoa(bestN) + " other orders"
	if bestN == 1 {
		others = "1 other order"
	}
	msg := calc.DisplaySignificant(best, 4) + " within 24 hours (this dose " + calc.DisplaySignificant(f.Delivered, 4) +
		" and " + others + " for this patient) is above the maximum " + calc.Display(limit) + " for " + where
	return Finding{Code: FindDoseAboveDailyMax, Field: "dose", Message: msg, Value: perDay.String(), Limit: limit.String(),
		Source: l.Source}, true
}
