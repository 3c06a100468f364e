package calc

import (
	"syscall"
	"testing"
	"time"
)

// cpuPerOp logs the process CPU time per operation next to the wall-clock ns/op, because the
// build machine is shared and wall time swings with everyone else's load.
func cpuPerOp(b *testing.B) func() {
	var before syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	return func() {
		var after syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &after)
		used := time.Duration(after.Utime.Nano()-before.Utime.Nano()) + time.Duration(after.Stime.Nano()-before.Stime.Nano())
		if b.N > 0 {
			b.Logf("N=%d: %d CPU ns/op", b.N, used.Nanoseconds()/int64(b.N))
		}
	}
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{"15 mg/kg", "72.5 kg", "5 mcg/kg/min", "0.9%", "1:1000", "100000 units"}
	defer cpuPerOp(b)()
	for i := 0; b.Loop(); i++ {
		if _, err := Parse(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDoseVolumeFormat is the hot path of a worksheet line: parse, weight-based dose,
// volume rounded to a graduation, ISMP text.
func BenchmarkDoseVolumeFormat(b *testing.B) {
	benchDoseVolume(b, nil)
}

// BenchmarkDoseVolumeFormatGuarded is the same line with the site's guards: plausible weight,
// rounding deviation and the syringe floor.
func BenchmarkDoseVolumeFormatGuarded(b *testing.B) {
	benchDoseVolume(b, testGuards())
}

func benchDoseVolume(b *testing.B, g *Guards) {
	defer cpuPerOp(b)()
	for b.Loop() {
		dose, err1 := Parse("15 mg/kg")
		weight, err2 := Parse("72.5 kg")
		conc, err3 := Parse("50 mg/mL")
		inc, err4 := Parse("0.2 mL")
		if err := firstErr(err1, err2, err3, err4); err != nil {
			b.Fatal(err)
		}
		if _, err := g.Check("weight", weight); err != nil {
			b.Fatal(err)
		}
		d, err := Dose(DoseInput{Dose: dose, Weight: &weight})
		if err != nil {
			b.Fatal(err)
		}
		v, err := Volume(VolumeInput{Dose: d.Dose, Concentration: conc, RoundTo: &inc, Guards: g})
		if err != nil {
			b.Fatal(err)
		}
		if Display(v.Volume) != "21.8 mL" || Display(d.Dose) != "1,087.5 mg" {
			b.Fatal("wrong result")
		}
	}
}

// BenchmarkWorksheet runs a full preparation's calculations: BSA dose, vials, reconstitution,
// volume, infusion rate and the gravimetric check.
func BenchmarkWorksheet(b *testing.B) {
	weight, height := MustParse("72.5 kg"), MustParse("175 cm")
	sg := decimalOf("1.02")
	defer cpuPerOp(b)()
	for b.Loop() {
		d, err := Dose(DoseInput{Dose: MustParse("500 mg/m2"), Weight: &weight, Height: &height, MaxDose: qp("2 g")})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Vials(d.Dose, MustParse("500 mg")); err != nil {
			b.Fatal(err)
		}
		r, err := Reconstitution(ReconstitutionInput{Amount: MustParse("500 mg"), Displacement: MustParse("0.4 mL"),
			TargetConcentration: qp("50 mg/mL")})
		if err != nil {
			b.Fatal(err)
		}
		v, err := Volume(VolumeInput{Dose: d.Dose, Concentration: r.Concentration, Syringes: testSyringes()})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := InfusionRate(InfusionInput{Volume: qp("250 mL"), Duration: qp("1 h")}); err != nil {
			b.Fatal(err)
		}
		g, err := Gravimetric(GravimetricInput{Volume: v.Volume, SpecificGravity: &sg, Measured: MustParse("19.1 g"),
			Tolerance: decimalOf("5")})
		if err != nil {
			b.Fatal(err)
		}
		_ = Display(g.Expected)
	}
}

func BenchmarkEvaluate(b *testing.B) {
	req := []byte(`{"kind":"volume","dose":"1087.5 mg","concentration":"50 mg/mL","round_to":"0.2 mL"}`)
	defer cpuPerOp(b)()
	for b.Loop() {
		if _, err := Evaluate(req); err != nil {
			b.Fatal(err)
		}
	}
}
