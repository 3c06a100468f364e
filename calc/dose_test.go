package calc

import (
	"testing"
)

func TestDose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     DoseInput
		want   string
		capped bool
		bsa    string
		step   string
	}{
		{"per kg", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("72.5 kg")}, "1087.5 mg", false, "",
			"dose = 15 mg/kg × 72.5 kg = 1,087.5 mg"},
		{"per kg, weight in g", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("3500 g")}, "52.5 mg", false, "", ""},
		{"per kg, weight in lb", DoseInput{Dose: MustParse("10 mg/kg"), Weight: qp("22 lb")}, "99.7903214 mg", false, "", ""},
		{"units per kg", DoseInput{Dose: MustParse("80 units/kg"), Weight: qp("80 kg")}, "6400 units", false, "", "6,400 units"},
		{"per kg per day keeps per day", DoseInput{Dose: MustParse("30 mg/kg/day"), Weight: qp("50 kg"),
			MaxDose: qp("4 g/day")}, "1500 mg/day", false, "", ""},
		{"per m2 Mosteller uses rounded BSA", DoseInput{Dose: MustParse("100 mg/m2"), Weight: qp("75 kg"), Height: qp("175 cm")},
			"191 mg", false, "1.91 m2", "dose = 100 mg/m2 × 1.91 m2 = 191 mg"},
		{"per m2 DuBois", DoseInput{Dose: MustParse("100 mg/m2"), Weight: qp("75 kg"), Height: qp("175 cm"), Formula: DuBois},
			"190 mg", false, "1.9 m2", "DuBois"},
		{"per m2 Haycock", DoseInput{Dose: MustParse("100 mg/m2"), Weight: qp("75 kg"), Height: qp("175 cm"), Formula: Haycock},
			"192 mg", false, "1.92 m2", "Haycock"},
		{"per m2 with BSA given", DoseInput{Dose: MustParse("75 mg/m2"), BSA: qp("1.8 m2")}, "135 mg", false, "1.8 m2", "BSA given"},
		{"flat", DoseInput{Dose: MustParse("500 mg")}, "500 mg", false, "", "flat dose = 500 mg"},
		{"capped", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("100 kg"), MaxDose: qp("1 g")}, "1000 mg", true, "",
			"capped at the maximum 1 g"},
		{"at the cap is not capped", DoseInput{Dose: MustParse("10 mg/kg"), Weight: qp("100 kg"), MaxDose: qp("1 g")}, "1000 mg", false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Dose(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "dose", res.Dose, tt.want)
			if res.Capped != tt.capped {
				t.Errorf("capped = %v, want %v", res.Capped, tt.capped)
			}
			if tt.bsa != "" {
				if res.BSA == nil {
					t.Fatal("no BSA reported")
				}
				wantQ(t, "bsa", *res.BSA, tt.bsa)
			} else if res.BSA != nil {
				t.Errorf("BSA %s reported for a dose not per m2", res.BSA)
			}
			if tt.step != "" {
				wantStep(t, res.Steps, tt.step)
			}
		})
	}
}

func TestDoseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          DoseInput
		field, code string
	}{
		{"missing weight", DoseInput{Dose: MustParse("15 mg/kg")}, "weight", CodeMissing},
		{"weight in mL", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("72.5 mL")}, "weight", CodeWrongDimension},
		{"weight as a plain number", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("72.5")}, "weight", CodeWrongDimension},
		{"negative weight", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("-5 kg")}, "weight", CodeNotPositive},
		{"implausible weight", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("800 kg")}, "weight", CodeOutOfRange},
		{"zero dose", DoseInput{Dose: MustParse("0 mg/kg"), Weight: qp("70 kg")}, "dose", CodeNotPositive},
		{"max dose of another dimension", DoseInput{Dose: MustParse("15 mg/kg"), Weight: qp("70 kg"), MaxDose: qp("5 mL")},
			"max_dose", CodeWrongDimension},
		{"per m2 without height", DoseInput{Dose: MustParse("100 mg/m2"), Weight: qp("70 kg")}, "height", CodeMissing},
		{"per m2 without weight", DoseInput{Dose: MustParse("100 mg/m2"), Height: qp("170 cm")}, "weight", CodeMissing},
		{"bad formula", DoseInput{Dose: MustParse("100 mg/m2"), Weight: qp("70 kg"), Height: qp("170 cm"), Formula: "boyd"},
			"bsa_formula", CodeInvalid},
		{"per kg twice", DoseInput{Dose: MustParse("1 mg/kg2"), Weight: qp("70 kg")}, "dose", CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dose(tt.in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestChooseSyringe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		volume, want string
	}{
		{"0.5 mL", "1 mL"}, {"1 mL", "1 mL"}, {"1.01 mL", "3 mL"}, {"0.1 mL", "1 mL"}, {"3.2 mL", "5 mL"},
		{"7 mL", "10 mL"}, {"12 mL", "20 mL"}, {"25 mL", "30 mL"}, {"59 mL", "60 mL"}, {"0.0025 L", "3 mL"},
	}
	for _, tt := range tests {
		t.Run(tt.volume, func(t *testing.T) {
			s, err := ChooseSyringe(MustParse(tt.volume), testSyringes())
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "syringe", s.Capacity, tt.want)
		})
	}
	t.Run("unsorted list", func(t *testing.T) {
		list := []Syringe{{Capacity: MustParse("10 mL"), Graduation: MustParse("0.2 mL")}, {Capacity: MustParse("1 mL"), Graduation: MustParse("0.01 mL")}}
		s, err := ChooseSyringe(MustParse("0.8 mL"), list)
		if err != nil {
			t.Fatal(err)
		}
		wantQ(t, "syringe", s.Capacity, "1 mL")
		if s.String() != "1 mL" {
			t.Errorf("String() = %q", s.String())
		}
	})
	t.Run("too large", func(t *testing.T) {
		_, err := ChooseSyringe(MustParse("61 mL"), testSyringes())
		wantErr(t, err, "volume", CodeOutOfRange)
	})
	t.Run("not a volume", func(t *testing.T) {
		_, err := ChooseSyringe(MustParse("5 mg"), testSyringes())
		wantErr(t, err, "volume", CodeWrongDimension)
	})
	t.Run("no syringes", func(t *testing.T) {
		_, err := ChooseSyringe(MustParse("5 mL"), nil)
		wantErr(t, err, "syringes", CodeMissing)
	})
	t.Run("syringe in mg", func(t *testing.T) {
		_, err := ChooseSyringe(MustParse("5 mL"), []Syringe{{Capacity: MustParse("10 mg"), Graduation: MustParse("1 mg")}})
		wantErr(t, err, "syringes", CodeWrongDimension)
	})
}

func TestVolume(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                     string
		in                       VolumeInput
		exact, volume, delivered string
		syringe                  string
	}{
		{"rounded to 0.2 mL", VolumeInput{Dose: MustParse("1087.5 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.2 mL")},
			"21.75 mL", "21.8 mL", "1090 mg", ""},
		{"exact when no increment", VolumeInput{Dose: MustParse("1087.5 mg"), Concentration: MustParse("50 mg/mL")},
			"21.75 mL", "21.75 mL", "1087.5 mg", ""},
		{"half away from zero", VolumeInput{Dose: MustParse("12.5 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.1 mL")},
			"0.25 mL", "0.3 mL", "15 mg", ""},
		{"non-terminating", VolumeInput{Dose: MustParse("100 mg"), Concentration: MustParse("3 mg/mL"), RoundTo: qp("0.1 mL")},
			"33.3333333333333333333333 mL", "33.3 mL", "99.9 mg", ""},
		{"dose in g, concentration in mg/mL", VolumeInput{Dose: MustParse("1 g"), Concentration: MustParse("40 mg/mL")},
			"25 mL", "25 mL", "1 g", ""},
		{"mEq", VolumeInput{Dose: MustParse("20 mEq"), Concentration: MustParse("2 mEq/mL")}, "10 mL", "10 mL", "20 mEq", ""},
		{"units", VolumeInput{Dose: MustParse("5000 units"), Concentration: MustParse("1000 units/mL")}, "5 mL", "5 mL", "5000 units", ""},
		{"percent concentration", VolumeInput{Dose: MustParse("90 mg"), Concentration: MustParse("0.9%")}, "10 mL", "10 mL", "90 mg", ""},
		{"ratio concentration", VolumeInput{Dose: MustParse("0.3 mg"), Concentration: MustParse("1:1000")}, "0.3 mL", "0.3 mL", "0.3 mg", ""},
		{"syringe graduation", VolumeInput{Dose: MustParse("118.5 mg"), Concentration: MustParse("50 mg/mL"), Syringes: testSyringes()},
			"2.37 mL", "2.4 mL", "120 mg", "3 mL"},
		{"round_to wins over syringes", VolumeInput{Dose: MustParse("118.5 mg"), Concentration: MustParse("50 mg/mL"),
			RoundTo: qp("0.01 mL"), Syringes: testSyringes()}, "2.37 mL", "2.37 mL", "118.5 mg", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Volume(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			wantQ(t, "exact", res.Exact, tt.exact)
			wantQ(t, "volume", res.Volume, tt.volume)
			wantQ(t, "delivered", res.Delivered, tt.delivered)
			if tt.syringe != "" {
				if res.Syringe == nil {
					t.Fatal("no syringe chosen")
				}
				wantQ(t, "syringe", res.Syringe.Capacity, tt.syringe)
			}
		})
	}
}

func TestVolumeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          VolumeInput
		field, code string
	}{
		{"mg over mEq/mL", VolumeInput{Dose: MustParse("500 mg"), Concentration: MustParse("2 mEq/mL")}, "concentration", CodeWrongDimension},
		{"concentration not per volume", VolumeInput{Dose: MustParse("500 mg"), Concentration: MustParse("50 mg")}, "concentration", CodeWrongDimension},
		{"round_to a mass", VolumeInput{Dose: MustParse("500 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.1 mg")}, "round_to", CodeWrongDimension},
		{"round_to zero", VolumeInput{Dose: MustParse("500 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0 mL")}, "round_to", CodeNotPositive},
		{"rounds to nothing", VolumeInput{Dose: MustParse("0.01 mg"), Concentration: MustParse("50 mg/mL"), RoundTo: qp("0.1 mL")}, "round_to", CodeOutOfRange},
		{"zero concentration", VolumeInput{Dose: MustParse("5 mg"), Concentration: MustParse("0 mg/mL")}, "concentration", CodeNotPositive},
		{"negative dose", VolumeInput{Dose: MustParse("-5 mg"), Concentration: MustParse("5 mg/mL")}, "dose", CodeNotPositive},
		{"too big for any syringe", VolumeInput{Dose: MustParse("5 g"), Concentration: MustParse("50 mg/mL"), Syringes: testSyringes()}, "volume", CodeOutOfRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Volume(tt.in)
			wantErr(t, err, tt.field, tt.code)
		})
	}
}

func TestVials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dose, per string
		vials     int64
		rem       string
	}{
		{"1087.5 mg", "500 mg", 3, "412.5 mg"},
		{"1000 mg", "500 mg", 2, "0 mg"},
		{"1.2 g", "500 mg", 3, "0.3 g"},
		{"25000 units", "10000 units", 3, "5000 units"},
		{"0.1 mg", "1 mg", 1, "0.9 mg"},
	}
	for _, tt := range tests {
		t.Run(tt.dose+"/"+tt.per, func(t *testing.T) {
			res, err := Vials(MustParse(tt.dose), MustParse(tt.per))
			if err != nil {
				t.Fatal(err)
			}
			if res.Vials != tt.vials {
				t.Errorf("vials = %d, want %d", res.Vials, tt.vials)
			}
			wantQ(t, "remainder", res.Remainder, tt.rem)
		})
	}
	_, err := Vials(MustParse("1 g"), MustParse("10 mL"))
	wantErr(t, err, "vial_amount", CodeWrongDimension)
	_, err = Vials(MustParse("10 g"), MustParse("1 mg"))
	wantErr(t, err, "vial_amount", CodeOutOfRange)
	_, err = Vials(MustParse("1 g"), MustParse("0 mg"))
	wantErr(t, err, "vial_amount", CodeNotPositive)
	_, err = Vials(MustParse("0 g"), MustParse("1 mg"))
	wantErr(t, err, "dose", CodeNotPositive)
}
