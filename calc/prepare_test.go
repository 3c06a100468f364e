package calc

import (
	"testing"

	"github.com/shopspring/decimal"
	"pgregory.net/rapid"
)

func TestDilution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c1, c2, v2     string
		stock, diluent string
	}{
		{"5 mg/mL", "3 mg/mL", "100 mL", "60 mL", "40 mL"},
		{"3 mg/mL", "1 mg/mL", "100 mL", "33.3333333333333333333333 mL", "66.6666666666666666666667 mL"},
		{"23.4%", "3%", "500 mL", "64.1025641025641025641026 mL", "435.897435897435897435897 mL"},
		{"10 mg/mL", "10 mg/mL", "50 mL", "50 mL", "0 mL"},
		{"0.5 g/mL", "50 mg/mL", "100 mL", "10 mL", "90 mL"},
		{"5 mg/mL", "3 mg/mL", "1 L", "600 mL", "400 mL"},
		{"1000 units/mL", "100 units/mL", "10 mL", "1 mL", "9 mL"},
	}
	for _, tt := range tests {
		t.Run(tt.c1+"→"+tt.c2, func(t *testing.T) {
			res, err := Dilution(DilutionInput{MustParse(tt.c1), MustParse(tt.c2), MustParse(tt.v2)})
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "stock", res.StockVolume, tt.stock)
			wantQ(t, "diluent", res.DiluentVolume, tt.diluent)
			wantStep(t, res.Steps, "C2 × V2 ÷ C1")
		})
	}
	for _, tt := range []struct {
		name, c1, c2, v2 string
		field, code      string
	}{
		{"concentrating", "5 mg/mL", "6 mg/mL", "100 mL", "final_concentration", CodeOutOfRange},
		{"different dimensions", "5 mg/mL", "6 units/mL", "100 mL", "final_concentration", CodeWrongDimension},
		{"final volume a mass", "5 mg/mL", "3 mg/mL", "100 mg", "final_volume", CodeWrongDimension},
		{"stock not a concentration", "5 mg", "3 mg", "100 mL", "stock_concentration", CodeWrongDimension},
		{"zero final", "5 mg/mL", "0 mg/mL", "100 mL", "final_concentration", CodeNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dilution(DilutionInput{MustParse(tt.c1), MustParse(tt.c2), MustParse(tt.v2)})
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

// TestDilutionProperty: C1 × V1 = C2 × V2, exactly when the quotient terminates within
// SignificantDigits digits, else to that precision; and V1 + diluent = V2.
func TestDilutionProperty(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		c2 := decimal.New(rapid.Int64Range(1, 100000).Draw(t, "c2"), -2)
		c1 := c2.Add(decimal.New(rapid.Int64Range(0, 100000).Draw(t, "extra"), -2))
		v2 := decimal.New(rapid.Int64Range(1, 100000).Draw(t, "v2"), -1)
		res, err := Dilution(DilutionInput{
			Quantity{c1, unitMgPerML}, Quantity{c2, unitMgPerML}, Quantity{v2, unitML}})
		if err != nil {
			t.Fatal(err)
		}
		lhs := c1.Mul(res.StockVolume.Value)
		rhs := c2.Mul(v2)
		if !lhs.Equal(rhs) {
			if fitsExactly(rhs, c1) {
				t.Fatalf("terminating V1 %s: C1×V1 = %s ≠ C2×V2 = %s", res.StockVolume, lhs, rhs)
			}
			if lhs.Sub(rhs).Abs().GreaterThan(rhs.Mul(decimal.New(1, -(SignificantDigits - 1)))) {
				t.Fatalf("C1×V1 = %s, C2×V2 = %s", lhs, rhs)
			}
		}
		sum := res.StockVolume.Value.Add(res.DiluentVolume.Value)
		if sum.Sub(v2).Abs().GreaterThan(v2.Mul(decimal.New(1, -(SignificantDigits - 2)))) {
			t.Fatalf("V1 + diluent = %s, want %s", sum, v2)
		}
	})
}

