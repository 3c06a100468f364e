package seed

import (
	"context"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// gravitiesFile lists published specific gravities of demo products, each
// with its source. A product without a row has none published: its draws
// are proven by a photo until a pharmacist determines one on site.
const gravitiesFile = "specific_gravities.tsv"

// DemoGravities reads the published specific gravities of the demo data.
func DemoGravities() ([]workflow.Gravity, []string, error) {
	rows, err := readTSV(gravitiesFile, "package_ndc", "concentration", "specific_gravity", "source")
	if err != nil {
		return nil, nil, err
	}
	out := make([]workflow.Gravity, 0, len(rows))
	ndcs := make([]string, 0, len(rows))
	for _, r := range rows {
		c, err := calc.Parse(r.get("concentration"))
		if err != nil {
			return nil, nil, r.errf("concentration", "%v", err)
		}
		key, err := workflow.ConcentrationKey(c)
		if err != nil {
			return nil, nil, r.errf("concentration", "%v", err)
		}
		sg, err := calc.ParseDecimal(r.get("specific_gravity"))
		if err != nil {
			return nil, nil, r.errf("specific_gravity", "%v", err)
		}
		if r.get("source") == "" {
			return nil, nil, r.errf("source", "is empty: a published value names its source")
		}
		out = append(out, workflow.Gravity{Concentration: key, SpecificGravity: sg, Method: workflow.GravityPublished, Source: r.get("source")})
		ndcs = append(ndcs, r.get("package_ndc"))
	}
	return out, ndcs, nil
}

// seedGravities records the published specific gravities of the demo products.
func seedGravities(ctx context.Context, st *store.Store, now time.Time) error {
	gs, ndcs, err := DemoGravities()
	if err != nil {
		return err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for i, g := range gs {
		ps, err := st.ProductsOf(ctx, []workflow.ProductRef{{NDC: ndcs[i]}})
		if err != nil || len(ps) != 1 {
			return fmt.Errorf("%s: product %s: %d found, %v", gravitiesFile, ndcs[i], len(ps), err)
		}
		g.ProductID, g.RecordedAt = ps[0].ID, now
		if _, err := tx.InsertGravity(ctx, g, nil, nil); err != nil {
			return fmt.Errorf("%s: product %s: %w", gravitiesFile, ndcs[i], err)
		}
	}
	return tx.Commit(ctx)
}
