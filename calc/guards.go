package calc

import (
	"github.com/shopspring/decimal"
)

// Warning codes. A warning never stops a calculation; a worksheet turns the
// ones above a hard stop into refusals.
const (
	// WarnRoundingDeviation means rounding to what can be measured changes the
	// delivered dose or rate by more than the site's warning limit.
	WarnRoundingDeviation = "rounding_deviation"
	// WarnBelowMeasurable means a volume is below the smallest volume the
	// chosen syringe measures accurately.
	WarnBelowMeasurable = "below_measurable_volume"
	// WarnImplausibleDose means a dose is far above anything given to a person
	// (no drug being known, only gross limits apply).
	WarnImplausibleDose = "implausible_dose"
	// WarnImplausibleValue flags a result outside its plausible range (a
	// creatinine clearance above 250 mL/min).
	WarnImplausibleValue = "implausible_value"
	// WarnLowFill means a volume fills less than a fifth of the syringe.
	WarnLowFill = "low_fill"
	// WarnCapped means a maximum dose capped the calculated dose.
	WarnCapped = "capped"
	// WarnAboveLimit means a result is above a limit that was given.
	WarnAboveLimit = "above_limit"
	// WarnNote is a remark on the method (an unusual weight basis, a cap).
	WarnNote = "note"
)

// Warning is one remark on a calculation: a stable Code, a Message saying
// what and why, and the Field it concerns.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Range is the plausible range of one input or result. A nil bound is open.
// FlagOnly makes a value above Max a warning instead of an error.
type Range struct {
	Min, Max *Quantity
	FlagOnly bool
}

// Guards are the checks around the arithmetic, passed in by the caller from
// the site's data: the package keeps no clinical threshold of its own.
// The zero Guards checks nothing beyond the arithmetic's own rules.
type Guards struct {
	// DeviationWarn and DeviationRefuse are percentages: a rounded volume
	// or rate whose delivered value differs from the ordered one by more
	// than DeviationWarn is warned about; above DeviationRefuse the warning
	// says a worksheet refuses it. Zero means no check.
	DeviationWarn, DeviationRefuse decimal.Decimal
	// Syringes are the measuring devices with their floors.
	Syringes []Syringe
	// Ranges maps an input or result name ("weight", "bsa", "rate") to its
	// plausible range.
	Ranges map[string]Range
	// ImplausiblePerKg and ImplausibleTotal flag a dose above them (10 g/kg,
	// 500 g) when no drug is known.
	ImplausiblePerKg, ImplausibleTotal *Quantity

	// smallest is the smallest syringe, found once by Prepare, and floor its
	// floor as an integer fraction (floorOK: it fits).
	smallest *Syringe
	floor    fq
	floorOK  bool
	// limits are the deviation limits as integers (warn, refuse), made by
	// Prepare from the values in limitsOf; they stand only while the fields
	// still hold those values.
	limitsOf [2]decimal.Decimal
	limits   [2]fx
	limitsOK [2]bool
}

// Prepare finds once what every calculation would otherwise look up again
// (the smallest syringe, the limits as integers). Call it after filling the
// guards and before sharing them; changing Syringes afterwards needs another
// Prepare.
func (g *Guards) Prepare() *Guards {
	g.smallest, g.floorOK = nil, false
	if len(g.Syringes) > 0 {
		s, _ := g.findSmallest()
		g.smallest = &s
		g.floor, g.floorOK = fqOf(s.Floor)
	}
	g.limitsOf = [2]decimal.Decimal{g.DeviationWarn, g.DeviationRefuse}
	for i, d := range g.limitsOf {
		g.limits[i], g.limitsOK[i] = fxOf(d)
	}
	return g
}

// limitFx is limit (DeviationWarn for i = 0, DeviationRefuse for 1) as an fx.
func (g *Guards) limitFx(i int, limit decimal.Decimal) (fx, bool) {
	if g.limitsOK[i] && g.limitsOf[i] == limit {
		return g.limits[i], true
	}
	return fxOf(limit)
}

// Deviation is (delivered − ordered) ÷ ordered in percent, exactly.
func Deviation(ordered, delivered Quantity) (decimal.Decimal, error) {
	o := exactOf(ordered)
	d, err := exactOf(delivered).to(o.u)
	if err != nil {
		return zero, err
	}
	if o.sign() == 0 {
		return zero, errorf("dose", CodeNotPositive, "cannot compare with a zero dose")
	}
	diff, _ := d.sub(o)
	// diff / o × 100, as one fraction.
	r := rq{n: diff.n.Mul(o.d).Mul(hundred), d: diff.d.Mul(o.n)}
	if r.d.Sign() < 0 {
		r.n, r.d = r.n.Neg(), r.d.Neg()
	}
	return r.value(), nil
}

// percentOf is diff ÷ base × 100 (same unit), rounded half away from zero to 0.1 (as shown): one
// rounding division instead of a long quotient.
func percentOf(diff, base rq) decimal.Decimal {
	n, d := mulD(diff.n, base.d).Shift(2), mulD(diff.d, base.n)
	if d.Sign() < 0 {
		n, d = n.Neg(), d.Neg()
	}
	return n.DivRound(d, 1)
}