// fitsExactly reports whether n ÷ d terminates within SignificantDigits significant digits.
func fitsExactly(n, d decimal.Decimal) bool {
	q := n.DivRound(d, 100)
	return q.Mul(d).Equal(n) && q.Normalize().NumDigits() <= SignificantDigits
}

func TestReconstitution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		in                   ReconstitutionInput
		final, conc, diluent string
		step                 string
	}{
		{"diluent given", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL"), DiluentVolume: qp("9.5 mL")},
			"10 mL", "100 mg/mL", "9.5 mL", "concentration = 1,000 mg ÷ 10 mL = 100 mg/mL"},
		{"non-terminating", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.4 mL"), DiluentVolume: qp("10 mL")},
			"10.4 mL", "96.1538461538461538461538 mg/mL", "10 mL", "≈ 96.15384615 mg/mL"},
		{"no displacement", ReconstitutionInput{Amount: MustParse("500 mg"), Displacement: MustParse("0 mL"), DiluentVolume: qp("10 mL")},
			"10 mL", "50 mg/mL", "10 mL", ""},
		{"target", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL"), TargetConcentration: qp("100 mg/mL")},
			"10 mL", "100 mg/mL", "9.5 mL", "diluent to add = 10 mL − 0.5 mL"},
		{"units target", ReconstitutionInput{Amount: MustParse("5 million units"), Displacement: MustParse("2 mL"),
			TargetConcentration: qp("500000 units/mL")}, "10 mL", "500000 units/mL", "8 mL", ""},
		{"target in g/mL", ReconstitutionInput{Amount: MustParse("2 g"), Displacement: MustParse("1.4 mL"),
			TargetConcentration: qp("0.1 g/mL")}, "20 mL", "100 mg/mL", "18.6 mL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Reconstitution(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "final volume", res.FinalVolume, tt.final)
			wantQ(t, "concentration", res.Concentration, tt.conc)
			wantQ(t, "diluent", res.DiluentVolume, tt.diluent)
			if tt.step != "" {
				wantStep(t, res.Steps, tt.step)
			}
		})
	}
	for _, tt := range []struct {
		name        string
		in          ReconstitutionInput
		field, code string
	}{
		{"both", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL"), DiluentVolume: qp("9.5 mL"),
			TargetConcentration: qp("100 mg/mL")}, "target_concentration", CodeConflict},
		{"neither", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL")}, "diluent_volume", CodeMissing},
		{"unreachable target", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL"),
			TargetConcentration: qp("5 g/mL")}, "target_concentration", CodeOutOfRange},
		{"amount a volume", ReconstitutionInput{Amount: MustParse("10 mL"), Displacement: MustParse("0.5 mL"), DiluentVolume: qp("9.5 mL")},
			"amount", CodeWrongDimension},
		{"negative displacement", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("-0.5 mL"), DiluentVolume: qp("9.5 mL")},
			"displacement", CodeNotPositive},
		{"target of another dimension", ReconstitutionInput{Amount: MustParse("1 g"), Displacement: MustParse("0.5 mL"),
			TargetConcentration: qp("100 units/mL")}, "target_concentration", CodeWrongDimension},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Reconstitution(tt.in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestInfusionRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          InfusionInput
		exact, rate string
	}{
		{"dopamine mcg/kg/min", InfusionInput{DoseRate: qp("5 mcg/kg/min"), Weight: qp("70 kg"), Concentration: qp("1600 mcg/mL")},
			"13.125 mL/h", "13.1 mL/h"},
		// Public dose-rate tables list 81 mL/h here; the arithmetic gives 72.
		{"epinephrine table trap", InfusionInput{DoseRate: qp("0.12 mcg/kg/min"), Weight: qp("40 kg"), Concentration: qp("4 mcg/mL")},
			"72 mL/h", "72 mL/h"},
		// ... and 7.2 mL/h here; the arithmetic gives 6.75.
		{"dopamine table trap", InfusionInput{DoseRate: qp("6 mcg/kg/min"), Weight: qp("30 kg"), Concentration: qp("1600 mcg/mL")},
			"6.75 mL/h", "6.8 mL/h"},
		{"heparin units/kg/h", InfusionInput{DoseRate: qp("18 units/kg/h"), Weight: qp("80 kg"), Concentration: qp("100 units/mL")},
			"14.4 mL/h", "14.4 mL/h"},
		{"mg/min", InfusionInput{DoseRate: qp("1 mg/min"), Concentration: qp("1.8 mg/mL")}, "33.3333333333333333333333 mL/h", "33.3 mL/h"},
		{"mcg/min in mg/mL", InfusionInput{DoseRate: qp("8 mcg/min"), Concentration: qp("0.016 mg/mL")}, "30 mL/h", "30 mL/h"},
		{"tie rounds away", InfusionInput{DoseRate: qp("49 mg/h"), Concentration: qp("4 mg/mL")}, "12.25 mL/h", "12.3 mL/h"},
		{"milliunits", InfusionInput{DoseRate: qp("2 milliunits/min"), Concentration: qp("0.06 units/mL")}, "2 mL/h", "2 mL/h"},
		{"already mL/h", InfusionInput{DoseRate: qp("20 mL/h")}, "20 mL/h", "20 mL/h"},
		{"volume over duration", InfusionInput{Volume: qp("1000 mL"), Duration: qp("8 h")}, "125 mL/h", "125 mL/h"},
		{"volume over minutes", InfusionInput{Volume: qp("100 mL"), Duration: qp("30 min")}, "200 mL/h", "200 mL/h"},
		{"weight in lb", InfusionInput{DoseRate: qp("5 mcg/kg/min"), Weight: qp("154 lb"), Concentration: qp("1600 mcg/mL")},
			"13.09747968375 mL/h", "13.1 mL/h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := InfusionRate(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "exact", res.Exact, MustParse(tt.exact).String())
			wantQ(t, "rate", res.Rate, tt.rate)
		})
	}
	for _, tt := range []struct {
		name        string
		in          InfusionInput
		field, code string
	}{
		{"no time", InfusionInput{DoseRate: qp("5 mg"), Concentration: qp("1 mg/mL")}, "dose_rate", CodeWrongDimension},
		{"no weight", InfusionInput{DoseRate: qp("5 mcg/kg/min"), Concentration: qp("1600 mcg/mL")}, "weight", CodeMissing},
		{"no concentration", InfusionInput{DoseRate: qp("5 mcg/min")}, "concentration", CodeMissing},
		{"wrong concentration", InfusionInput{DoseRate: qp("5 mcg/kg/min"), Weight: qp("70 kg"), Concentration: qp("100 units/mL")},
			"concentration", CodeWrongDimension},
		{"per m2", InfusionInput{DoseRate: qp("5 mg/m2/h"), Concentration: qp("1 mg/mL")}, "dose_rate", CodeInvalid},
		{"nothing", InfusionInput{}, "dose_rate", CodeMissing},
		{"volume without duration", InfusionInput{Volume: qp("100 mL")}, "duration", CodeMissing},
		{"rounds to zero", InfusionInput{DoseRate: qp("1 mcg/h"), Concentration: qp("1 mg/mL")}, "dose_rate", CodeOutOfRange},
		{"negative", InfusionInput{DoseRate: qp("-1 mg/h"), Concentration: qp("1 mg/mL")}, "dose_rate", CodeNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := InfusionRate(tt.in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestDripRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		volume, duration, factor string
		exact, rate              string
	}{
		{"1000 mL", "8 h", "15 gtt/mL", "31.25 gtt/min", "31 gtt/min"},
		{"100 mL", "30 min", "20 gtt/mL", "66.6666666666666666666667 gtt/min", "67 gtt/min"},
		{"500 mL", "4 h", "60 gtt/mL", "125 gtt/min", "125 gtt/min"},
		{"50 mL", "200 min", "10 gtt/mL", "2.5 gtt/min", "3 gtt/min"},
		{"1 L", "1 day", "20 gtt/mL", "13.8888888888888888888889 gtt/min", "14 gtt/min"},
	}
	for _, tt := range tests {
		t.Run(tt.volume+" "+tt.duration, func(t *testing.T) {
			res, err := DripRate(DripInput{MustParse(tt.volume), MustParse(tt.duration), MustParse(tt.factor)})
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "exact", res.Exact, tt.exact)
			wantQ(t, "rate", res.Rate, tt.rate)
		})
	}
	for _, tt := range []struct {
		name, volume, duration, factor string
		field, code                    string
	}{
		{"factor without per mL", "1000 mL", "8 h", "15 gtt", "drop_factor", CodeWrongDimension},
		{"duration a volume", "1000 mL", "8 mL", "15 gtt/mL", "duration", CodeWrongDimension},
		{"volume a mass", "1000 mg", "8 h", "15 gtt/mL", "volume", CodeWrongDimension},
		{"too slow for drops", "1 mL", "1 day", "10 gtt/mL", "duration", CodeOutOfRange},
		{"zero duration", "1 mL", "0 h", "10 gtt/mL", "duration", CodeNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DripRate(DripInput{MustParse(tt.volume), MustParse(tt.duration), MustParse(tt.factor)})
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

// TestVolumeProperty: volume × concentration reproduces the dose exactly before rounding, and
// a rounded volume is the nearest multiple of the increment.
func TestVolumeProperty(t *testing.T) {
	t.Parallel()
	incs := []string{"0.01 mL", "0.1 mL", "0.2 mL", "1 mL"}
	rapid.Check(t, func(t *rapid.T) {
		dose := Quantity{decimal.New(rapid.Int64Range(1, 10_000_000).Draw(t, "dose"), -3), unitMg}
		conc := Quantity{decimal.New(rapid.Int64Range(1, 1_000_000).Draw(t, "conc"), -3), unitMgPerML}
		res, err := Volume(VolumeInput{Dose: dose, Concentration: conc})
		if err != nil {
			t.Fatal(err)
		}
		if res.Delivered.Unit != dose.Unit || !res.Delivered.Value.Equal(dose.Value) {
			t.Fatalf("delivered %s, dose %s", res.Delivered, dose)
		}
		back := res.Exact.Value.Mul(conc.Value)
		if !back.Equal(dose.Value) {
			// Only a quotient that does not fit may miss, and then only in the last digits.
			if fitsExactly(dose.Value, conc.Value) {
				t.Fatalf("terminating %s × %s = %s ≠ %s", res.Exact, conc, back, dose)
			}
			if back.Sub(dose.Value).Abs().GreaterThan(dose.Value.Mul(decimal.New(1, -(SignificantDigits - 1)))) {
				t.Fatalf("%s × %s = %s, too far from %s", res.Exact, conc, back, dose)
			}
		}
		inc := MustParse(incs[rapid.IntRange(0, len(incs)-1).Draw(t, "inc")])
		r, err := Volume(VolumeInput{Dose: dose, Concentration: conc, RoundTo: &inc})
		if err != nil {
			return // rounds to zero: refused, which TestVolumeErrors covers
		}
		if !r.Volume.Value.Mod(inc.Value).IsZero() {
			t.Fatalf("%s is not a multiple of %s", r.Volume, inc)
		}
		if r.Volume.Value.Sub(res.Exact.Value).Abs().GreaterThan(inc.Value.Div(decimal.NewFromInt(2))) {
			t.Fatalf("%s is more than half of %s from %s", r.Volume, inc, res.Exact)
		}
	})
}
