package store

// The formulary's bulk writes: the demo seed and the FDA NDC Directory import.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// SeedFormulary loads curated products and stability entries in one
// transaction. It writes no audit events: it is the demo data, recorded by
// the seed marker, not a person's change.
func (s *Store) SeedFormulary(ctx context.Context, products []*formulary.Product, stability []formulary.StabilityEntry) error {
	for _, p := range products {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("product %s: %w", p.Package.NDC, err)
		}
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, p := range products {
			if err := s.writeProduct(ctx, tx, p); err != nil {
				return fmt.Errorf("product %s: %w", p.Package.NDC, err)
			}
		}
		drugs, err := s.drugs(ctx, tx)
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		for _, d := range drugs {
			ids[strings.ToLower(d.Name)] = d.ID
		}
		for _, e := range stability {
			if err := e.Validate(); err != nil {
				return err
			}
			id, ok := ids[strings.ToLower(e.Drug.Name)]
			if !ok {
				var err error
				if err = tx.GetContext(ctx, &id, s.q.UpsertDrug, e.Drug.Name, e.Drug.TallMan, string(e.Drug.Hazard)); err != nil {
					return Translate(err)
				}
				ids[strings.ToLower(e.Drug.Name)] = id
			}
			var limit decimal.NullDecimal
			if e.LimitHours != nil {
				limit = decimal.NullDecimal{Decimal: *e.LimitHours, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, s.q.InsertStability, id, e.Presentation, e.Diluent, string(e.Phase),
				string(e.Storage), limit, e.Note, e.SourceURL); err != nil {
				return Translate(err)
			}
		}
		return nil
	})
}

// ImportStats counts what an NDC Directory import did.
type ImportStats struct {
	Inserted int `json:"inserted"`
	Updated  int `json:"updated"`
	// SkippedCurated are packages a curated product already holds: the
	// pharmacy's record wins over the directory's.
	SkippedCurated int `json:"skipped_curated"`
	// CodesSkipped are unit NDCs another product already holds.
	CodesSkipped int `json:"codes_skipped"`
	NewDrugs     int `json:"new_drugs"`
}

func mlText(q *calc.Quantity) (string, error) {
	v, err := toML("volume", q)
	if err != nil || !v.Valid {
		return "", err
	}
	return v.Decimal.String(), nil
}

func dateText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.DateOnly)
}

// ImportProducts writes NDC Directory products (Source fda_ndc) in one
// transaction: all or nothing. Products of a package NDC already imported
// are updated; a package a curated product holds is left alone. New drugs
// inherit the hazard of a known drug whose name begins theirs (a salt
// name); others are marked fda_ndc, their hazard not reviewed. One audit
// event records the import with summary.
func (s *Store) ImportProducts(ctx context.Context, products []*formulary.Product, actor *int64, summary any) (ImportStats, error) {
	var st ImportStats
	seen := make(map[string]bool, len(products))
	pkgs := make([]string, 0, len(products))
	for _, p := range products {
		if p.Source != formulary.SourceFDA {
			return st, apperr.InvalidField("source", "product %s: only NDC Directory products (fda_ndc) are imported", p.Package.NDC)
		}
		if err := p.Validate(); err != nil {
			return st, fmt.Errorf("product %s: %w", p.Package.NDC, err)
		}
		if seen[p.Package.NDC10] {
			return st, apperr.InvalidField("package_ndc", "package NDC %s is imported twice", p.Package.NDC)
		}
		seen[p.Package.NDC10] = true
		pkgs = append(pkgs, p.Package.NDC10)
	}
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		st = ImportStats{}
		var held []string
		if err := tx.SelectContext(ctx, &held, s.q.CuratedCodes, pq.Array(pkgs)); err != nil {
			return Translate(err)
		}
		products := products
		if len(held) > 0 {
			skip := make(map[string]bool, len(held))
			for _, h := range held {
				skip[h] = true
			}
			kept := make([]*formulary.Product, 0, len(products))
			for _, p := range products {
				if !skip[p.Package.NDC10] {
					kept = append(kept, p)
				}
			}
			st.SkippedCurated = len(products) - len(kept)
			products = kept
		}
		known, err := s.drugs(ctx, tx)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, d := range known {
			have[strings.ToLower(d.Name)] = true
		}
		var names, hazards []string
		for _, p := range products {
			n := strings.ToLower(p.Drug.Name)
			if !have[n] {
				have[n] = true
				names = append(names, n)
				hazards = append(hazards, string(formulary.InheritHazard(n, known)))
			}
		}
		if len(names) > 0 {
			res, err := tx.ExecContext(ctx, s.q.ImportDrugs, pq.Array(names), pq.Array(hazards))
			if err != nil {
				return Translate(err)
			}
			n, _ := res.RowsAffected()
			st.NewDrugs = int(n)
		}
		all := make([]string, 0, len(have))
		for n := range have {
			all = append(all, n)
		}
		var idRows []struct {
			ID   int64  `db:"id"`
			Name string `db:"name"`
		}
		if err := tx.SelectContext(ctx, &idRows, s.q.DrugIDsByName, pq.Array(all)); err != nil {
			return Translate(err)
		}
		drugIDs := make(map[string]int64, len(idRows))
		for _, r := range idRows {
			drugIDs[r.Name] = r.ID
		}
		for start := 0; start < len(products); start += importBatch {
			end := min(start+importBatch, len(products))
			if err := s.importBatch(ctx, tx, products[start:end], drugIDs, &st); err != nil {
				return err
			}
		}
		_, err = audit.Append(ctx, tx, audit.Event{Type: AuditFormularyImported, ActorID: actor,
			Payload: auditPayload(map[string]any{"stats": st, "summary": summary})})
		return err
	})
	if err != nil {
		return ImportStats{}, err
	}
	return st, nil
}

