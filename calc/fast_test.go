package calc

import (
	"math/big"
	"reflect"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// drawDecimal draws clinical-looking numbers and long ones, so that both the integer path and
// its fallback are exercised.
func drawDecimal(t *rapid.T, label string) decimal.Decimal {
	c := rapid.OneOf(rapid.Int64Range(-99999, 99999), rapid.Int64Range(-999999999999999999, 999999999999999999)).Draw(t, label+"_c")
	e := rapid.Int32Range(-12, 8).Draw(t, label+"_e")
	return decimal.New(c, e)
}

func same(a, b decimal.Decimal) bool {
	return a.Equal(b) && plain(a) == plain(b)
}

// The integer fast paths give exactly what decimal arithmetic gives, or step aside.
func TestFastPathsAgreeWithDecimal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		a, b := drawDecimal(t, "a"), drawDecimal(t, "b")
		if p := mulFast(a, b); !p.Equal(a.Mul(b)) || p.Exponent() != a.Mul(b).Exponent() {
			t.Fatalf("mul %s × %s = %s, decimal %s", a, b, p, a.Mul(b))
		}
		if b.IsZero() {
			return
		}
		if q, ok := quoFast(a, b); ok && !same(q, quoSlow(a, b)) {
			t.Fatalf("quo %s ÷ %s = %s, decimal %s", a, b, q, quoSlow(a, b))
		}
		x, _ := fxOf(a)
		y, _ := fxOf(b)
		if k, ok := divRound(x, y); ok && !decimal.NewFromInt(k).Equal(a.DivRound(b, 0)) {
			t.Fatalf("divRound %s ÷ %s = %d, decimal %s", a, b, k, a.DivRound(b, 0))
		}
		ra, rb := rq{n: a, d: one, u: unitMg}, rq{n: b.Abs(), d: drawDecimal(t, "d").Abs().Add(one), u: unitMg}
		if c, ok := cmpFast(ra, rb); ok && c != mulD(ra.n, rb.d).Cmp(mulD(rb.n, ra.d)) {
			t.Fatalf("cmp %v %v = %d", ra, rb, c)
		}
	})
}

func TestDeviationFastAgrees(t *testing.T) {
	t.Parallel()
	g := &Guards{DeviationWarn: decimal.NewFromInt(5), DeviationRefuse: decimal.NewFromInt(10)}
	rapid.Check(t, func(t *rapid.T) {
		ordered := rq{n: drawDecimal(t, "o").Abs().Add(decimal.New(1, -3)), d: one, u: unitMg}
		delivered := rq{n: drawDecimal(t, "dn").Abs(), d: drawDecimal(t, "dd").Abs().Add(one), u: unitMg}
		p, lvl, ok := g.deviationFast(delivered, ordered)
		if !ok {
			return
		}
		var wantP decimal.Decimal
		wantL := 0
		if diff, _ := delivered.sub(ordered); diff.sign() != 0 {
			wantP, wantL = percentOf(diff, ordered), g.levelOf(diff, ordered)
		}
		if exact, err := Deviation(ordered.quantity(), delivered.quantity()); err == nil && delivered.d.Equal(one) &&
			DeviationText(exact.Round(1)) != DeviationText(p) {
			t.Fatalf("deviation of %v from %v: %s, exact rounded %s", delivered, ordered, DeviationText(p), DeviationText(exact.Round(1)))
		}
		if !p.Equal(wantP) || lvl != wantL {
			t.Fatalf("deviation of %v from %v: %s level %d, decimal %s level %d", delivered, ordered, p, lvl, wantP, wantL)
		}
	})
}

// scanNumber reads a number exactly as decimal.NewFromString does, coefficient and exponent.
func TestScanNumberAgrees(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`-?[0-9]{1,18}(\.[0-9]{1,12})?`).Draw(t, "s")
		v, rest, err := scanNumber(s)
		if err != nil || rest != "" {
			t.Fatalf("%q: rest %q, %v", s, rest, err)
		}
		want, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Equal(want) || v.Exponent() != want.Exponent() || v.String() != want.String() {
			t.Fatalf("%q read as %s (exp %d), decimal %s (exp %d)", s, v, v.Exponent(), want, want.Exponent())
		}
	})
	for _, c := range []int64{0, 1, 7, 65535, 65536, -1, -65535, 123456789} {
		if got, want := newDecimal(c, -3), decimal.New(c, -3); !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Errorf("newDecimal(%d) = %s", c, got)
		}
	}
	if !reflect.DeepEqual(newDecimal(42, 0), decimal.New(42, 0)) {
		t.Error("a shared coefficient differs from a new one")
	}
}

// fxOf reads a decimal newDecimal made, again and again, as the coefficient and exponent it was
// made from, and never takes a longer coefficient whose low bits match one it made for it.
func TestFxOfMadeDecimals(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.OneOf(rapid.Int64Range(-smallMax-10, smallMax+10), rapid.Int64()).Draw(t, "c")
		e := rapid.Int32Range(-12, 8).Draw(t, "e")
		d := newDecimal(c, e)
		for range 2 {
			x, ok := fxOf(d)
			if digits10(c) <= 18 && (!ok || x.c != c || x.e != e) {
				t.Fatalf("fxOf(newDecimal(%d, %d)) = %v %v", c, e, x, ok)
			}
			if ok && !x.dec().Equal(d) {
				t.Fatalf("fxOf(%s) = %v", d, x)
			}
		}
		// The same low 64 bits with 2^64 added: a different, longer coefficient.
		long := decimal.NewFromBigInt(new(big.Int).Add(big.NewInt(c), new(big.Int).Lsh(big.NewInt(1), 64)), e)
		if x, ok := fxOf(long); ok {
			t.Fatalf("fxOf(%s) = %v, want not ok", long, x)
		}
	})
}
