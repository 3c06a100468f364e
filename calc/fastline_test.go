package calc

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

// drawPositive draws a positive value: clinical ones, long ones (past what an int64 holds,
// so the decimal path is taken) and ones with trailing zeros.
func drawPositive(t *rapid.T, label string) decimal.Decimal {
	c := rapid.OneOf(rapid.Int64Range(1, 99999), rapid.Int64Range(1, 999999999999999999),
		rapid.SampledFrom([]int64{1, 2, 5, 10, 25, 50, 100, 1000, 65535, 65536})).Draw(t, label+"_c")
	e := rapid.Int32Range(-12, 6).Draw(t, label+"_e")
	d := decimal.New(c, e)
	if rapid.IntRange(0, 9).Draw(t, label+"_long") == 0 {
		// More digits than an int64 holds.
		d = d.Add(decimal.New(1, -25))
	}
	return d
}

// drawIncrement draws a syringe graduation, or any positive number.
func drawIncrement(t *rapid.T) decimal.Decimal {
	if rapid.Bool().Draw(t, "inc_usual") {
		return decimalOf(rapid.SampledFrom([]string{"0.01", "0.1", "0.2", "0.5", "1", "0.05", "0.25", "2"}).Draw(t, "inc"))
	}
	return drawPositive(t, "inc")
}

func drawUnit(t *rapid.T, label string, units ...string) Unit {
	return MustParseUnit(rapid.SampledFrom(units).Draw(t, label))
}

// drawGuards draws no guards, or guards with drawn deviation limits and syringes.
func drawGuards(t *rapid.T) *Guards {
	switch rapid.IntRange(0, 2).Draw(t, "guards") {
	case 0:
		return nil
	case 1:
		return testGuards().Prepare()
	}
	g := testGuards()
	g.DeviationWarn = decimal.New(rapid.Int64Range(0, 200).Draw(t, "warn"), -1)
	g.DeviationRefuse = decimal.New(rapid.Int64Range(0, 300).Draw(t, "refuse"), -1)
	if rapid.Bool().Draw(t, "unprepared") {
		return g
	}
	return g.Prepare()
}

// The integer line (volumeFast) gives exactly what the decimal line gives, field by field and
// coefficient by coefficient, or steps aside; inputs include rounding ties, values too long
// for an int64, units that convert and units that do not.
func TestVolumeFastAgreesWithDecimal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		conc := Quantity{Value: drawPositive(t, "conc"), Unit: drawUnit(t, "conc_unit",
			"mg/mL", "mg/mL", "mg/L", "g/mL", "mcg/mL", "g/L", "units/mL", "mEq/mL", "mg/dL", "mg")}
		inc := Quantity{Value: drawIncrement(t), Unit: drawUnit(t, "inc_unit", "mL", "mL", "mL", "L", "mcL", "dL", "mg")}
		var dose Quantity
		switch rapid.IntRange(0, 3).Draw(t, "kind") {
		case 0:
			// A dose whose volume lies exactly halfway between two multiples of the increment.
			k := decimal.NewFromInt(rapid.Int64Range(0, 500).Draw(t, "k")).Add(decimal.New(5, -1))
			dose = Quantity{Value: k.Mul(inc.Value).Mul(conc.Value), Unit: MustParseUnit("mg")}
			if inc.Unit != unitML || conc.Unit != unitMgPerML {
				dose.Value = dose.Value.Add(decimal.New(1, -3))
			}
		case 1, 2:
			// A dose of the concentration's own amount, of clinical size.
			dose = Quantity{Value: decimal.New(rapid.Int64Range(1, 999999).Draw(t, "dose_c"), rapid.Int32Range(-4, 2).Draw(t, "dose_e")),
				Unit: Unit{num: conc.Unit.num}}
		default:
			dose = Quantity{Value: drawPositive(t, "dose"), Unit: drawUnit(t, "dose_unit", "mg", "g", "mcg", "units", "mEq", "mL")}
		}
		if rapid.IntRange(0, 19).Draw(t, "negative") == 0 {
			dose.Value = dose.Value.Neg()
		}
		in := VolumeInput{Dose: dose, Concentration: conc, RoundTo: &inc, Guards: drawGuards(t)}
		fast, ok := volumeFast(in)
		exact, err := volumeExact(in)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%v: the integer line gives %v, the decimal line refuses: %v", in, fast, err)
		}
		if d := diffFields(fast, exact); d != "" {
			t.Fatalf("%v:\n%s", in, d)
		}
	})
}

