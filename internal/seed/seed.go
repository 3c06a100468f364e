// Package seed loads the demo data (README, "Demo logins"): users, the formulary of
// real IV products, rules, recipes and a few open orders, so a newcomer sees
// a working queue at once. Seeding is idempotent: it runs once per database.
package seed

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/laminar-rx/laminar/internal/store"
)

// Step seeds one part of the demo data.
type Step struct {
	Name string
	// Order places the step: users 10, formulary 20, rules 30, recipes 40, orders 50.
	Order int
	Run   func(ctx context.Context, st *store.Store, now time.Time) error
}

// steps run in Order; each part of the product registers its own from its
// own file.
var steps []Step

// register adds a step; called from the init functions of this package's files.
func register(s Step) {
	steps = append(steps, s)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Order < steps[j].Order })
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
		if err := s.Run(ctx, st, now); err != nil {
			return false, fmt.Errorf("seed %s: %w", s.Name, err)
		}
		log.Info("seeded", "part", s.Name, "took", time.Since(start))
	}
	return true, st.SetMeta(ctx, DemoMarker, now.UTC().Format(time.RFC3339))
}

// DemoLogins describes the demo accounts for the start-up banner.
var DemoLogins = []string{
	"tech1, tech2 (technician), pharm1, pharm2 (pharmacist), safety1 (safety officer), admin1 (admin)",
	"password demo-<username> (e.g. demo-tech1); badge <USERNAME> (e.g. TECH1) with PIN 2468",
}
