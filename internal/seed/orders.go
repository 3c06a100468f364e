package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// DemoOrders are the open orders of the demo data, due relative to now: a
// STAT, a first dose, routine ones, two identical ones (a batch) and a
// hazardous one. The patients are invented.
func DemoOrders(now time.Time) []workflow.OrderInput {
	due := func(d time.Duration) string { return now.Add(d).UTC().Truncate(time.Minute).Format(time.RFC3339) }
	jane := workflow.PatientInput{MRN: "MRN100234", Name: "Doe, Jane", BirthDate: "1961-04-12", Weight: "72.5 kg", Height: "168 cm", Location: "4W-12"}
	omar := workflow.PatientInput{MRN: "MRN100871", Name: "Haddad, Omar", BirthDate: "1978-09-30", Weight: "88 kg", Height: "181 cm", Location: "ICU-3"}
	lin := workflow.PatientInput{MRN: "MRN101502", Name: "Chen, Lin", BirthDate: "1990-01-22", Weight: "61 kg", Height: "160 cm", Location: "5E-07"}
	ana := workflow.PatientInput{MRN: "MRN101777", Name: "Souza, Ana", BirthDate: "1955-11-03", Weight: "70 kg", Height: "175 cm", Location: "ONC-2"}
	return []workflow.OrderInput{
		{Patient: omar, Drug: "cefazolin", Dose: "2 g", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "100 mL", InfuseOver: "30 min", DueAt: due(20 * time.Minute), Priority: "stat"},
		{Patient: jane, Drug: "vancomycin", Dose: "15 mg/kg", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "250 mL", InfuseOver: "90 min", DueAt: due(45 * time.Minute), Priority: "first_dose"},
		{Patient: lin, Drug: "ceftriaxone", Dose: "2 g", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "100 mL", InfuseOver: "30 min", DueAt: due(2 * time.Hour), Priority: "routine"},
		{Patient: jane, Drug: "ceftriaxone", Dose: "2 g", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "100 mL", InfuseOver: "30 min", DueAt: due(2*time.Hour + 30*time.Minute), Priority: "routine"},
		{Patient: omar, Drug: "potassium chloride", Dose: "20 mEq", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "100 mL", InfuseOver: "2 h", DueAt: due(3 * time.Hour), Priority: "routine"},
		{Patient: lin, Drug: "heparin", Dose: "25000 units", Route: "IV", Diluent: "dextrose 5%", FinalVolume: "250 mL", DueAt: due(4 * time.Hour), Priority: "routine"},
		{Patient: ana, Drug: "cyclophosphamide", Dose: "500 mg/m2", Route: "IV", Diluent: "sodium chloride 0.9%", FinalVolume: "250 mL", InfuseOver: "1 h", DueAt: due(5 * time.Hour), Priority: "routine"},
	}
}

// seedOrders places the demo orders as the demo pharmacist.
func seedOrders(ctx context.Context, st *store.Store, now time.Time) error {
	pharm, _ := st.UserIDByName(ctx, "pharm1")
	svc := compounding.New(st, time.UTC)
	for i, in := range DemoOrders(now) {
		o, err := in.Validate(now)
		if err != nil {
			return fmt.Errorf("order %d (%s): %w", i+1, in.Drug, err)
		}
		if _, err := svc.CreateOrder(ctx, o, pharm, now, nil); err != nil {
			return fmt.Errorf("order %d (%s): %w", i+1, in.Drug, err)
		}
	}
	return nil
}
