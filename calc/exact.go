package calc

import (
	"github.com/shopspring/decimal"
)

// SignificantDigits is how many significant digits a non-terminating quotient keeps. It is a
// package constant passed to every division, never decimal.DivisionPrecision, which is a
// global another package could change.
const SignificantDigits = 24

// quickDigits is the precision of quo's first, cheap attempt at an exact quotient.
const quickDigits = 12

var (
	zero    = decimal.Zero
	one     = decimal.NewFromInt(1)
	hundred = decimal.NewFromInt(100)
)

// quo divides to SignificantDigits significant digits, rounded once half away from zero; a
// quotient that terminates within them comes out exact.
func quo(n, d decimal.Decimal) decimal.Decimal {
	if n.IsZero() {
		return zero
	}
	if isOne(d) {
		return n
	}
	if q, ok := quoFast(n, d); ok {
		return q
	}
	return quoSlow(n, d)
}

// quoSlow is quo in decimal arithmetic, for numbers too long for the integer path.
func quoSlow(n, d decimal.Decimal) decimal.Decimal {
	// n/d lies in (10^(mag-1), 10^(mag+1)), so this many places keeps enough digits.
	mag := int32(n.NumDigits()) + n.Exponent() - int32(d.NumDigits()) - d.Exponent()
	// Most clinical quotients terminate within a few digits (21.75 mL); try that cheaply.
	if q, r := n.QuoRem(d, quickDigits-mag); r.IsZero() {
		return q.Normalize()
	}
	places := SignificantDigits - mag
	q := n.DivRound(d, places)
	if q.NumDigits() > SignificantDigits {
		// The estimate allowed one digit too many; divide again rather than round twice.
		q = n.DivRound(d, places-1)
	}
	return q.Normalize()
}

// rq is a quantity kept as the exact fraction n/d in unit u, so that a chain of products and
// quotients is divided out once, and a "rounded" result is rounded from the true value rather
// than from an already-rounded quotient. d is always positive.
type rq struct {
	n, d decimal.Decimal
	u    Unit
}

func exactOf(q Quantity) rq { return rq{n: q.Value, d: one, u: q.Unit} }

func (a rq) mul(b rq) (rq, error) {
	u, f, err := mulUnits(a.u, b.u)
	if err != nil {
		return rq{}, err
	}
	r := rq{n: mulFast(a.n, b.n), d: mulD(a.d, b.d), u: u}
	if f.set {
		r.n, r.d = r.n.Mul(f.num), r.d.Mul(f.den)
	}
	return r, nil
}

// mulD multiplies denominators, skipping the usual case of 1.
func mulD(a, b decimal.Decimal) decimal.Decimal {
	switch {
	case isOne(a):
		return b
	case isOne(b):
		return a
	}
	return mulFast(a, b)
}

// isOne is a cheap test for the denominator 1 that exact inputs carry.
func isOne(d decimal.Decimal) bool {
	return d.Exponent() == 0 && d.NumDigits() == 1 && d.CoefficientInt64() == 1
}

// div divides; the caller has checked that b is not zero.
func (a rq) div(b rq) (rq, error) {
	inv := rq{n: b.d, d: b.n, u: b.u.invert()}
	if inv.d.Sign() < 0 {
		inv.n, inv.d = inv.n.Neg(), inv.d.Neg()
	}
	return a.mul(inv)
}

// scale multiplies by a plain number.
func (a rq) scale(k decimal.Decimal) rq { return rq{n: a.n.Mul(k), d: a.d, u: a.u} }

// to converts to unit u of the same dimension, exactly.
func (a rq) to(u Unit) (rq, error) {
	if a.u == u {
		return a, nil
	}
	if !a.u.SameDimension(u) {
		return rq{}, errorf("quantity", CodeWrongDimension, "cannot convert %s (%s) to %s (%s)",
			a.u.String(), a.u.Dimension(), u.String(), u.Dimension())
	}
	fn, fd := a.u.scale()
	tn, td := u.scale()
	return rq{n: mulD(mulD(a.n, fn), td), d: mulD(mulD(a.d, fd), tn), u: u}, nil
}

func (a rq) add(b rq) (rq, error) {
	b, err := b.to(a.u)
	if err != nil {
		return rq{}, err
	}
	if a.d.Equal(b.d) {
		return rq{n: a.n.Add(b.n), d: a.d, u: a.u}, nil
	}
	return rq{n: a.n.Mul(b.d).Add(b.n.Mul(a.d)), d: a.d.Mul(b.d), u: a.u}, nil
}

func (a rq) sub(b rq) (rq, error) {
	return a.add(rq{n: b.n.Neg(), d: b.d, u: b.u})
}

// cmp compares exactly, across units of one dimension.
func (a rq) cmp(b rq) (int, error) {
	b, err := b.to(a.u)
	if err != nil {
		return 0, err
	}
	if c, ok := cmpFast(a, b); ok {
		return c, nil
	}
	return mulD(a.n, b.d).Cmp(mulD(b.n, a.d)), nil
}

func (a rq) sign() int { return a.n.Sign() }

// value is the quotient to SignificantDigits significant digits.
func (a rq) value() decimal.Decimal { return quo(a.n, a.d) }

func (a rq) quantity() Quantity { return Quantity{Value: a.value(), Unit: a.u} }

// round rounds the true quotient half away from zero to places decimal places.
func (a rq) round(places int32) decimal.Decimal {
	return a.n.DivRound(a.d, places).Normalize()
}

// roundTo rounds the true quotient half away from zero to a multiple of inc (> 0).
func (a rq) roundTo(inc decimal.Decimal) decimal.Decimal {
	return a.n.DivRound(mulD(a.d, inc), 0).Mul(inc).Normalize()
}

// ceilDiv returns ceil(a ÷ b) for positive plain fractions, exactly.
func ceilDiv(a, b rq) decimal.Decimal {
	q, r := a.n.Mul(b.d).QuoRem(a.d.Mul(b.n), 0)
	if r.Sign() > 0 {
		q = q.Add(one)
	}
	return q
}
