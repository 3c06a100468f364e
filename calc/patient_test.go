package calc

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestBSA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		weight, height string
		formula        BSAFormula
		exact3, bsa    string // exact to 3 places (the worked examples' check), rounded
	}{
		{"75 kg", "175 cm", Mosteller, "1.909", "1.91 m2"},
		{"75 kg", "175 cm", DuBois, "1.903", "1.9 m2"},
		{"75 kg", "175 cm", Haycock, "1.917", "1.92 m2"},
		{"75 kg", "175 cm", "", "1.909", "1.91 m2"},
		{"165.3466966 lb", "68.8976378 in", Mosteller, "1.909", "1.91 m2"},
		{"3.5 kg", "50 cm", Mosteller, "0.220", "0.22 m2"},
		{"100 kg", "1.8 m", Mosteller, "2.236", "2.24 m2"},
	}
	for _, tt := range tests {
		t.Run(string(tt.formula)+" "+tt.weight+" "+tt.height, func(t *testing.T) {
			res, err := BSA(MustParse(tt.weight), MustParse(tt.height), tt.formula)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Exact.Value.Round(3).StringFixed(3); got != tt.exact3 {
				t.Errorf("exact BSA %s rounds to %s, want %s", res.Exact, got, tt.exact3)
			}
			wantQ(t, "bsa", res.BSA, tt.bsa)
			if n := res.Exact.Value.NumDigits(); n < 20 {
				t.Errorf("exact BSA %s has %d digits, want ≥ 20", res.Exact, n)
			}
		})
	}
	t.Run("Mosteller digits", func(t *testing.T) {
		// √(175 × 75 / 3600) = √3.6458333… = 1.909406539564933336078… (independently: 1.9094065395649333²
		// ≈ 3.645833333).
		res, _ := BSA(MustParse("75 kg"), MustParse("175 cm"), Mosteller)
		want := decimalOf("1.90940653956493333607835")
		if !res.Exact.Value.Equal(want) {
			t.Errorf("exact = %s, want %s", res.Exact.Value, want)
		}
	})
	for _, tt := range []struct {
		name, weight, height string
		formula              BSAFormula
		field, code          string
	}{
		{"unknown formula", "75 kg", "175 cm", "boyd", "formula", CodeInvalid},
		{"height in metres typed as m for cm", "75 kg", "175 m", Mosteller, "height", CodeOutOfRange},
		{"height as mass", "75 kg", "175 kg", Mosteller, "height", CodeWrongDimension},
		{"zero weight", "0 kg", "175 cm", Mosteller, "weight", CodeNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := BSA(MustParse(tt.weight), MustParse(tt.height), tt.formula)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

// TestBSAPowerPrecision checks decimal's fractional power, used for DuBois and Haycock,
// against an independent exp(y·ln x) to 24 decimal places, and the Mosteller root by squaring.
func TestBSAPowerPrecision(t *testing.T) {
	t.Parallel()
	exps := []decimal.Decimal{duboisH, duboisW, haycockH, haycockW}
	rapid.Check(t, func(t *rapid.T) {
		x := decimal.New(rapid.Int64Range(5, 3000).Draw(t, "x tenths"), -1)
		y := exps[rapid.IntRange(0, len(exps)-1).Draw(t, "exponent")]
		got, err := x.PowWithPrecision(y, bsaPlaces)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := x.Ln(bsaPlaces + 10)
		if err != nil {
			t.Fatal(err)
		}
		ref, err := ln.Mul(y).ExpTaylor(bsaPlaces + 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := got.Sub(ref).Abs(); diff.GreaterThan(decimal.New(1, -24)) {
			t.Fatalf("%s^%s = %s, independent %s (diff %s)", x, y, got, ref, diff)
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		w := decimal.New(rapid.Int64Range(5, 3000).Draw(t, "w tenths"), -1)
		h := decimal.New(rapid.Int64Range(300, 2500).Draw(t, "h tenths"), -1)
		res, err := BSA(Quantity{Value: w, Unit: unitKg}, Quantity{Value: h, Unit: unitCm}, Mosteller)
		if err != nil {
			t.Fatal(err)
		}
		sq := res.Exact.Value.Mul(res.Exact.Value)
		x := w.Mul(h).DivRound(n3600, 40)
		if diff := sq.Sub(x).Abs(); diff.GreaterThan(decimal.New(1, -20)) {
			t.Fatalf("BSA² = %s, want %s", sq, x)
		}
	})
}

func TestIdealBodyWeight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		height      string
		sex         Sex
		exact, ibw  string
		warnUnder60 bool
	}{
		{"160 cm", Female, "52.3818897637795275590551 kg", "52.4 kg", false},
		{"160 cm", Male, "56.8818897637795275590551 kg", "56.9 kg", false},
		{"70 in", Male, "73 kg", "73 kg", false},
		{"60 in", Female, "45.5 kg", "45.5 kg", false},
		{"150 cm", Male, "47.8267716535433070866142 kg", "47.8 kg", true},
	}
	for _, tt := range tests {
		t.Run(tt.height+" "+string(tt.sex), func(t *testing.T) {
			res, err := IdealBodyWeight(MustParse(tt.height), tt.sex)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "exact", res.Exact, tt.exact)
			wantQ(t, "ibw", res.Weight, tt.ibw)
			if (len(res.Warnings) > 0) != tt.warnUnder60 {
				t.Errorf("warnings = %v", res.Warnings)
			}
			wantStep(t, res.Steps, "IBW (Devine, "+string(tt.sex)+")")
		})
	}
	_, err := IdealBodyWeight(MustParse("160 cm"), "x")
	wantErr(t, err, "sex", CodeInvalid)
	_, err = IdealBodyWeight(MustParse("160 kg"), Male)
	wantErr(t, err, "height", CodeWrongDimension)
}

func TestAdjustedBodyWeight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		actual, ideal string
		factor        string
		want          string
		warn          bool
	}{
		{"80 kg", "52.3818897637795275590551 kg", "0", "63.4 kg", false},
		{"50 kg", "40 kg", "0.4", "44 kg", false},
		{"150 kg", "75 kg", "0.3", "97.5 kg", false},
		{"40 kg", "50 kg", "0", "46 kg", true},
	}
	for _, tt := range tests {
		t.Run(tt.actual+" "+tt.ideal, func(t *testing.T) {
			res, err := AdjustedBodyWeight(MustParse(tt.actual), MustParse(tt.ideal), decimalOf(tt.factor))
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "abw", res.Weight, tt.want)
			if (len(res.Warnings) > 0) != tt.warn {
				t.Errorf("warnings = %v", res.Warnings)
			}
		})
	}
	_, err := AdjustedBodyWeight(MustParse("80 kg"), MustParse("50 kg"), decimalOf("1.5"))
	wantErr(t, err, "adjustment_factor", CodeOutOfRange)
	_, err = AdjustedBodyWeight(MustParse("80 kg"), MustParse("50 mL"), decimal.Zero)
	wantErr(t, err, "ideal_weight", CodeWrongDimension)
}

