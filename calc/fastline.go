package calc

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// fq is an rq on integers: the exact fraction n/d in unit u, d > 0. A worksheet line (parse,
// dose, volume, rounding, deviation, display) runs on these from its inputs to its results,
// converting to decimal only for the fields it returns. Every operation mirrors the rq
// operation of the same name, coefficient and exponent alike, and reports ok = false where
// that one would overflow an int64 or fail; the caller then takes the decimal path from the
// start, so a result never depends on which path computed it.
type fq struct {
	n, d fx
	u    Unit
}

var fxOne = fx{c: 1}

// atomScales are the atoms' scales as fx (every one fits).
var atomScales = func() []fx {
	s := make([]fx, len(atoms))
	for i, a := range atoms {
		s[i], _ = fxOf(a.scale)
	}
	return s
}()

func (a fx) isOne() bool { return a.c == 1 && a.e == 0 }

// fqOf is exactOf on integers; ok is false for a value of more than 18 digits.
func fqOf(q Quantity) (fq, bool) {
	n, ok := fxOf(q.Value)
	return fq{n: n, d: fxOne, u: q.Unit}, ok
}

// mulDFx is mulD on integers.
func mulDFx(a, b fx) (fx, bool) {
	switch {
	case a.isOne():
		return b, true
	case b.isOne():
		return a, true
	}
	return a.mul(b)
}

// scaleFx is Unit.scale on integers.
func (u Unit) scaleFx() (num, den fx, ok bool) {
	num, den, ok = fxOne, fxOne, true
	for d := range numDims {
		if f := u.pos[d]; f.atom != 0 && ok {
			num, ok = mulPow(num, f)
		}
		if f := u.neg[d]; f.atom != 0 && ok {
			den, ok = mulPow(den, f)
		}
	}
	return num, den, ok
}

// mulPow multiplies x by the factor's scale to its power, as powScale does.
func mulPow(x fx, f factor) (fx, bool) {
	s := atomScales[f.atom]
	r, ok := s, true
	for i := int8(1); i < f.pow && ok; i++ {
		r, ok = r.mul(s)
	}
	if !ok {
		return fx{}, false
	}
	return x.mul(r)
}

func (a fq) mul(b fq) (fq, bool) {
	u, f, err := mulUnits(a.u, b.u)
	if err != nil {
		return fq{}, false
	}
	n, ok1 := a.n.mul(b.n)
	d, ok2 := mulDFx(a.d, b.d)
	if !ok1 || !ok2 {
		return fq{}, false
	}
	if f.set {
		fn, ok1 := fxOf(f.num)
		fd, ok2 := fxOf(f.den)
		if !ok1 || !ok2 {
			return fq{}, false
		}
		if n, ok1 = n.mul(fn); !ok1 {
			return fq{}, false
		}
		if d, ok2 = d.mul(fd); !ok2 {
			return fq{}, false
		}
	}
	return fq{n: n, d: d, u: u}, true
}

// div divides by b (not zero).
func (a fq) div(b fq) (fq, bool) {
	inv := fq{n: b.d, d: b.n, u: b.u.invert()}
	if inv.d.c < 0 {
		if inv.d.c == minInt64 || inv.n.c == minInt64 {
			return fq{}, false
		}
		inv.n.c, inv.d.c = -inv.n.c, -inv.d.c
	}
	return a.mul(inv)
}

// to converts to unit u of the same dimension; ok is false for another dimension.
func (a fq) to(u Unit) (fq, bool) {
	if a.u == u {
		return a, true
	}
	if !a.u.SameDimension(u) {
		return fq{}, false
	}
	fn, fd, ok1 := a.u.scaleFx()
	tn, td, ok2 := u.scaleFx()
	if !ok1 || !ok2 {
		return fq{}, false
	}
	n, ok1 := mulDFx(a.n, fn)
	d, ok2 := mulDFx(a.d, fd)
	if !ok1 || !ok2 {
		return fq{}, false
	}
	if n, ok1 = mulDFx(n, td); !ok1 {
		return fq{}, false
	}
	if d, ok2 = mulDFx(d, tn); !ok2 {
		return fq{}, false
	}
	return fq{n: n, d: d, u: u}, true
}

// cmp compares exactly, across units of one dimension.
func (a fq) cmp(b fq) (int, bool) {
	b, ok := b.to(a.u)
	if !ok {
		return 0, false
	}
	x, ok1 := a.n.mul(b.d)
	y, ok2 := b.n.mul(a.d)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.cmp(y)
}

