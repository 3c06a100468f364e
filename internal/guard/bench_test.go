package guard

import (
	"syscall"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/calc"
)

// BenchmarkVolumeLine is one volume calculation as a worksheet line makes
// it, guards included: the inputs parsed, the weight checked against its
// plausible range, a weight-based dose, the volume from the concentration
// rounded to the syringe's graduation (with the rounding deviation judged
// against the limits and the syringe floor checked), the results in
// display form, and the drug's dose-range limits checked on what is
// delivered. The table is compiled once, as a worksheet does.
func BenchmarkVolumeLine(b *testing.B) {
	c := DefaultRules().Compile()
	g := c.Guards()
	defer cpuPerOp(b)()
	for b.Loop() {
		dose, err1 := calc.Parse("15 mg/kg")
		weight, err2 := calc.Parse("72.5 kg")
		conc, err3 := calc.Parse("50 mg/mL")
		inc, err4 := calc.Parse("0.2 mL")
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				b.Fatal(err)
			}
		}
		if _, err := g.Check("weight", weight); err != nil {
			b.Fatal(err)
		}
		d, err := calc.Dose(calc.DoseInput{Dose: dose, Weight: &weight})
		if err != nil {
			b.Fatal(err)
		}
		v, err := calc.Volume(calc.VolumeInput{Dose: d.Dose, Concentration: conc, RoundTo: &inc, Guards: g})
		if err != nil || v.DeviationLevel != 0 || v.BelowFloor {
			b.Fatal(err, v.DeviationLevel, v.BelowFloor)
		}
		if calc.Display(v.Volume) != "21.8 mL" || calc.Display(d.Dose) != "1,087.5 mg" || calc.DeviationText(v.Deviation) != "+0.2%" {
			b.Fatal("wrong result")
		}
		if holds := c.CheckDose(Facts{Drug: "vancomycin", Route: "IV", Delivered: v.Delivered, Weight: &weight}); len(holds) != 0 {
			b.Fatal(holds)
		}
	}
}

// cpuPerOp logs the process CPU time per operation next to the wall-clock
// ns/op: the build machine is shared, and wall time swings with its load.
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