// The integer dose (doseFast) gives exactly what the decimal dose gives, or steps aside.
func TestDoseFastAgreesWithDecimal(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		dose := Quantity{Value: drawPositive(t, "dose"), Unit: drawUnit(t, "dose_unit",
			"mg/kg", "mcg/kg", "g/kg", "units/kg", "mg/kg/h", "mg/g", "mg/m2", "mg")}
		weight := Quantity{Value: drawPositive(t, "weight"), Unit: drawUnit(t, "weight_unit", "kg", "g", "lb", "mg", "mL")}
		in := DoseInput{Dose: dose, Weight: &weight}
		fast, ok := doseFast(in)
		exact, err := doseExact(in)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("%v: the integer dose gives %v, the decimal dose refuses: %v", in, fast, err)
		}
		if d := diffFields(fast, exact); d != "" {
			t.Fatalf("%v:\n%s", in, d)
		}
	})
}

// Cmp, CmpProduct, Convert, Mul and Div give what the decimal fractions give, errors included.
func TestQuantityFastAgreesWithDecimal(t *testing.T) {
	t.Parallel()
	units := []string{"mg", "g", "kg", "mcg", "lb", "oz", "mL", "L", "mg/mL", "mg/kg", "mcg/kg/min", "units/h", "m2", "h", "min"}
	rapid.Check(t, func(t *rapid.T) {
		a := Quantity{Value: drawPositive(t, "a"), Unit: drawUnit(t, "a_unit", units...)}
		b := Quantity{Value: drawPositive(t, "b"), Unit: drawUnit(t, "b_unit", units...)}
		if rapid.Bool().Draw(t, "neg") {
			a.Value = a.Value.Neg()
		}
		c, err := a.Cmp(b)
		wantC, wantErr := exactOf(a).cmp(exactOf(b))
		if c != wantC || (err == nil) != (wantErr == nil) {
			t.Fatalf("%v cmp %v = %d %v, decimal %d %v", a, b, c, err, wantC, wantErr)
		}
		agree := func(op string, got Quantity, err error, want rq, wantErr error) {
			if (err == nil) != (wantErr == nil) {
				t.Fatalf("%v %s %v: error %v, decimal %v", a, op, b, err, wantErr)
			}
			if err == nil && !reflect.DeepEqual(got, want.quantity()) {
				t.Fatalf("%v %s %v = %#v, decimal %#v", a, op, b, got, want.quantity())
			}
		}
		x := Quantity{Value: drawPositive(t, "x"), Unit: drawUnit(t, "x_unit", units...)}
		c, err = x.CmpProduct(a, b)
		p, pErr := exactOf(a).mul(exactOf(b))
		if pErr == nil {
			wantC, wantErr = exactOf(x).cmp(p)
		} else {
			wantErr = pErr
		}
		if c != wantC || (err == nil) != (wantErr == nil) {
			t.Fatalf("%v cmp %v × %v = %d %v, decimal %d %v", x, a, b, c, err, wantC, wantErr)
		}
		got, err := a.Convert(b.Unit)
		want, wantErr := exactOf(a).to(b.Unit)
		agree("in", got, err, want, wantErr)
		got, err = a.Mul(b)
		want, wantErr = exactOf(a).mul(exactOf(b))
		agree("×", got, err, want, wantErr)
		got, err = a.Div(b)
		want, wantErr = exactOf(a).div(exactOf(b))
		agree("÷", got, err, want, wantErr)
	})
}

