// Package seed loads the demo data (README, "Demo logins"): users, the formulary of
// real IV products, rules, recipes and a few open orders, so a newcomer sees
// a working queue at once. Seeding is idempotent: it runs once per database.
package seed

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/laminar-rx/laminar/internal/store"
)

// step seeds one part of the demo data.
type step struct {
	name string
	run  func(ctx context.Context, st *store.Store, now time.Time) error
}

// steps are the parts of the demo data in the order they are seeded: who
// works, what is on the shelf, its specific gravities, the rules, the
// recipes that use them, and last the orders for those recipes.
var steps = []step{
	{"users", seedUsers},
	{"competencies", seedCompetencies},
	{"formulary", seedFormulary},
	{"specific gravities", seedGravities},
	{"bud rules", seedRules},
	{"recipes", seedRecipes},
	{"orders", seedOrders},
}

// DemoMarker is the site_meta key set once the demo data is in.
const DemoMarker = "demo_seeded_at"

// Demo seeds the demo data unless it is there already. It reports whether
// it seeded.
func Demo(ctx context.Context, st *store.Store, log *slog.Logger, now time.Time) (bool, error) {
	done, err := st.Meta(ctx, DemoMarker)
	if err != nil {
		return false, err
	}
	if done != "" {
		return false, nil
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.run(ctx, st, now); err != nil {
			return false, fmt.Errorf("seed %s: %w", s.name, err)
		}
		log.Info("seeded", "part", s.name, "took", time.Since(start))
	}
	return true, st.SetMeta(ctx, DemoMarker, now.UTC().Format(time.RFC3339))
}

// DemoLogins describes the demo accounts for the start-up banner.
var DemoLogins = []string{
	"tech1, tech2 (technician), pharm1, pharm2 (pharmacist), safety1 (safety officer), admin1 (admin)",
	"password demo-<username> (e.g. demo-tech1); badge <USERNAME> (e.g. TECH1) with PIN 2468",
}