// levelOf judges the exact deviation diff ÷ base against the limits without dividing:
// |diff| × 100 > limit × |base|.
func (g *Guards) levelOf(diff, base rq) int {
	if g == nil {
		return 0
	}
	lhs := mulD(diff.n, base.d).Shift(2)
	if lhs.Sign() < 0 {
		lhs = lhs.Neg()
	}
	rhs := mulD(diff.d, base.n)
	if rhs.Sign() < 0 {
		rhs = rhs.Neg()
	}
	switch {
	case g.DeviationRefuse.Sign() > 0 && lhs.Cmp(rhs.Mul(g.DeviationRefuse)) > 0:
		return 2
	case g.DeviationWarn.Sign() > 0 && lhs.Cmp(rhs.Mul(g.DeviationWarn)) > 0:
		return 1
	}
	return 0
}

// DeviationText renders a signed percentage rounded to 0.1 ("+100%",
// "-2.3%", "0%").
func DeviationText(p decimal.Decimal) string {
	var buf [32]byte
	return string(appendDeviation(buf[:0], p))
}

// appendDeviation appends DeviationText(p) to b; DeviationText stays small enough to be
// inlined, so a caller that only compares the text allocates nothing.
func appendDeviation(b []byte, p decimal.Decimal) []byte {
	r := p.Round(1)
	if r.Sign() > 0 {
		b = append(b, '+')
	}
	b = appendDecimal(b, r, false)
	return append(b, '%')
}

// DeviationLevel says how a deviation compares with the guards: 0 within
// the warning limit, 1 above it, 2 above the hard stop.
func (g *Guards) DeviationLevel(p decimal.Decimal) int {
	if g == nil {
		return 0
	}
	a := p.Abs()
	switch {
	case g.DeviationRefuse.Sign() > 0 && a.GreaterThan(g.DeviationRefuse):
		return 2
	case g.DeviationWarn.Sign() > 0 && a.GreaterThan(g.DeviationWarn):
		return 1
	}
	return 0
}

// deviationWarning builds the rounding_deviation warning for field, or
// returns false when the deviation is within the warning limit.
func (g *Guards) deviationWarning(field string, ordered, delivered Quantity, p decimal.Decimal, lvl int) (Warning, bool) {
	if lvl == 0 {
		return Warning{}, false
	}
	msg := "rounding gives " + Display(delivered) + " for " + Display(ordered) + " ordered (" + DeviationText(p) +
		"), more than the " + plain(g.DeviationWarn) + "% warning limit"
	if lvl == 2 {
		msg = "rounding gives " + Display(delivered) + " for " + Display(ordered) + " ordered (" + DeviationText(p) +
			"), above the " + plain(g.DeviationRefuse) + "% hard stop: a worksheet refuses it; use a dilution or a finer syringe"
	}
	return Warning{Code: WarnRoundingDeviation, Field: field, Message: msg}, true
}

// Check tests a named value against its plausible range. It returns an
// error naming the field and the range when the value is outside, or a
// warning when the range only flags; a miss by a factor near 1,000 is
// called a probable unit mix-up.
func (g *Guards) Check(field string, q Quantity) (*Warning, error) {
	if g == nil || g.Ranges == nil {
		return nil, nil
	}
	r, ok := g.Ranges[field]
	if !ok {
		return nil, nil
	}
	return r.check(field, q)
}

func (r Range) check(field string, q Quantity) (*Warning, error) {
	if a, ok := fqOf(q); ok && r.holds(&a) {
		return nil, nil
	}
	low, high := false, false
	if r.Min != nil {
		if c, err := q.Cmp(*r.Min); err == nil && c < 0 {
			low = true
		} else if err != nil {
			return nil, wrongDim(field, q, r.Min.Unit.Dimension(), r.Min.String())
		}
	}
	if r.Max != nil {
		if c, err := q.Cmp(*r.Max); err == nil && c > 0 {
			high = true
		} else if err != nil {
			return nil, wrongDim(field, q, r.Max.Unit.Dimension(), r.Max.String())
		}
	}
	if !low && !high {
		return nil, nil
	}
	if high && r.FlagOnly {
		return &Warning{Code: WarnImplausibleValue, Field: field,
			Message: Display(q) + " is above " + Display(*r.Max) + ", beyond the plausible range; check the inputs"}, nil
	}
	msg := Display(q) + " is outside the plausible range " + r.String() + mixUp(r, q)
	return nil, errorf(field, CodeOutOfRange, "%s", msg)
}

// holds reports that a is within the range, on integers; false also when a bound is too
// long for them or of another dimension (check then compares in decimal, and words the error).
func (r Range) holds(a *fq) bool {
	for _, bound := range [2]struct {
		q    *Quantity
		sign int
	}{{r.Min, -1}, {r.Max, 1}} {
		if bound.q == nil {
			continue
		}
		b, ok := fqOf(*bound.q)
		if !ok {
			return false
		}
		if c, ok := a.cmp(&b); !ok || c == bound.sign {
			return false
		}
	}
	return true
}