func (s *Store) importBatch(ctx context.Context, tx *sqlx.Tx, batch []*formulary.Product, drugIDs map[string]int64, st *ImportStats) error {
	n := len(batch)
	cols := make([][]string, 16)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	drug := make([]int64, n)
	active := make([]bool, n)
	conf := make([]string, n)
	urls := make([]string, n)
	byNDC := make(map[string]*formulary.Product, n)
	for i, p := range batch {
		id, ok := drugIDs[strings.ToLower(p.Drug.Name)]
		if !ok {
			return apperr.Wrap(fmt.Errorf("drug %q was not created", p.Drug.Name), "import drugs")
		}
		drug[i], active[i], conf[i], urls[i] = id, p.Active, p.Confirmation, p.SourceURL
		byNDC[p.Package.NDC10] = p
		var sv, su string
		if p.Strength != nil {
			sv, su = p.Strength.Value.String(), p.Strength.Unit.String()
		}
		recon, err := mlText(p.ReconstitutedVolume)
		if err != nil {
			return err
		}
		vol, err := mlText(p.Volume)
		if err != nil {
			return err
		}
		for j, v := range []string{p.Package.NDC, p.Package.NDC10, p.Brand, p.Labeler, p.DosageForm, p.StrengthText,
			sv, su, recon, vol, string(p.Container), p.PackDescription, dateText(p.MarketingStart), dateText(p.MarketingEnd),
			p.Note, p.SourceRef} {
			cols[j][i] = v
		}
	}
	args := []any{pq.Array(drug)}
	for _, c := range cols {
		args = append(args, pq.Array(c))
	}
	args = append(args, pq.Array(active), pq.Array(conf), pq.Array(urls))
	var got []struct {
		ID       int64  `db:"id"`
		NDC10    string `db:"package_ndc10"`
		Inserted bool   `db:"inserted"`
	}
	if err := tx.SelectContext(ctx, &got, s.q.ImportProducts, args...); err != nil {
		return Translate(err)
	}
	st.SkippedCurated += n - len(got)
	ids := make([]int64, len(got))
	var cp []int64
	var ck, cn, c10, c11, cg []string
	for i, g := range got {
		ids[i] = g.ID
		if g.Inserted {
			st.Inserted++
		} else {
			st.Updated++
		}
		for _, c := range byNDC[g.NDC10].Codes() {
			cp = append(cp, g.ID)
			ck, cn, c10, c11, cg = append(ck, string(c.Kind)), append(cn, c.NDC), append(c10, c.NDC10), append(c11, c.NDC11), append(cg, c.GTIN14)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q.DeleteProductCodes, pq.Array(ids)); err != nil {
		return Translate(err)
	}
	res, err := tx.ExecContext(ctx, s.q.ImportCodes, pq.Array(cp), pq.Array(ck), pq.Array(cn), pq.Array(c10), pq.Array(c11), pq.Array(cg))
	if err != nil {
		return Translate(err)
	}
	added, _ := res.RowsAffected()
	st.CodesSkipped += len(cp) - int(added)
	return nil
}

var _ formulary.Lookup = (*Store)(nil)