// valueFx is quo(n, d) on integers, for a quotient that terminates within an int64.
func (a fq) valueFx() (fx, bool) {
	if a.n.c == 0 {
		return fx{}, true
	}
	if a.d.isOne() {
		return a.n, true
	}
	return quoExactFx(a.n, a.d)
}

// value is rq.value: quo's decimal, coefficient and exponent alike. A quotient that does not
// terminate within an int64 (100 mg ÷ 3 mg/mL) is divided in decimal; x is then not set.
func (a fq) value() (v decimal.Decimal, x fx, isFx bool) {
	if a.n.c == 0 {
		return zero, fx{}, true
	}
	if x, ok := a.valueFx(); ok {
		return x.dec(), x, true
	}
	return quo(a.n.dec(), a.d.dec()), fx{}, false
}

func (a fq) quantity() Quantity {
	v, _, _ := a.value()
	return Quantity{Value: v, Unit: a.u}
}

// appendEqValue is appendEq for a value from value().
func appendEqValue(b []byte, v decimal.Decimal, x fx, isFx bool, u Unit) []byte {
	if isFx {
		return appendEqFx(b, x, u)
	}
	return appendEq(b, Quantity{Value: v, Unit: u})
}

// dec is the decimal c × 10^e as it stands (trailing zeros kept).
func (a fx) dec() decimal.Decimal {
	if a.c == 0 {
		return zero
	}
	return newDecimal(a.c, a.e)
}

// digits10 is the number of decimal digits of |c| (1 for zero).
func digits10(c int64) int {
	a := abs64(c)
	n := 1
	for a >= 10 {
		a /= 10
		n++
	}
	return n
}

// appendFx is appendDecimal for an fx.
func appendFx(b []byte, x fx, group bool) []byte {
	if x.c == 0 {
		return append(b, '0')
	}
	if x.c < 0 {
		b = append(b, '-')
	}
	var dbuf [20]byte
	return appendDigits(b, strconv.AppendUint(dbuf[:0], abs64(x.c), 10), int(x.e), group)
}

// appendDisplayFx is appendDisplay for a value held as an fx.
func appendDisplayFx(b []byte, x fx, u Unit) []byte {
	b = appendFx(b, x, true)
	if !u.IsDimensionless() {
		b = append(b, ' ')
		b = u.appendTo(b)
	}
	return b
}

// appendEqFx is appendEq for a value held as an fx: a value of at most stepDigits digits is
// shown whole; a longer one goes through the decimal rounding.
func appendEqFx(b []byte, x fx, u Unit) []byte {
	if digits10(x.c) > stepDigits {
		return appendEq(b, Quantity{Value: x.dec(), Unit: u})
	}
	return appendDisplayFx(append(b, "= "...), x, u)
}