func TestCreatinineClearance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		in           CrClInput
		exact, crcl  string
		weightUsed   string
		wantWarnings int
	}{
		{"male actual", CrClInput{Age: decimalOf("40"), Sex: Male, Weight: MustParse("80 kg"), SerumCreatinine: MustParse("1 mg/dL")},
			"111.111111111111111111111 mL/min", "111 mL/min", "80 kg", 0},
		{"female × 0.85", CrClInput{Age: decimalOf("60"), Sex: Female, Weight: MustParse("60 kg"), SerumCreatinine: MustParse("0.5 mg/dL")},
			"113.333333333333333333333 mL/min", "113 mL/min", "60 kg", 0},
		{"half rounds away", CrClInput{Age: decimalOf("68"), Sex: Male, Weight: MustParse("50 kg"), SerumCreatinine: MustParse("0.5 mg/dL")},
			"100 mL/min", "100 mL/min", "50 kg", 0},
		{"tie at .5", CrClInput{Age: decimalOf("139"), Sex: Male, Weight: MustParse("36 kg"), SerumCreatinine: MustParse("1 mg/dL")},
			"0.5 mL/min", "1 mL/min", "36 kg", 0},
		{"micromol/L", CrClInput{Age: decimalOf("40"), Sex: Male, Weight: MustParse("80 kg"), SerumCreatinine: MustParse("88.42 micromol/L")},
			"111.088111428520950133596 mL/min", "111 mL/min", "80 kg", 0},
		{"ideal weight", CrClInput{Age: decimalOf("40"), Sex: Male, Weight: MustParse("150 kg"), SerumCreatinine: MustParse("1 mg/dL"),
			Basis: IdealWeight, Height: qp("70 in")}, "101.388888888888888888889 mL/min", "101 mL/min", "73 kg", 0},
		{"adjusted weight", CrClInput{Age: decimalOf("40"), Sex: Male, Weight: MustParse("150 kg"), SerumCreatinine: MustParse("1 mg/dL"),
			Basis: AdjustedWeight, Height: qp("70 in")}, "144.166666666666666666667 mL/min", "144 mL/min", "103.8 kg", 0},
		{"adolescent warns", CrClInput{Age: decimalOf("16"), Sex: Female, Weight: MustParse("50 kg"), SerumCreatinine: MustParse("0.6 mg/dL")},
			"121.990740740740740740741 mL/min", "122 mL/min", "50 kg", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := CreatinineClearance(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got := res.Exact
			want := MustParse(tt.exact)
			if !got.Value.Sub(want.Value).Abs().LessThan(decimal.New(1, -20)) || got.Unit != want.Unit {
				t.Errorf("exact = %s, want %s", got, want)
			}
			wantQ(t, "crcl", res.CrCl, tt.crcl)
			wantQ(t, "weight used", res.WeightUsed, tt.weightUsed)
			if len(res.Warnings) != tt.wantWarnings {
				t.Errorf("warnings = %v", res.Warnings)
			}
			wantStep(t, res.Steps, "Cockcroft–Gault")
		})
	}
	base := CrClInput{Age: decimalOf("40"), Sex: Male, Weight: MustParse("80 kg"), SerumCreatinine: MustParse("1 mg/dL")}
	for _, tt := range []struct {
		name        string
		mod         func(*CrClInput)
		field, code string
	}{
		{"age 0", func(c *CrClInput) { c.Age = decimal.Zero }, "age", CodeNotPositive},
		{"age 140", func(c *CrClInput) { c.Age = decimalOf("140") }, "age", CodeOutOfRange},
		{"no sex", func(c *CrClInput) { c.Sex = "" }, "sex", CodeInvalid},
		{"scr 0", func(c *CrClInput) { c.SerumCreatinine = MustParse("0 mg/dL") }, "serum_creatinine", CodeNotPositive},
		{"scr mass only", func(c *CrClInput) { c.SerumCreatinine = MustParse("1.1 mg") }, "serum_creatinine", CodeWrongDimension},
		{"ideal needs height", func(c *CrClInput) { c.Basis = IdealWeight }, "height", CodeMissing},
		{"unknown basis", func(c *CrClInput) { c.Basis = "lean" }, "weight_basis", CodeInvalid},
		{"weight in mL", func(c *CrClInput) { c.Weight = MustParse("80 mL") }, "weight", CodeWrongDimension},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			tt.mod(&in)
			_, err := CreatinineClearance(in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestCarboplatin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, auc, gfr string
		gfrCap         *Quantity
		dose           string
		capped         bool
	}{
		{"classic", "5", "100 mL/min", nil, "625 mg", false},
		{"low GFR", "4", "30 mL/min", nil, "220 mg", false},
		{"capped at 125", "5", "140 mL/min", nil, "750 mg", true},
		{"at the cap", "5", "125 mL/min", nil, "750 mg", false},
		{"site cap 150", "5", "140 mL/min", qp("150 mL/min"), "825 mg", false},
		{"GFR in L/h", "5", "6 L/h", nil, "625 mg", false},
		{"non-terminating GFR", "6", "100 mL/h", nil, "160 mg", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Carboplatin(decimalOf(tt.auc), MustParse(tt.gfr), tt.gfrCap)
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "non-terminating GFR" {
				// 6 × (100/60 + 25) = 160 exactly: the fraction is kept until the end.
				if !res.Dose.Value.Equal(decimalOf("160")) {
					t.Errorf("dose = %s, want exactly 160 mg", res.Dose)
				}
				return
			}
			wantQ(t, "dose", res.Dose, tt.dose)
			if res.Capped != tt.capped {
				t.Errorf("capped = %v", res.Capped)
			}
		})
	}
	_, err := Carboplatin(decimal.Zero, MustParse("100 mL/min"), nil)
	wantErr(t, err, "auc", CodeNotPositive)
	_, err = Carboplatin(decimalOf("5"), MustParse("100 mL"), nil)
	wantErr(t, err, "gfr", CodeWrongDimension)
	_, err = Carboplatin(decimalOf("5"), MustParse("100 mL/min"), qp("0 mL/min"))
	wantErr(t, err, "gfr_cap", CodeNotPositive)
}