// splitAmountIn finds the same split as looking for every word in turn.
func TestSplitAmountInAgrees(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[0-9 inpeINPER/mgL]{0,14}`).Draw(t, "s")
		a, b, ok := splitAmountIn(s)
		var wa, wb string
		wok := false
		for _, sep := range inSeps {
			if x, y, found := strings.Cut(s, sep); found {
				wa, wb, wok = strings.TrimSpace(x), strings.TrimSpace(y), true
				break
			}
		}
		if !wok {
			if i := strings.IndexByte(s, '/'); i > 0 && i+1 < len(s) {
				if rest := strings.TrimSpace(s[i+1:]); rest != "" && isDigit(rest[0]) {
					wa, wb, wok = strings.TrimSpace(s[:i]), rest, true
				}
			}
		}
		if a != wa || b != wb || ok != wok {
			t.Fatalf("%q split as %q %q %v, want %q %q %v", s, a, b, ok, wa, wb, wok)
		}
	})
}

// The benchmark's line takes the integer path, and a line it cannot take still comes out.
func TestVolumeFastTaken(t *testing.T) {
	in := VolumeInput{Dose: MustParse("1087.5 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.2 mL"),
		Guards: testGuards().Prepare()}
	if _, ok := volumeFast(in); !ok {
		t.Fatal("the usual line does not take the integer path")
	}
	if _, ok := doseFast(DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("72.5 kg")}); !ok {
		t.Fatal("the usual dose does not take the integer path")
	}
	long := in
	long.Dose = MustParse("1087.50000000000000000001 mg")
	if _, ok := volumeFast(long); ok {
		t.Fatal("a dose too long for an int64 takes the integer path")
	}
	v, err := Volume(long)
	if err != nil || Display(v.Volume) != "21.8 mL" {
		t.Fatalf("long dose: %v %v", v.Volume, err)
	}
}

// diffFields names the fields of two results of one type that differ, with both values: a
// decimal by its digits and exponent (two zeros may differ inside big.Int and still be the
// same number with the same exponent), anything else as reflect.DeepEqual sees it.
func diffFields(a, b any) string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	var out []string
	for i := range va.NumField() {
		x, y := va.Field(i).Interface(), vb.Field(i).Interface()
		if fmtAny(x) != fmtAny(y) || (fmtAny(x) == "" && !reflect.DeepEqual(x, y)) {
			out = append(out, va.Type().Field(i).Name+": "+fmtAny(va.Field(i).Interface())+" ≠ "+fmtAny(vb.Field(i).Interface()))
		}
	}
	return strings.Join(out, "\n")
}

func fmtAny(v any) string {
	switch x := v.(type) {
	case Quantity:
		return x.Value.String() + " e" + decimal.NewFromInt32(x.Value.Exponent()).String() + " " + x.Unit.String()
	case decimal.Decimal:
		return x.String() + " e" + decimal.NewFromInt32(x.Exponent()).String()
	case *Quantity:
		if x != nil {
			return "*" + fmtAny(*x)
		}
	case []string:
		return strings.Join(x, " | ")
	}
	return ""
}

func TestMLText(t *testing.T) {
	if string(mlText) != unitML.String() {
		t.Fatalf("mL is spelled %q", unitML.String())
	}
}

// appendFx writes what appendDigits writes from the coefficient's digits, grouped or not, for
// every coefficient and exponent, trailing zeros and long fractions included.
func TestAppendFxAgrees(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c := rapid.OneOf(rapid.Int64Range(-99999, 99999), rapid.Int64(),
			rapid.SampledFrom([]int64{0, 1, 10, 1000, 1000000, -1000, minInt64, maxInt64})).Draw(t, "c")
		e := rapid.OneOf(rapid.Int32Range(-40, 40), rapid.Int32Range(-6, 3)).Draw(t, "e")
		x := fx{c: c, e: e}
		for _, group := range []bool{true, false} {
			var want []byte
			if c < 0 {
				want = append(want, '-')
			}
			want = appendDigits(want, strconv.AppendUint(nil, abs64(c), 10), int(e), group)
			if c == 0 {
				want = []byte("0")
			}
			got := string(appendFx(nil, x, group))
			// Written after what b holds, which stays as it was.
			prefixed := string(appendFx([]byte("= "), x, group))
			if got != string(want) || prefixed != "= "+got {
				t.Fatalf("%d e%d (group %v): %q, digits %q", c, e, group, got, want)
			}
		}
	})
}

// Every common spelling is found by the switch at its own index, and is the unit parsing gives.
func TestCommonUnits(t *testing.T) {
	for i, s := range commonUnitSpellings {
		u, err := parseUnit(s)
		if err != nil || commonUnit(s) != i || commonUnits[i] != u {
			t.Errorf("%q: index %d, unit %v (%v)", s, commonUnit(s), commonUnits[i], err)
		}
	}
	if commonUnit("ML") != -1 || commonUnit("mg ") != -1 {
		t.Error("a spelling that is not common is found")
	}
}

// A range holds a value on integers exactly when comparing in decimal puts it inside.
func TestRangeHoldsAgrees(t *testing.T) {
	t.Parallel()
	units := []string{"kg", "g", "lb", "mL", "cm"}
	rapid.Check(t, func(t *rapid.T) {
		q := Quantity{Value: drawPositive(t, "q"), Unit: drawUnit(t, "q_unit", units...)}
		var r Range
		if rapid.Bool().Draw(t, "has_min") {
			r.Min = &Quantity{Value: drawPositive(t, "min"), Unit: drawUnit(t, "min_unit", units...)}
		}
		if rapid.Bool().Draw(t, "has_max") {
			r.Max = &Quantity{Value: drawPositive(t, "max"), Unit: drawUnit(t, "max_unit", units...)}
		}
		a, ok := fqOf(q)
		if !ok {
			return
		}
		inside := true
		for _, b := range []*Quantity{r.Min, r.Max} {
			if b == nil {
				continue
			}
			c, err := exactOf(q).cmp(exactOf(*b))
			if err != nil || (b == r.Min && c < 0) || (b == r.Max && c > 0) {
				inside = false
			}
		}
		if r.holds(&a) && !inside {
			t.Fatalf("%v held in %v", q, r)
		}
		if w, err := r.check("weight", q); inside != (w == nil && err == nil) {
			t.Fatalf("%v in %v: inside %v, check %v %v", q, r, inside, w, err)
		}
	})
}

// only is true for exactly one atom of the dimension to the first power in the numerator.
func TestUnitOnly(t *testing.T) {
	for _, s := range []string{"mL", "L", "mg", "mL/h", "mL2", "1/mL", "mg/mL", "units", "mcL", "m2", "kg"} {
		u := MustParseUnit(s)
		for d := range numDims {
			var p Unit
			p.setPos(d, factor{dimFirst[d] + 1, 1})
			if got, want := u.only(d), u.SameDimension(p); got != want {
				t.Errorf("%s only %s = %v, want %v", s, dimNames[d], got, want)
			}
		}
	}
}

// A deviation limit changed after Prepare is the one a volume is judged by.
func TestLimitChangedAfterPrepare(t *testing.T) {
	g := testGuards().Prepare()
	in := VolumeInput{Dose: MustParse("1087.5 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.2 mL"), Guards: g}
	if v, err := Volume(in); err != nil || v.DeviationLevel != 0 {
		t.Fatalf("+0.2%% at 5%%: level %d, %v", v.DeviationLevel, err)
	}
	g.DeviationWarn = decimalOf("0.1")
	if v, err := Volume(in); err != nil || v.DeviationLevel != 1 || len(v.Warnings) != 1 {
		t.Fatalf("+0.2%% at 0.1%%: level %d, warnings %v, %v", v.DeviationLevel, v.Warnings, err)
	}
}

// parseUsual reads what parseAny reads, coefficient, exponent and unit, or steps aside; the
// inputs mix usual quantities with near misses (no space, two spaces, a comma, an exponent,
// "/dose", an amount in a volume, a unit in other case).
func TestParseUsualAgrees(t *testing.T) {
	t.Parallel()
	units := append(commonUnitSpellings[:], "ml", "MG", "mg/kg/dose", "mg in 5 mL", "mg/5 mL", "%", "units/kg", "", " mg", "mg ")
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringMatching(`[0-9]{0,20}(\.[0-9]{0,12})?([ ,eE]{0,2}[0-9]{0,2})?`).Draw(t, "number") +
			rapid.SampledFrom([]string{" ", "", "  "}).Draw(t, "space") + rapid.SampledFrom(units).Draw(t, "unit")
		q, ok := parseUsual(s)
		want, err := parseAny(s)
		if !ok {
			return
		}
		if err != nil || !reflect.DeepEqual(q, want) {
			t.Fatalf("%q: %#v, parseAny %#v (%v)", s, q, want, err)
		}
	})
	for _, s := range []string{"15 mg/kg", "72.5 kg", "50 mg/mL", "0.2 mL", "0 mg", "0.00 mL"} {
		if _, ok := parseUsual(s); !ok {
			t.Errorf("%q is not read as a usual quantity", s)
		}
	}
}

// A value or a pair of units whose slot in a table another one holds is worked out without
// allocating, however often it comes: the tables never churn.
func TestTablesTakenSlotsDoNotAllocate(t *testing.T) {
	const e = -3
	holder := int64(1)
	newDecimal(holder, e)
	var other int64
	for c := int64(2); c < smallMax; c++ {
		if m := madeDecimals[madeSlot(c, e)].Load(); madeSlot(c, e) == madeSlot(holder, e) && m != nil && m.c != c {
			other = c
			break
		}
	}
	if other == 0 {
		t.Fatal("no value found sharing a slot")
	}
	newDecimal(other, e) // its coefficient is made once
	if n := testing.AllocsPerRun(100, func() { _ = newDecimal(other, e) }); n != 0 {
		t.Errorf("newDecimal(%d, %d) in a taken slot allocates %v times", other, e, n)
	}

	var units []Unit
	for _, s := range []string{"mg", "g", "kg", "mcg", "mL", "L", "units", "mEq", "mmol", "mg/kg", "mg/mL",
		"mcg/kg/min", "mg/m2", "units/mL", "mcg/mL", "mL/h", "h", "min", "mg/kg/h", "mcg/kg", "g/L", "mmol/L", "m2", "day"} {
		units = append(units, MustParseUnit(s))
	}
	var scratch unitProduct
	for _, a := range units {
		for _, b := range units {
			productOf(a, b, &scratch) // into the table if its slot is free
			if p := productOf(a, b, &scratch); p != &scratch || p.set {
				continue // in the table, or a ratio to work out in decimal (which allocates)
			}
			x, y := fq{n: fxOne, d: fxOne, u: a}, fq{n: fxOne, d: fxOne, u: b}
			if n := testing.AllocsPerRun(100, func() { x.mul(&y) }); n != 0 {
				t.Errorf("%s × %s in a taken slot allocates %v times", a, b, n)
			}
			return
		}
	}
	t.Fatal("no pair of units found whose slot another pair holds")
}