// volumeFast is Volume on integers for the usual line: a dose, a concentration and an
// increment to round to, with or without guards, no limits to round within. ok is false for
// any other input, any number too long, or any input the decimal path refuses; that path then
// computes (or refuses) it.
func volumeFast(in VolumeInput) (VolumeResult, bool) {
	if in.In != nil || in.RoundTo == nil || in.MaxDelivered != nil || in.MaxVolume != nil {
		return VolumeResult{}, false
	}
	dose, ok1 := fqOf(in.Dose)
	conc, ok2 := fqOf(in.Concentration)
	inc, ok3 := fqOf(*in.RoundTo)
	if !ok1 || !ok2 || !ok3 || dose.n.c <= 0 || conc.n.c <= 0 || inc.n.c <= 0 {
		return VolumeResult{}, false
	}
	v, ok := dose.div(conc)
	if !ok || !v.u.only(dimVolume) {
		return VolumeResult{}, false
	}
	if v, ok = v.to(unitML); !ok {
		return VolumeResult{}, false
	}
	exact, exactFx, isFx := v.value()
	var t trail
	res := VolumeResult{Exact: Quantity{Value: exact, Unit: unitML}}
	var buf [128]byte
	b := appendDisplayFx(append(buf[:0], "volume = "...), dose.n, dose.u)
	b = appendDisplayFx(append(b, " ÷ "...), conc.n, conc.u)
	t.line(appendEqValue(append(b, ' '), exact, exactFx, isFx, unitML))
	if floor, hasFloor := in.Guards.smallestFloor(); hasFloor {
		f, ok := fqOf(floor.Floor)
		if !ok {
			return VolumeResult{}, false
		}
		c, ok := v.cmp(f)
		if !ok {
			return VolumeResult{}, false
		}
		if c < 0 {
			res.BelowFloor = true
			t.warn(WarnBelowMeasurable, "dose", show(res.Exact)+" is below "+Display(floor.Floor)+
				", the smallest volume a "+Display(floor.Capacity)+" syringe measures accurately; dilute first")
		}
	}
	rounded, ok := roundFast(v, inc)
	if !ok {
		return VolumeResult{}, false
	}
	b = appendDisplayFx(append(buf[:0], "volume rounded to "...), inc.n, inc.u)
	t.line(appendDisplayFx(append(b, " = "...), rounded.n, unitML))
	res.Volume = Quantity{Value: rounded.n.dec(), Unit: unitML}
	dl, ok := rounded.mul(conc)
	if ok {
		dl, ok = dl.to(dose.u)
	}
	if !ok {
		return VolumeResult{}, false
	}
	delivered, deliveredFx, isFx := dl.value()
	res.Delivered = Quantity{Value: delivered, Unit: dose.u}
	b = appendDisplayFx(append(buf[:0], "delivered dose = "...), rounded.n, unitML)
	b = appendDisplayFx(append(b, " × "...), conc.n, conc.u)
	t.line(appendEqValue(append(b, ' '), delivered, deliveredFx, isFx, dose.u))
	if in.Guards != nil {
		if res.Deviation, res.DeviationLevel, ok = in.Guards.deviationFx(dl, dose); !ok {
			return VolumeResult{}, false
		}
	}
	if w, ok := in.Guards.deviationWarning("dose", in.Dose, res.Delivered, res.Deviation, res.DeviationLevel); ok {
		t.warnings = append(t.warnings, w)
	}
	res.Steps, res.Warnings = t.steps, t.warnings
	return res, true
}

// roundFast is roundVolume's rounding on integers: v (in mL) rounded half away from zero to
// a multiple of inc; ok is false when inc is not a volume, when the count would be zero (an
// error) or a number is too long.
func roundFast(v, inc fq) (fq, bool) {
	i, ok := inc.to(unitML)
	if !ok {
		return fq{}, false
	}
	step, ok := i.valueFx()
	if !ok || step.c <= 0 {
		return fq{}, false
	}
	den, ok := v.d.mul(step)
	if !ok {
		return fq{}, false
	}
	k, ok := divRound(v.n, den)
	if !ok || k == 0 {
		return fq{}, false
	}
	r, ok := mul64(k, step.c)
	if !ok {
		return fq{}, false
	}
	return fq{n: fx{c: r, e: step.e}.norm(), d: fxOne, u: unitML}, true
}

// doseFast is Dose on integers for a dose per kg of body weight with no maximum; ok is false
// for any other input, any number too long, or any input the decimal path refuses.
func doseFast(in DoseInput) (DoseResult, bool) {
	if in.Weight == nil || in.MaxDose != nil || !in.Dose.Unit.has(dimMass, true) {
		return DoseResult{}, false
	}
	dose, ok1 := fqOf(in.Dose)
	w, ok2 := fqOf(*in.Weight)
	if !ok1 || !ok2 || dose.n.c <= 0 || w.n.c <= 0 {
		return DoseResult{}, false
	}
	// weightKg: a weight in kg, at most maxWeightKg.
	if !w.u.SameDimension(unitKg) {
		return DoseResult{}, false
	}
	wk, ok := w.to(unitKg)
	if !ok {
		return DoseResult{}, false
	}
	maxKg, ok := fxOf(maxWeightKg)
	if !ok {
		return DoseResult{}, false
	}
	if c, ok := wk.cmp(fq{n: maxKg, d: fxOne, u: unitKg}); !ok || c > 0 {
		return DoseResult{}, false
	}
	d, ok := dose.mul(w)
	if !ok || d.u.has(dimMass, true) || d.u.neg[dimLength].pow != 0 {
		return DoseResult{}, false
	}
	v, x, isFx := d.value()
	var t trail
	var res DoseResult
	res.Calculated = Quantity{Value: v, Unit: d.u}
	var buf [96]byte
	b := appendDisplayFx(append(buf[:0], "dose = "...), dose.n, dose.u)
	b = appendDisplayFx(append(b, " × "...), w.n, w.u)
	t.line(appendEqValue(append(b, ' '), v, x, isFx, d.u))
	res.Dose = res.Calculated
	res.Steps = t.steps
	return res, true
}
