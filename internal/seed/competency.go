package seed

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/store"
)

// demoCompetencies gives the demo technicians current records, so the demo
// queue can be worked at once: tech1 holds every kind, passed 40 days ago;
// tech2 also holds every kind, but its media fill was passed five months
// and a week ago, so the screens show a competency falling due.
func seedCompetencies(ctx context.Context, st *store.Store, now time.Time) error {
	svc := competency.NewService(st, time.UTC, func() time.Time { return now })
	admin, err := st.UserIDByName(ctx, "admin1")
	if err != nil {
		return err
	}
	for _, tech := range []string{"tech1", "tech2"} {
		id, err := st.UserIDByName(ctx, tech)
		if err != nil {
			return err
		}
		for _, k := range competency.DefaultRules().Kinds {
			passed := now.AddDate(0, 0, -40)
			if tech == "tech2" && k.Kind == competency.MediaFill {
				passed = now.AddDate(0, -5, -7)
			}
			if _, err := svc.Record(ctx, admin, id, competency.NewRecord{
				Kind: string(k.Kind), Result: string(competency.Pass), PassedAt: passed.UTC().Format(time.RFC3339),
				Evaluator: "Demo evaluator", Note: "demo record",
			}); err != nil {
				return err
			}
		}
	}
	return nil
}
