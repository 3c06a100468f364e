package guard

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
)

// Facts are what a worksheet knows about one dose, after rounding: what is
// actually delivered, to whom, how fast and how concentrated.
type Facts struct {
	Drug, Route, Line string
	// Delivered is the amount the drawn volume holds.
	Delivered calc.Quantity
	// Weight and BSA, when known, turn per-kg and per-m² limits into amounts.
	Weight, BSA *calc.Quantity
	// Duration, when the order gives one, turns the dose into a rate.
	Duration *calc.Quantity
	// Concentration is the final concentration in the container.
	Concentration *calc.Quantity
	// At is when the dose is due; Others are the patient's other doses of
	// the drug due within 24 hours of it (open orders, in the database).
	// With them a per-day maximum is judged on the total of any 24 hours
	// that hold this dose, not on this dose alone.
	At     time.Time
	Others []Dose
}

// Dose is one other dose of the drug for the same patient: the amount its
// worksheet delivers and when it is due.
type Dose struct {
	Amount calc.Quantity
	At     time.Time
}

// Finding is one dose-range or rate limit the dose is outside of. Any
// finding holds the preparation for a pharmacist's override.
type Finding struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
	Value   string `json:"value"`
	Limit   string `json:"limit"`
	Source  string `json:"source"`
}

// Finding codes.
const (
	FindDoseAboveMax          = "dose_above_max"
	FindDoseBelowMin          = "dose_below_min"
	FindDosePerKgAboveMax     = "dose_per_kg_above_max"
	FindDosePerM2AboveMax     = "dose_per_m2_above_max"
	FindDoseAboveDailyMax     = "dose_above_daily_max"
	FindRateAboveMax          = "rate_above_max"
	FindConcentrationAboveMax = "concentration_above_max"
)

// LimitsFor returns the limits that apply to a drug by a route on a line:
// those of the drug with no route or the same route, and no line or the same
// line.
func (r Rules) LimitsFor(drug, route, line string) []DoseLimit {
	d := normalize(drug)
	var out []DoseLimit
	for _, l := range r.DoseLimits {
		if normalize(l.Drug) != d {
			continue
		}
		if l.Route != "" && !strings.EqualFold(l.Route, strings.TrimSpace(route)) {
			continue
		}
		if l.Line != "" && l.Line != line {
			continue
		}
		out = append(out, l)
	}
	return out
}

// CheckDose judges a delivered dose against every limit that applies.
func (r Rules) CheckDose(f Facts) []Finding {
	var out []Finding
	for _, l := range r.LimitsFor(f.Drug, f.Route, f.Line) {
		out = append(out, l.check(f)...)
	}
	return out
}

func (l DoseLimit) check(f Facts) []Finding {
	var out []Finding
	where := l.Drug
	if l.Line != "" {
		where += " on a " + l.Line + " line"
	}
	add := func(code, field string, value calc.Quantity, limit string, above bool) {
		lim, err := calc.Parse(limit)
		if err != nil {
			return
		}
		c, err := value.Cmp(lim)
		if err != nil || (above && c <= 0) || (!above && c >= 0) {
			return
		}
		word := "above the maximum"
		if !above {
			word = "below the minimum"
		}
		msg := calc.DisplaySignificant(value, 4) + " is " + word + " " + calc.Display(lim) + " for " + where + mixUp(value, lim, above)
		out = append(out, Finding{Code: code, Field: field, Message: msg, Value: value.String(), Limit: lim.String(), Source: l.Source})
	}
	if l.MaxPerDose != "" {
		add(FindDoseAboveMax, "dose", f.Delivered, l.MaxPerDose, true)
	}
	if l.MinPerDose != "" {
		add(FindDoseBelowMin, "dose", f.Delivered, l.MinPerDose, false)
	}
	if l.MaxPerDay != "" {
		// One dose above the daily maximum is out of range whatever the
		// frequency; otherwise the total of any 24 hours that hold it is.
		before := len(out)
		if perDay, err := f.Delivered.Div(oneDay); err == nil {
			add(FindDoseAboveDailyMax, "dose", perDay, l.MaxPerDay, true)
		}
		if len(out) == before {
			if fd, ok := l.dailyTotal(f, where); ok {
				out = append(out, fd)
			}
		}
	}
	if l.MaxPerKg != "" && f.Weight != nil {
		if per, err := f.Delivered.Div(*f.Weight); err == nil {
			add(FindDosePerKgAboveMax, "dose", per, l.MaxPerKg, true)
		}
	}
	if l.MaxPerM2 != "" && f.BSA != nil {
		if per, err := f.Delivered.Div(*f.BSA); err == nil {
			add(FindDosePerM2AboveMax, "dose", per, l.MaxPerM2, true)
		}
	}
	if l.MaxRate != "" && f.Duration != nil {
		// Hours first, so 40 mEq over 30 min is exactly 80 mEq/h.
		if h, err := f.Duration.In("h"); err == nil {
			if rate, err := f.Delivered.Div(h); err == nil {
				add(FindRateAboveMax, "infuse_over", rate, l.MaxRate, true)
			}
		}
	}
	if l.MaxConcentration != "" && f.Concentration != nil {
		add(FindConcentrationAboveMax, "final_volume", *f.Concentration, l.MaxConcentration, true)
	}
	return out
}

var thousand = decimal.NewFromInt(1000)

// mixUp adds a note when a value misses its limit by a factor near 1,000.
func mixUp(value, limit calc.Quantity, above bool) string {
	v := value
	if above {
		v.Value = v.Value.Div(thousand)
	} else {
		v.Value = v.Value.Mul(thousand)
	}
	c, err := v.Cmp(limit)
	if err != nil {
		return ""
	}
	// Within the limit once divided (or multiplied) by 1,000, and not just barely outside it.
	ratio, err := value.Div(limit)
	if err != nil {
		return ""
	}
	far := ratio.Value.GreaterThan(decimal.NewFromInt(100)) || ratio.Value.LessThan(decimal.New(1, -2))
	if far && ((above && c <= 0) || (!above && c >= 0)) {
		return "; it is about 1,000 times off: a probable mg/mcg (or g/mg) mix-up"
	}
	return ""
}
