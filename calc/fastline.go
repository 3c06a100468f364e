package calc

import (
	"slices"
	"strconv"
	"sync/atomic"

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

// maxWeight is maxWeightKg as an integer fraction.
var maxWeight = func() fq {
	q, _ := fqOf(Quantity{Value: maxWeightKg, Unit: unitKg})
	return q
}()

// mlText is how mL is spelled.
var mlText = []byte("mL")

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
		if f := u.pos(d); f.atom != 0 && ok {
			num, ok = mulPow(num, f)
		}
		if f := u.neg(d); f.atom != 0 && ok {
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

func (a *fq) mul(b *fq) (fq, bool) {
	var scratch unitProduct
	p := productOf(a.u, b.u, &scratch)
	if !p.ok {
		return fq{}, false
	}
	u := p.r
	n, ok1 := a.n.mul(b.n)
	d, ok2 := mulDFx(a.d, b.d)
	if !ok1 || !ok2 {
		return fq{}, false
	}
	if p.set {
		fn, fd := p.num, p.den
		if n, ok1 = n.mul(fn); !ok1 {
			return fq{}, false
		}
		if d, ok2 = d.mul(fd); !ok2 {
			return fq{}, false
		}
	}
	return fq{n: n, d: d, u: u}, true
}

// unitProduct is mulUnits(a, b) as the integer path uses it: the unit r, and the ratio
// num/den the value picks up when set; ok is false when mulUnits fails or the ratio does not
// fit an fx (the decimal path then multiplies, or reports the error).
type unitProduct struct {
	a, b, r  Unit
	num, den fx
	set, ok  bool
}

// unitProducts holds one product a slot, filled once by the first pair of units multiplied in
// it and never replaced, as spellings is: a line multiplies the same few pairs again and again.
var unitProducts [256]atomic.Pointer[unitProduct]

// productOf is mulUnits(a, b) for the integer path, from unitProducts when it is there; a
// product not there is worked out into scratch, which goes into the table only when its slot
// is free (a slot another pair holds is left to it, and nothing is allocated).
func productOf(a, b Unit, scratch *unitProduct) *unitProduct {
	i := uint8((a.num*0x9E3779B97F4A7C15 + a.den*0xC2B2AE3D27D4EB4F + b.num*0x165667B19E3779F9 +
		b.den*0xD6E8FEB86659FD93) >> 56)
	held := unitProducts[i].Load()
	if held != nil && held.a == a && held.b == b {
		return held
	}
	u, f, err := mulUnits(a, b)
	*scratch = unitProduct{a: a, b: b, r: u, set: f.set, ok: err == nil}
	if scratch.ok && f.set {
		var ok1, ok2 bool
		scratch.num, ok1 = fxOf(f.num)
		scratch.den, ok2 = fxOf(f.den)
		scratch.ok = ok1 && ok2
	}
	if held == nil {
		p := *scratch
		unitProducts[i].CompareAndSwap(nil, &p)
	}
	return scratch
}

// div divides by b (not zero).
func (a *fq) div(b *fq) (fq, bool) {
	inv := fq{n: b.d, d: b.n, u: b.u.invert()}
	if inv.d.c < 0 {
		if inv.d.c == minInt64 || inv.n.c == minInt64 {
			return fq{}, false
		}
		inv.n.c, inv.d.c = -inv.n.c, -inv.d.c
	}
	return a.mul(&inv)
}

// to converts to unit u of the same dimension; ok is false for another dimension.
func (a *fq) to(u Unit) (fq, bool) {
	if a.u == u {
		return *a, true
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
func (a *fq) cmp(b *fq) (int, bool) {
	if a.u == b.u && a.d.isOne() && b.d.isOne() {
		return a.n.cmp(b.n)
	}
	bu, ok := b.to(a.u)
	if !ok {
		return 0, false
	}
	x, ok1 := a.n.mul(bu.d)
	y, ok2 := bu.n.mul(a.d)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.cmp(y)
}

// valueFx is quo(n, d) on integers, for a quotient that terminates within an int64.
func (a *fq) valueFx() (fx, bool) {
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
func (a *fq) value() (v decimal.Decimal, x fx, isFx bool) {
	if a.n.c == 0 {
		return zero, fx{}, true
	}
	if x, ok := a.valueFx(); ok {
		return x.dec(), x, true
	}
	return quo(a.n.dec(), a.d.dec()), fx{}, false
}

func (a *fq) quantity() Quantity {
	v, _, _ := a.value()
	return Quantity{Value: v, Unit: a.u}
}

// appendEqValue is appendEq for a value from value(), its unit u spelled as unit.
func appendEqValue(b []byte, v decimal.Decimal, x fx, isFx bool, u Unit, unit []byte) []byte {
	if isFx {
		return appendEqFx(b, x, u, unit)
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
func digits10(c int64) int { return digits10u(abs64(c)) }

// appendFx is appendDecimal for an fx, written right to left into one buffer: the digits,
// the point and the thousands separators in one pass. A value with more than fxMaxPlaces
// places or zeros goes through appendDigits.
func appendFx(b []byte, x fx, group bool) []byte {
	if x.c == 0 {
		return append(b, '0')
	}
	if x.c < 0 {
		b = append(b, '-')
	}
	u, e := abs64(x.c), int(x.e)
	for e < 0 && u%10 == 0 {
		u /= 10
		e++
	}
	if e > fxMaxPlaces || e < -fxMaxPlaces {
		var dbuf [20]byte
		return appendDigits(b, strconv.AppendUint(dbuf[:0], u, 10), e, group)
	}
	// The text is measured first and written right to left in place: the fraction's -e
	// digits (zeros where u runs out), the point, then the whole part, u followed by e zeros
	// ("0" when u is used up), grouped in threes when it has four digits or more.
	nd := digits10u(u)
	frac, whole := 0, nd+max(e, 0)
	if e < 0 {
		frac, whole = -e, max(nd+e, 1)
	}
	seps := 0
	if group && whole >= 4 {
		seps = (whole - 1) / 3
	}
	n := whole + seps
	if frac > 0 {
		n += frac + 1
	}
	b = slices.Grow(b, n)
	out := b[len(b) : len(b)+n]
	i := n
	if frac > 0 {
		i, u = putDigits(out, i, u, frac)
		i--
		out[i] = '.'
	}
	zeros := max(e, 0)
	if zeros == 0 {
		// The whole part is u's digits, in groups of three between separators.
		for range seps {
			i, u = putDigits(out, i, u, 3)
			i--
			out[i] = ','
		}
		putDigits(out, i, u, whole-3*seps)
		return b[:len(b)+n]
	}
	for k, g := 0, 0; k < whole; k++ {
		if seps > 0 && g == 3 {
			i--
			out[i] = ','
			g = 0
		}
		i--
		if k < zeros {
			out[i] = '0'
		} else {
			out[i] = byte('0' + u%10)
			u /= 10
		}
		g++
	}
	return b[:len(b)+n]
}

// digitPairs holds "00" to "99": two digits from one division.
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"4041424344454647484950515253545556575859606162636465666768697071727374757677787980818283848586878889" +
	"90919293949596979899"

// putDigits writes the last count digits of u (zeros where u runs out) right to left, ending
// before out[i]; it returns where they start and what is left of u.
func putDigits(out []byte, i int, u uint64, count int) (int, uint64) {
	for ; count >= 2; count -= 2 {
		r := u % 100
		u /= 100
		i -= 2
		out[i], out[i+1] = digitPairs[2*r], digitPairs[2*r+1]
	}
	if count == 1 {
		i--
		out[i] = byte('0' + u%10)
		u /= 10
	}
	return i, u
}

// fxMaxPlaces bounds the places (or trailing zeros) appendFx writes itself.
const fxMaxPlaces = 30

// digits10u is the number of digits of u (1 for zero).
func digits10u(u uint64) int {
	n := 1
	for u >= 10 {
		u /= 10
		n++
	}
	return n
}

// appendDisplayFx is appendDisplay for a value held as an fx.
func appendDisplayFx(b []byte, x fx, u Unit) []byte {
	b = appendFx(b, x, true)
	if u.IsDimensionless() {
		return b
	}
	return u.spell(append(b, ' '))
}

// appendShown is appendDisplayFx with the unit already spelled (empty: a plain number), so
// that a line showing one unit several times spells it once.
func appendShown(b []byte, x fx, unit []byte) []byte {
	b = appendFx(b, x, true)
	if len(unit) > 0 {
		b = append(b, ' ')
		b = append(b, unit...)
	}
	return b
}

// appendEqFx is appendEq for a value held as an fx: a value of at most stepDigits digits is
// shown whole; a longer one goes through the decimal rounding.
func appendEqFx(b []byte, x fx, u Unit, unit []byte) []byte {
	if digits10(x.c) > stepDigits {
		return appendEq(b, Quantity{Value: x.dec(), Unit: u})
	}
	return appendShown(append(b, "= "...), x, unit)
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
	v, ok := dose.div(&conc)
	if !ok || !v.u.only(dimVolume) {
		return VolumeResult{}, false
	}
	if v, ok = v.to(unitML); !ok {
		return VolumeResult{}, false
	}
	exact, exactFx, isFx := v.value()
	res := VolumeResult{Exact: Quantity{Value: exact, Unit: unitML}}
	// The three derivation lines are written into one buffer and cut apart at the end; each
	// unit is spelled once.
	var buf [320]byte
	var ends [3]int
	var doseBuf, concBuf [32]byte
	doseUnit, concUnit := dose.u.spell(doseBuf[:0]), conc.u.spell(concBuf[:0])
	b := appendShown(append(buf[:0], "volume = "...), dose.n, doseUnit)
	b = append(b, " ÷ "...)
	concAt := len(b)
	b = appendShown(b, conc.n, concUnit)
	concShown := b[concAt:len(b):len(b)] // shown again on the delivered line
	b = appendEqValue(append(b, ' '), exact, exactFx, isFx, unitML, mlText)
	ends[0] = len(b)
	if f, hasFloor, ok := in.Guards.floorFq(); hasFloor {
		if !ok {
			return VolumeResult{}, false
		}
		c, ok := v.cmp(&f)
		if !ok {
			return VolumeResult{}, false
		}
		if c < 0 {
			floor, _ := in.Guards.smallestFloor()
			res.BelowFloor = true
			res.Warnings = append(res.Warnings, Warning{Code: WarnBelowMeasurable, Field: "dose", Message: show(res.Exact) +
				" is below " + Display(floor.Floor) + ", the smallest volume a " + Display(floor.Capacity) +
				" syringe measures accurately; dilute first"})
		}
	}
	rounded, ok := roundFast(v, inc)
	if !ok {
		return VolumeResult{}, false
	}
	if inc.u == unitML {
		b = appendShown(append(b, "volume rounded to "...), inc.n, mlText)
	} else {
		b = appendDisplayFx(append(b, "volume rounded to "...), inc.n, inc.u)
	}
	b = append(b, " = "...)
	roundedAt := len(b)
	b = appendShown(b, rounded.n, mlText)
	roundedShown := b[roundedAt:len(b):len(b)]
	ends[1] = len(b)
	res.Volume = Quantity{Value: rounded.n.dec(), Unit: unitML}
	dl, ok := rounded.mul(&conc)
	if ok {
		dl, ok = dl.to(dose.u)
	}
	if !ok {
		return VolumeResult{}, false
	}
	delivered, deliveredFx, isFx := dl.value()
	res.Delivered = Quantity{Value: delivered, Unit: dose.u}
	b = append(append(b, "delivered dose = "...), roundedShown...)
	b = append(append(b, " × "...), concShown...)
	b = appendEqValue(append(b, ' '), delivered, deliveredFx, isFx, dose.u, doseUnit)
	ends[2] = len(b)
	if in.Guards != nil {
		if res.Deviation, res.DeviationLevel, ok = in.Guards.deviationFx(&dl, &dose); !ok {
			return VolumeResult{}, false
		}
	}
	if w, ok := in.Guards.deviationWarning("dose", in.Dose, res.Delivered, res.Deviation, res.DeviationLevel); ok {
		res.Warnings = append(res.Warnings, w)
	}
	res.Steps = cutLines(b, ends[:])
	return res, true
}

// cutLines makes the lines written into b, each ending at its offset in ends, one string
// cut apart: one allocation for every line instead of one a line.
func cutLines(b []byte, ends []int) []string {
	s := string(b)
	out := make([]string, len(ends))
	start := 0
	for i, end := range ends {
		out[i], start = s[start:end], end
	}
	return out
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
	if c, ok := wk.cmp(&maxWeight); !ok || c > 0 {
		return DoseResult{}, false
	}
	d, ok := dose.mul(&w)
	if !ok || d.u.has(dimMass, true) || d.u.neg(dimLength).pow != 0 {
		return DoseResult{}, false
	}
	v, x, isFx := d.value()
	var res DoseResult
	res.Calculated = Quantity{Value: v, Unit: d.u}
	var buf [128]byte
	b := appendDisplayFx(append(buf[:0], "dose = "...), dose.n, dose.u)
	b = appendDisplayFx(append(b, " × "...), w.n, w.u)
	var ub [32]byte
	b = appendEqValue(append(b, ' '), v, x, isFx, d.u, d.u.spell(ub[:0]))
	res.Dose = res.Calculated
	res.Steps = cutLines(b, []int{len(b)})
	return res, true
}
