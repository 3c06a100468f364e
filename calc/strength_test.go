package calc

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestStrength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, conc, percent, ratio string
	}{
		{"1:1000", "1 mg/mL", "0.1", "1000"},
		{"1:10000", "0.1 mg/mL", "0.01", "10000"},
		{"0.9%", "9 mg/mL", "0.9", "111.111111111111111111111"},
		{"50 mg/mL", "50 mg/mL", "5", "20"},
		{"1 g/L", "1 mg/mL", "0.1", "1000"},
		{"0 mg/mL", "0 mg/mL", "0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			res, err := Strength(MustParse(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "concentration", res.Concentration, tt.conc)
			if plain(res.Percent) != tt.percent {
				t.Errorf("percent = %s, want %s", plain(res.Percent), tt.percent)
			}
			switch {
			case tt.ratio == "" && res.Ratio != nil:
				t.Errorf("ratio = %s for a zero strength", res.Ratio)
			case tt.ratio != "" && (res.Ratio == nil || plain(*res.Ratio) != tt.ratio):
				t.Errorf("ratio = %v, want %s", res.Ratio, tt.ratio)
			}
		})
	}
	_, err := Strength(MustParse("5 units/mL"))
	wantErr(t, err, "strength", CodeWrongDimension)

	for _, tt := range []struct {
		pct   string
		basis Basis
		want  string
	}{
		{"0.9", WeightPerVolume, "9 mg/mL"}, {"0.9", "", "9 mg/mL"}, {"2", WeightPerWeight, "20 mg/g"}, {"70", VolumePerVolume, "700 mL/L"},
	} {
		q, err := PercentStrength(decimalOf(tt.pct), tt.basis)
		if err != nil {
			t.Fatal(err)
		}
		wantQ(t, "percent "+string(tt.basis), q, tt.want)
	}
	_, err = PercentStrength(decimalOf("1"), "x/y")
	wantErr(t, err, "basis", CodeInvalid)
	_, err = PercentStrength(decimalOf("-1"), WeightPerVolume)
	wantErr(t, err, "percent", CodeNotPositive)
}

func TestMilliequivalents(t *testing.T) {
	t.Parallel()
	t.Run("KCl 149 mg/mL is about 2 mEq/mL", func(t *testing.T) {
		res, err := MassToEquivalents(MustParse("149 mg/mL"), MustParse("74.55 g/mol"), decimalOf("1"))
		if err != nil {
			t.Fatal(err)
		}
		if res.MEq.Unit != MustParseUnit("mEq/mL") || res.MEq.Value.Sub(decimalOf("2")).Abs().GreaterThan(decimalOf("0.002")) {
			t.Errorf("mEq = %s, want ≈ 2 mEq/mL", res.MEq)
		}
		wantQ(t, "mEq", res.MEq, "1.99865861837692823608317 mEq/mL")
		wantQ(t, "mmol", res.MMol, "1.99865861837692823608317 mmol/mL")
	})
	t.Run("calcium chloride valence 2", func(t *testing.T) {
		res, err := MassToEquivalents(MustParse("1 g"), MustParse("147.02 g/mol"), decimalOf("2"))
		if err != nil {
			t.Fatal(err)
		}
		if !res.MEq.Value.Round(20).Equal(decimalOf("13.60359134811590259829")) {
			t.Errorf("mEq = %s", res.MEq)
		}
		wantQ(t, "mass", res.Mass, "1000 mg")
	})
	for _, tt := range []struct {
		name, amount, mm, valence string
		mass, meq, mmol           string
	}{
		{"KCl 20 mEq", "20 mEq", "74.55 g/mol", "1", "1491 mg", "20 mEq", "20 mmol"},
		{"phosphate in mmol", "10 mmol", "136.09 g/mol", "1", "1360.9 mg", "10 mEq", "10 mmol"},
		{"calcium gluconate", "4.65 mEq", "430.37 g/mol", "2", "1000.61025 mg", "4.65 mEq", "2.325 mmol"},
		{"per litre", "40 mEq/L", "74.55 g/mol", "1", "2982 mg/L", "40 mEq/L", "40 mmol/L"},
		{"in Eq", "0.02 Eq", "74.55 g/mol", "1", "1491 mg", "20 mEq", "20 mmol"},
		{"molar mass in mg/mmol", "20 mEq", "74.55 mg/mmol", "1", "1491 mg", "20 mEq", "20 mmol"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, err := EquivalentsToMass(MustParse(tt.amount), MustParse(tt.mm), decimalOf(tt.valence))
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "mass", res.Mass, tt.mass)
			wantQ(t, "mEq", res.MEq, tt.meq)
			wantQ(t, "mmol", res.MMol, tt.mmol)
		})
	}
	for _, tt := range []struct {
		name, amount, mm, valence string
		field, code               string
	}{
		{"valence 0", "20 mEq", "74.55 g/mol", "0", "valence", CodeNotPositive},
		{"valence 1.5", "20 mEq", "74.55 g/mol", "1.5", "valence", CodeOutOfRange},
		{"molar mass without per mol", "20 mEq", "74.55 g", "1", "molar_mass", CodeWrongDimension},
		{"amount is a mass", "20 mg", "74.55 g/mol", "1", "amount", CodeWrongDimension},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EquivalentsToMass(MustParse(tt.amount), MustParse(tt.mm), decimalOf(tt.valence))
			wantErr(t, err, tt.field, tt.code)
		})
	}
	_, err := MassToEquivalents(MustParse("20 mEq"), MustParse("74.55 g/mol"), decimalOf("1"))
	wantErr(t, err, "mass", CodeWrongDimension)
	// Converting mEq to mg without the chemistry is refused by the unit algebra itself.
	if _, err := MustParse("20 mEq").In("mg"); err == nil {
		t.Error("mEq converted to mg without molar mass and valence")
	}
}

