package calc

import (
	"math/bits"
	"sync/atomic"

	"github.com/shopspring/decimal"
)

// fx is an exact decimal c × 10^e whose coefficient fits an int64. The hot path of a worksheet
// line (a quotient that terminates, a volume rounded to a graduation, the rounding deviation
// judged against the limits) is exact integer arithmetic on these, without the big.Int
// allocations of decimal arithmetic; every operation reports ok = false on overflow and the
// caller then takes the decimal path, so a result never depends on which path computed it.
type fx struct {
	c int64
	e int32
}

const (
	maxInt64 = 1<<63 - 1
	minInt64 = -1 << 63
)

// pow10s are the powers of ten an int64 holds.
var pow10s = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// fxOf reads d without allocating; ok is false when its coefficient needs more than 18 digits.
// A decimal newDecimal made is found in madeDecimals and read from there.
func fxOf(d decimal.Decimal) (fx, bool) {
	// CoefficientInt64 is only the coefficient's low bits, but a decimal equal to one
	// newDecimal made shares that one's coefficient, whose value is m.c exactly.
	if m := madeDecimals[madeSlot(d.CoefficientInt64(), d.Exponent())].Load(); m != nil && m.d == d {
		return fx{c: m.c, e: m.e}, true
	}
	if d.NumDigits() > 18 {
		return fx{}, false
	}
	return fx{c: d.CoefficientInt64(), e: d.Exponent()}, true
}

// mul64 is a × b, ok = false on overflow.
func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(abs64(a), abs64(b))
	if hi != 0 || lo > maxInt64 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

