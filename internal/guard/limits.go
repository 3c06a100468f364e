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

// CheckDose judges a delivered dose against every limit that applies. A
// caller checking many doses compiles the table once (Compile) instead.
func (r Rules) CheckDose(f Facts) []Finding { return r.Compile().CheckDose(f) }

// CheckDose judges a delivered dose against every limit that applies.
func (c *Compiled) CheckDose(f Facts) []Finding {
	var out []Finding
	ls := c.limits[normalizeFast(f.Drug)]
	for i := range ls {
		l := &ls[i]
		if l.Route != "" && !strings.EqualFold(l.Route, strings.TrimSpace(f.Route)) {
			continue
		}
		if l.Line != "" && l.Line != f.Line {
			continue
		}
		out = l.check(&f, out)
	}
	return out
}

// check appends the findings of one limit to out.
func (l *compiledLimit) check(f *Facts, out []Finding) []Finding {
	add := func(code, field string, value calc.Quantity, b *bound, above bool) {
		c, err := value.Cmp(b.canonical)
		if err != nil || (above && c <= 0) || (!above && c >= 0) {
			return
		}
		out = append(out, l.finding(code, field, value, b.written, above))
	}
	if l.maxPerDose != nil {
		add(FindDoseAboveMax, "dose", f.Delivered, l.maxPerDose, true)
	}
	if l.minPerDose != nil {
		add(FindDoseBelowMin, "dose", f.Delivered, l.minPerDose, false)
	}
	if l.maxPerDay != nil {
		// One dose above the daily maximum is out of range whatever the
		// frequency; otherwise the total of any 24 hours that hold it is.
		before := len(out)
		if perDay, err := f.Delivered.Div(oneDay); err == nil {
			add(FindDoseAboveDailyMax, "dose", perDay, l.maxPerDay, true)
		}
		if len(out) == before {
			if fd, ok := l.dailyTotal(f); ok {
				out = append(out, fd)
			}
		}
	}
	if l.maxPerKg != nil && f.Weight != nil {
		if fd, ok := l.perKg(f); ok {
			out = append(out, fd)
		}
	}
	if l.maxPerM2 != nil && f.BSA != nil {
		if per, err := f.Delivered.Div(*f.BSA); err == nil {
			add(FindDosePerM2AboveMax, "dose", per, l.maxPerM2, true)
		}
	}
	if l.maxRate != nil && f.Duration != nil {
		// Hours first, so 40 mEq over 30 min is exactly 80 mEq/h.
		if h, err := f.Duration.Convert(hour); err == nil {
			if rate, err := f.Delivered.Div(h); err == nil {
				add(FindRateAboveMax, "infuse_over", rate, l.maxRate, true)
			}
		}
	}
	if l.maxConcentration != nil && f.Concentration != nil {
		add(FindConcentrationAboveMax, "final_volume", *f.Concentration, l.maxConcentration, true)
	}
	return out
}

// finding words one limit the value is outside of.
func (l *compiledLimit) finding(code, field string, value, lim calc.Quantity, above bool) Finding {
	word := "above the maximum"
	if !above {
		word = "below the minimum"
	}
	msg := calc.DisplaySignificant(value, 4) + " is " + word + " " + calc.Display(lim) + " for " + l.where() + mixUp(value, lim, above)
	return Finding{Code: code, Field: field, Message: msg, Value: value.String(), Limit: lim.String(), Source: l.Source}
}

// perKg judges the dose per kg of body weight. Dividing an amount by a
// weight would cancel the two masses (mg ÷ kg is a plain number), so the
// dose is compared with the limit times the weight in kg, and the dose per
// kg is worked out only to word a finding.
func (l *compiledLimit) perKg(f *Facts) (Finding, bool) {
	lim := l.maxPerKg.canonical // dose unit per kg
	if f.Weight.Value.Sign() <= 0 {
		return Finding{}, false
	}
	// The limit times the weight cancels the per-kg against the weight's unit exactly
	// (mg/kg × 72.5 kg = mg; × lb converts); a weight or dose of another dimension fails
	// the comparison and is not judged here.
	if c, err := f.Delivered.CmpProduct(lim, *f.Weight); err != nil || c <= 0 {
		return Finding{}, false
	}
	amount, err1 := f.Delivered.Convert(l.doseUnit)
	w, err2 := f.Weight.Convert(kg)
	if err1 != nil || err2 != nil {
		return Finding{}, false
	}
	per, err := calc.Quantity{Value: amount.Value}.Div(calc.Quantity{Value: w.Value})
	if err != nil {
		return Finding{}, false
	}
	return l.finding(FindDosePerKgAboveMax, "dose", calc.Quantity{Value: per.Value, Unit: lim.Unit}, l.maxPerKg.written, true), true
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