func TestOsmolarity(t *testing.T) {
	t.Parallel()
	nacl := MustParse("58.44 g/mol")
	dextrose := MustParse("180.16 g/mol")
	tests := []struct {
		name         string
		comps        []OsmoleComponent
		limit        *Quantity
		exact, osmol string
		above        bool
	}{
		{"0.9% NaCl", []OsmoleComponent{{MustParse("0.9%"), &nacl, decimalOf("2")}}, nil,
			"308.008213552361396303901 mOsm/L", "308 mOsm/L", false},
		{"D5W", []OsmoleComponent{{MustParse("5%"), &dextrose, decimalOf("1")}}, nil,
			"277.531083481349911190053 mOsm/L", "278 mOsm/L", false},
		{"3% NaCl above the peripheral limit", []OsmoleComponent{{MustParse("3%"), &nacl, decimalOf("2")}}, nil,
			"1026.69404517453798767967 mOsm/L", "1027 mOsm/L", true},
		{"3% NaCl under a site limit", []OsmoleComponent{{MustParse("3%"), &nacl, decimalOf("2")}}, qp("1100 mOsm/L"),
			"1026.69404517453798767967 mOsm/L", "1027 mOsm/L", false},
		{"mmol per litre needs no molar mass", []OsmoleComponent{{MustParse("20 mmol/L"), nil, decimalOf("2")}}, nil,
			"40 mOsm/L", "40 mOsm/L", false},
		{"mixture", []OsmoleComponent{{MustParse("10%"), &dextrose, decimalOf("1")}, {MustParse("20 mmol/L"), nil, decimalOf("2")}}, nil,
			"595.062166962699822380107 mOsm/L", "595 mOsm/L", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Osmolarity(tt.comps, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "exact", res.Exact, tt.exact)
			wantQ(t, "osmolarity", res.Osmolarity, tt.osmol)
			if res.AboveLimit != tt.above || (len(res.Warnings) > 0) != tt.above {
				t.Errorf("above = %v, warnings %v", res.AboveLimit, res.Warnings)
			}
		})
	}
	for _, tt := range []struct {
		name        string
		comps       []OsmoleComponent
		limit       *Quantity
		field, code string
	}{
		{"none", nil, nil, "components", CodeMissing},
		{"mass without molar mass", []OsmoleComponent{{MustParse("0.9%"), nil, decimalOf("2")}}, nil, "molar_mass", CodeMissing},
		{"mEq/L", []OsmoleComponent{{MustParse("40 mEq/L"), nil, decimalOf("2")}}, nil, "concentration", CodeWrongDimension},
		{"zero particles", []OsmoleComponent{{MustParse("0.9%"), &nacl, decimal.Zero}}, nil, "particles", CodeNotPositive},
		{"limit not per volume", []OsmoleComponent{{MustParse("0.9%"), &nacl, decimalOf("2")}}, qp("900 mOsm"), "limit", CodeWrongDimension},
		{"second component named", []OsmoleComponent{{MustParse("0.9%"), &nacl, decimalOf("2")}, {MustParse("5%"), nil, decimalOf("1")}},
			nil, "components[1].molar_mass", CodeMissing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Osmolarity(tt.comps, tt.limit)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestAlligation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, stronger, weaker, target string
		total                          *Quantity
		ps, pw                         string
		vs                             string // volume of the stronger, to 6 places
	}{
		{"70% and 5% to 20%", "70%", "5%", "20%", qp("500 mL"), "3", "10", "115.384615"},
		{"D50 and D5 to D10", "50%", "5%", "10%", qp("1 L"), "1", "8", "111.111111"},
		{"with water", "23.4%", "0", "3%", nil, "5", "34", ""},
		{"mg/mL", "100 mg/mL", "10 mg/mL", "40 mg/mL", qp("90 mL"), "1", "2", "30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Alligation(MustParse(tt.stronger), MustParse(tt.weaker), MustParse(tt.target), tt.total)
			if err != nil {
				t.Fatal(err)
			}
			if plain(res.PartsStronger) != tt.ps || plain(res.PartsWeaker) != tt.pw {
				t.Errorf("parts = %s : %s, want %s : %s", res.PartsStronger, res.PartsWeaker, tt.ps, tt.pw)
			}
			if tt.vs == "" {
				if res.VolumeStronger != nil {
					t.Error("volumes without a total")
				}
				return
			}
			if got := res.VolumeStronger.Value.Round(6); !got.Equal(decimalOf(tt.vs)) {
				t.Errorf("volume of stronger = %s, want %s", res.VolumeStronger, tt.vs)
			}
			sum := res.VolumeStronger.Value.Add(res.VolumeWeaker.Value)
			total, _ := tt.total.Convert(unitML)
			if sum.Sub(total.Value).Abs().GreaterThan(decimal.New(1, -20)) {
				t.Errorf("volumes add to %s, want %s", sum, total)
			}
		})
	}
	for _, tt := range []struct {
		name, stronger, weaker, target string
		field, code                    string
	}{
		{"target above", "70%", "5%", "80%", "target", CodeOutOfRange},
		{"target equal to weaker", "70%", "5%", "5%", "target", CodeOutOfRange},
		{"weaker not weaker", "5%", "70%", "20%", "weaker", CodeOutOfRange},
		{"other dimension", "70%", "5%", "20 units/mL", "target", CodeWrongDimension},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Alligation(MustParse(tt.stronger), MustParse(tt.weaker), MustParse(tt.target), nil)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestGravimetric(t *testing.T) {
	t.Parallel()
	sg := func(s string) *decimal.Decimal { d := decimalOf(s); return &d }
	tests := []struct {
		name          string
		in            GravimetricInput
		expected, dev string
		pass          bool
	}{
		{"within tolerance", GravimetricInput{MustParse("20 mL"), sg("1.02"), MustParse("20.33 g"), decimalOf("5")}, "20.4 g", "-0.34", true},
		{"tie rounds away, positive", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("20.001 g"), decimalOf("5")}, "20 g", "0.01", true},
		{"tie rounds away, negative", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("19.999 g"), decimalOf("5")}, "20 g", "-0.01", true},
		{"exactly at tolerance passes", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("21 g"), decimalOf("5")}, "20 g", "5", true},
		// 5.004% shows as 5% but is over: pass is judged on the unrounded deviation.
		{"over by less than the display", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("21.0008 g"), decimalOf("5")}, "20 g", "5", false},
		{"under", GravimetricInput{MustParse("2 mL"), sg("1"), MustParse("1.7 g"), decimalOf("10")}, "2 g", "-15", false},
		{"milligrams and litres", GravimetricInput{MustParse("0.25 L"), sg("1.05"), MustParse("262000 mg"), decimalOf("5")}, "262.5 g", "-0.19", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Gravimetric(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "expected", res.Expected, tt.expected)
			if plain(res.Deviation) != tt.dev {
				t.Errorf("deviation = %s, want %s", plain(res.Deviation), tt.dev)
			}
			if res.Pass != tt.pass {
				t.Errorf("pass = %v (exact deviation %s)", res.Pass, res.ExactDeviation)
			}
		})
	}
	t.Run("no specific gravity", func(t *testing.T) {
		_, err := Gravimetric(GravimetricInput{MustParse("20 mL"), nil, MustParse("20 g"), decimalOf("5")})
		wantErr(t, err, "specific_gravity", CodeMissing)
		if !strings.Contains(err.Error(), "gravimetric check is not possible") {
			t.Errorf("message %q does not say the check is not possible", err)
		}
	})
	for _, tt := range []struct {
		name        string
		in          GravimetricInput
		field, code string
	}{
		{"zero specific gravity", GravimetricInput{MustParse("20 mL"), sg("0"), MustParse("20 g"), decimalOf("5")}, "specific_gravity", CodeNotPositive},
		{"volume as a mass", GravimetricInput{MustParse("20 g"), sg("1"), MustParse("20 g"), decimalOf("5")}, "volume", CodeWrongDimension},
		{"measured as a volume", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("20 mL"), decimalOf("5")}, "measured", CodeWrongDimension},
		{"tolerance 100%", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("20 g"), decimalOf("100")}, "tolerance", CodeOutOfRange},
		{"negative measured", GravimetricInput{MustParse("20 mL"), sg("1"), MustParse("-1 g"), decimalOf("5")}, "measured", CodeNotPositive},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Gravimetric(tt.in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}