// String renders the range: "0.2–650 kg", "above 0.1 mL/h".
func (r Range) String() string {
	switch {
	case r.Min != nil && r.Max != nil:
		if r.Min.Unit == r.Max.Unit {
			return DisplayDecimal(r.Min.Value) + "–" + Display(*r.Max)
		}
		return Display(*r.Min) + "–" + Display(*r.Max)
	case r.Min != nil:
		return "from " + Display(*r.Min)
	case r.Max != nil:
		return "up to " + Display(*r.Max)
	}
	return "any"
}

var thousand = decimal.NewFromInt(1000)

// mixUp explains a miss: the number read in the range's unit fits ("did you
// mean 70 kg?"), or the value is about 1,000 times off (mg for mcg).
func mixUp(r Range, q Quantity) string {
	unit := r.Min
	if unit == nil {
		unit = r.Max
	}
	if q.Unit != unit.Unit {
		alt := Quantity{Value: q.Value, Unit: unit.Unit}
		if r.contains(alt) {
			return "; did you mean " + Display(alt) + "?"
		}
	}
	for _, f := range []decimal.Decimal{thousand, one.Div(thousand)} {
		alt := Quantity{Value: q.Value.Mul(f), Unit: q.Unit}
		if r.contains(alt) {
			return "; it is about 1,000 times off: a probable mg/mcg (or g/mg) mix-up"
		}
	}
	return "; check the value and its unit"
}

// measures reports whether q has the dimension of the range's bounds.
func (r Range) measures(q Quantity) bool {
	b := r.Min
	if b == nil {
		b = r.Max
	}
	return b != nil && b.Unit.SameDimension(q.Unit)
}

func (r Range) contains(q Quantity) bool {
	if r.Min != nil {
		if c, err := q.Cmp(*r.Min); err != nil || c < 0 {
			return false
		}
	}
	if r.Max != nil {
		if c, err := q.Cmp(*r.Max); err != nil || c > 0 {
			return false
		}
	}
	return true
}

// implausibleDose flags a dose above the gross limits, per kg or in total.
func (g *Guards) implausibleDose(perKg *Quantity, dose Quantity) (Warning, bool) {
	if g == nil {
		return Warning{}, false
	}
	if perKg != nil && g.ImplausiblePerKg != nil {
		if c, err := perKg.Cmp(*g.ImplausiblePerKg); err == nil && c > 0 {
			return Warning{Code: WarnImplausibleDose, Field: "dose", Message: Display(*perKg) + " is above " +
				Display(*g.ImplausiblePerKg) + ", more than any person is given; check the unit (mg, not g?)"}, true
		}
	}
	if g.ImplausibleTotal != nil {
		if c, err := dose.Cmp(*g.ImplausibleTotal); err == nil && c > 0 {
			return Warning{Code: WarnImplausibleDose, Field: "dose", Message: Display(dose) + " is above " +
				Display(*g.ImplausibleTotal) + " in total, more than any person is given; check the unit"}, true
		}
	}
	return Warning{}, false
}

// smallestSyringe is the smallest syringe found by Prepare (nil: not
// prepared, or no syringes), and whether it has a floor.
func (g *Guards) smallestSyringe() (*Syringe, bool) {
	if g == nil || len(g.Syringes) == 0 || g.smallest == nil {
		return nil, false
	}
	return g.smallest, g.smallest.Floor.Value.Sign() > 0
}

// floorFq is the floor of smallestFloor as an integer fraction (ok: it
// fits), made once by Prepare.
func (g *Guards) floorFq() (floor fq, has, ok bool) {
	if s, has := g.smallestSyringe(); s != nil {
		return g.floor, has, g.floorOK
	}
	sy, has := g.smallestFloor()
	floor, ok = fqOf(sy.Floor)
	return floor, has, ok
}

// smallestFloor is the floor of the smallest syringe, the least volume
// that can be measured at all; ok is false without syringes.
func (g *Guards) smallestFloor() (Syringe, bool) {
	if s, ok := g.smallestSyringe(); s != nil {
		return *s, ok
	}
	if g == nil || len(g.Syringes) == 0 {
		return Syringe{}, false
	}
	if g.smallest != nil {
		return *g.smallest, g.smallest.Floor.Value.Sign() > 0
	}
	return g.findSmallest()
}

func (g *Guards) findSmallest() (Syringe, bool) {
	if len(g.Syringes) == 0 {
		return Syringe{}, false
	}
	best := 0
	for i := 1; i < len(g.Syringes); i++ {
		if c, err := g.Syringes[i].Capacity.Cmp(g.Syringes[best].Capacity); err == nil && c < 0 {
			best = i
		}
	}
	s := g.Syringes[best]
	return s, s.Floor.Value.Sign() > 0
}