// abs64 is |a| as an unsigned number (minInt64 included).
func abs64(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

// scale10 is c × 10^k for 0 ≤ k.
func scale10(c int64, k int32) (int64, bool) {
	if k < 0 || int(k) >= len(pow10s) {
		return 0, c == 0
	}
	return mul64(c, pow10s[k])
}

func (a fx) mul(b fx) (fx, bool) {
	c, ok := mul64(a.c, b.c)
	return fx{c: c, e: a.e + b.e}, ok && a.e > -1000 && a.e < 1000 && b.e > -1000 && b.e < 1000
}

// align brings a and b to the smaller exponent.
func align(a, b fx) (int64, int64, int32, bool) {
	switch {
	case a.e == b.e:
		return a.c, b.c, a.e, true
	case a.e > b.e:
		c, ok := scale10(a.c, a.e-b.e)
		return c, b.c, b.e, ok
	default:
		c, ok := scale10(b.c, b.e-a.e)
		return a.c, c, a.e, ok
	}
}

func (a fx) add(b fx) (fx, bool) {
	x, y, e, ok := align(a, b)
	if !ok {
		return fx{}, false
	}
	s := x + y
	if (x > 0 && y > 0 && s < 0) || (x < 0 && y < 0 && s >= 0) {
		return fx{}, false
	}
	return fx{c: s, e: e}, true
}

func (a fx) cmp(b fx) (int, bool) {
	x, y, _, ok := align(a, b)
	switch {
	case !ok:
		return 0, false
	case x < y:
		return -1, true
	case x > y:
		return 1, true
	}
	return 0, true
}

// decimal returns the value with trailing zeros dropped, as Normalize does.
func (a fx) decimal() decimal.Decimal {
	if a.c == 0 {
		return decimal.Decimal{}
	}
	a = a.norm()
	return newDecimal(a.c, a.e)
}

// norm drops trailing zeros (none from zero).
func (a fx) norm() fx {
	if a.c == 0 {
		return a
	}
	for a.c%10 == 0 {
		a.c /= 10
		a.e++
	}
	return a
}

// smallMax bounds the coefficients newDecimal shares: clinical values have a few digits
// (1,087.5 mg is 10875 × 10^-1).
const smallMax = 1 << 16

// smallCoefficients holds one decimal per small coefficient, made on first use.
var smallCoefficients [2][smallMax]atomic.Pointer[decimal.Decimal]

// newDecimal is decimal.New(c, e) without allocating for a small coefficient: a decimal's
// coefficient is never changed once made (every operation makes a new one, and Shift shares
// it the same way), so one coefficient serves every exponent.
func newDecimal(c int64, e int32) decimal.Decimal {
	sign := 0
	if c < 0 {
		sign = 1
	}
	a := abs64(c)
	if a >= smallMax {
		return decimal.New(c, e)
	}
	slot := madeSlot(c, e)
	m := madeDecimals[slot].Load()
	if m != nil && m.c == c && m.e == e {
		return m.d
	}
	p := smallCoefficients[sign][a].Load()
	if p == nil {
		d := decimal.New(c, 0)
		p = &d
		smallCoefficients[sign][a].Store(p)
	}
	d := p.Shift(e)
	if m == nil { // a slot another value holds is left to it, and nothing is allocated
		madeDecimals[slot].CompareAndSwap(nil, &madeDecimal{d: d, c: c, e: e})
	}
	return d
}

// madeDecimal is one decimal newDecimal made, with its coefficient and exponent.
type madeDecimal struct {
	d decimal.Decimal
	c int64
	e int32
}

// madeDecimals holds one decimal newDecimal made a slot (madeSlot), filled once by the first
// made in it and never replaced, so that the same value made again is not shifted again, and
// fxOf knows it without counting its digits: a worksheet line makes the same few values over
// and over.
var madeDecimals [4096]atomic.Pointer[madeDecimal]

func madeSlot(c int64, e int32) uint {
	return uint((uint64(c)*0x9E3779B97F4A7C15 ^ uint64(uint32(e))*0xC2B2AE3D27D4EB4F) >> 52)
}

// ratio64 brings n ÷ d to integer numerator and denominator (d > 0).
func ratio64(n, d fx) (int64, int64, bool) {
	if d.c == 0 {
		return 0, 0, false
	}
	num, den := n.c, d.c
	var ok bool
	if k := n.e - d.e; k >= 0 {
		num, ok = scale10(num, k)
	} else {
		den, ok = scale10(den, -k)
	}
	if !ok {
		return 0, 0, false
	}
	if den < 0 {
		if num == minInt64 || den == minInt64 {
			return 0, 0, false
		}
		num, den = -num, -den
	}
	return num, den, true
}

// divRound is n ÷ d rounded half away from zero to a whole number.
func divRound(n, d fx) (int64, bool) {
	num, den, ok := ratio64(n, d)
	if !ok {
		return 0, false
	}
	q, r := num/den, num%den
	if ar := abs64(r); ar >= uint64(den)-ar {
		if num < 0 {
			q--
		} else {
			q++
		}
	}
	return q, true
}

// quoExact is n ÷ d when it terminates within what an int64 holds; ok is false otherwise (a
// quotient such as 1 ÷ 3 that never terminates, or one too long).
func quoExact(n, d fx) (decimal.Decimal, bool) {
	q, ok := quoExactFx(n, d)
	if !ok {
		return decimal.Decimal{}, false
	}
	return q.decimal(), true
}

// quoExactFx is quoExact as an fx, trailing zeros dropped as decimal() drops them.
func quoExactFx(n, d fx) (fx, bool) {
	num, den, ok := ratio64(fx{c: n.c}, fx{c: d.c})
	if !ok {
		return fx{}, false
	}
	e := n.e - d.e
	for range len(pow10s) {
		if num%den == 0 {
			return fx{c: num / den, e: e}.norm(), true
		}
		if num, ok = mul64(num, 10); !ok {
			return fx{}, false
		}
		e--
	}
	return fx{}, false
}

// quoFast is quo's integer path.
func quoFast(n, d decimal.Decimal) (decimal.Decimal, bool) {
	a, ok1 := fxOf(n)
	b, ok2 := fxOf(d)
	if !ok1 || !ok2 {
		return decimal.Decimal{}, false
	}
	return quoExact(a, b)
}

// mulFast is a × b exactly as Decimal.Mul gives it (coefficients multiplied, exponents
// added), on integers where they fit.
func mulFast(a, b decimal.Decimal) decimal.Decimal {
	x, ok1 := fxOf(a)
	y, ok2 := fxOf(b)
	if ok1 && ok2 {
		if p, ok := x.mul(y); ok {
			if p.c == 0 {
				return a.Mul(b)
			}
			return newDecimal(p.c, p.e)
		}
	}
	return a.Mul(b)
}

// fxRq is an rq's numerator and denominator as fx.
func fxRq(a rq) (n, d fx, ok bool) {
	n, ok1 := fxOf(a.n)
	d, ok2 := fxOf(a.d)
	return n, d, ok1 && ok2
}

// cmpFast compares a ÷ b's fractions in one unit (a.n × b.d against b.n × a.d).
func cmpFast(a, b rq) (int, bool) {
	an, ad, ok1 := fxRq(a)
	bn, bd, ok2 := fxRq(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	x, ok1 := an.mul(bd)
	y, ok2 := bn.mul(ad)
	if !ok1 || !ok2 {
		return 0, false
	}
	return x.cmp(y)
}

// deviationFast judges delivered against ordered (same unit) with integers: the deviation in
// percent rounded to 0.1, and its level against the guards; ok is false when a number is too
// long for the integer path.
func (g *Guards) deviationFast(delivered, ordered rq) (decimal.Decimal, int, bool) {
	dn, dd, ok1 := fxRq(delivered)
	on, od, ok2 := fxRq(ordered)
	if !ok1 || !ok2 {
		return decimal.Decimal{}, 0, false
	}
	return g.deviationFx(&fq{n: dn, d: dd}, &fq{n: on, d: od})
}

// deviationFx is deviationFast on fractions already held as integers.
func (g *Guards) deviationFx(delivered, ordered *fq) (decimal.Decimal, int, bool) {
	dn, dd, on, od := delivered.n, delivered.d, ordered.n, ordered.d
	if od.c != 1 || od.e != 0 || on.c == 0 {
		return decimal.Decimal{}, 0, false
	}
	// diff = dn/dd − on = (dn − on·dd) / dd; deviation = diff ÷ on × 100 = (dn − on·dd) × 100 ÷ (dd·on).
	ondd, ok := on.mul(dd)
	if !ok {
		return decimal.Decimal{}, 0, false
	}
	diff, ok := dn.add(fx{c: -ondd.c, e: ondd.e})
	if !ok {
		return decimal.Decimal{}, 0, false
	}
	if diff.c == 0 {
		return decimal.Decimal{}, 0, true
	}
	base := ondd // dd·on
	// Percent to 0.1: diff × 1000 ÷ base, rounded, × 10^-1.
	tenths, ok := divRound(fx{c: diff.c, e: diff.e + 3}, base)
	if !ok {
		return decimal.Decimal{}, 0, false
	}
	lvl, ok := g.levelFast(fx{c: diff.c, e: diff.e + 2}, base)
	if !ok {
		return decimal.Decimal{}, 0, false
	}
	return newDecimal(tenths, -1), lvl, true
}

// levelFast is levelOf on integers: |pct100| > limit × |base|, pct100 being diff × 100.
func (g *Guards) levelFast(pct100, base fx) (int, bool) {
	lhs, rhs := fx{c: int64(abs64(pct100.c)), e: pct100.e}, fx{c: int64(abs64(base.c)), e: base.e}
	if lhs.c < 0 || rhs.c < 0 {
		return 0, false
	}
	if above, ok := g.aboveLimit(lhs, rhs, 1, g.DeviationRefuse); !ok || above {
		return 2, ok
	}
	if above, ok := g.aboveLimit(lhs, rhs, 0, g.DeviationWarn); !ok || above {
		return 1, ok
	}
	return 0, true
}

// aboveLimit reports lhs > rhs × limit for a positive limit (never for a limit of zero); i
// says which limit it is (limitFx).
func (g *Guards) aboveLimit(lhs, rhs fx, i int, limit decimal.Decimal) (bool, bool) {
	if limit.Sign() <= 0 {
		return false, true
	}
	lim, ok := g.limitFx(i, limit)
	if !ok {
		return false, false
	}
	r, ok := rhs.mul(lim)
	if !ok {
		return false, false
	}
	c, ok := lhs.cmp(r)
	return c > 0, ok
}
