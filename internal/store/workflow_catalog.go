package store

import (
	"context"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// workflowCatalog is the formulary as the workflow sees it, read straight
// from the formulary tables: products with their strengths and containers.
type workflowCatalog struct {
	s *Store
}

type catalogRow struct {
	ID              int64               `db:"id"`
	Drug            string              `db:"drug"`
	TallMan         string              `db:"tall_man"`
	Hazard          string              `db:"hazard"`
	PackageNDC      string              `db:"package_ndc"`
	DosageForm      string              `db:"dosage_form"`
	StrengthText    string              `db:"strength_text"`
	StrengthValue   decimal.NullDecimal `db:"strength_value"`
	StrengthUnit    string              `db:"strength_unit"`
	VolumeML        decimal.NullDecimal `db:"volume_ml"`
	Container       string              `db:"container"`
	SpecificGravity decimal.NullDecimal `db:"specific_gravity"`
	GTIN            string              `db:"gtin"`
}

// product maps a formulary row: the strength is a total amount for a powder
// and a concentration for a liquid (as the formulary stores it).
func (r catalogRow) product() workflow.Product {
	p := workflow.Product{
		ID: r.ID, Drug: r.Drug, TallMan: r.TallMan, Strength: r.StrengthText, DosageForm: r.DosageForm,
		Container: containerKind(r.Container), Hazardous: r.Hazard != "", NDC: r.PackageNDC, GTIN: r.GTIN,
	}
	if r.VolumeML.Valid {
		v := calc.Quantity{Value: r.VolumeML.Decimal, Unit: calc.MustParseUnit("mL")}
		p.Volume = &v
	}
	if r.SpecificGravity.Valid {
		sg := r.SpecificGravity.Decimal
		p.SpecificGravity = &sg
	}
	if r.StrengthValue.Valid && r.StrengthUnit != "" {
		if u, err := calc.ParseUnit(r.StrengthUnit); err == nil {
			q := calc.Quantity{Value: r.StrengthValue.Decimal, Unit: u}
			if strings.Contains(strings.ToLower(r.DosageForm), "powder") {
				p.Amount = &q
			} else if _, err := q.In("mL"); err == nil {
				// a vehicle listed as "1 mL/mL" carries no drug amount
			} else {
				p.Concentration = &q
			}
		}
	}
	return p
}

// containerKind maps the formulary's container to the BUD engine's.
func containerKind(c string) bud.Container {
	switch c {
	case "pharmacy_bulk":
		return bud.ContainerBulk
	case "":
		return bud.ContainerSingleDose
	}
	return bud.Container(c)
}

func (c *workflowCatalog) all(ctx context.Context) ([]workflow.Product, error) {
	var rows []catalogRow
	if err := c.s.DB.SelectContext(ctx, &rows, c.s.q.WfCatalogProducts); err != nil {
		return nil, Translate(err)
	}
	out := make([]workflow.Product, len(rows))
	for i, r := range rows {
		out[i] = r.product()
	}
	return out, nil
}

// productsOf resolves several references against one read of the formulary.
func (c *workflowCatalog) productsOf(ctx context.Context, refs []workflow.ProductRef) ([]workflow.Product, error) {
	if len(refs) == 0 {
		return nil, nil
	}
	all, err := c.all(ctx)
	if err != nil {
		return nil, err
	}
	var out []workflow.Product
	for _, ref := range refs {
		ps, err := c.match(ctx, all, ref)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// match keeps the products of all that ref names.
func (c *workflowCatalog) match(ctx context.Context, all []workflow.Product, ref workflow.ProductRef) ([]workflow.Product, error) {
	ids := map[int64]bool{}
	if ref.NDC != "" {
		var found []int64
		if err := c.s.DB.SelectContext(ctx, &found, c.s.q.WfCatalogByNDC, ref.NDC); err != nil {
			return nil, Translate(err)
		}
		for _, id := range found {
			ids[id] = true
		}
	}
	var strength *calc.Quantity
	if ref.Strength != "" {
		q, err := calc.Parse(ref.Strength)
		if err != nil {
			return nil, apperr.InvalidField("strength", "%s", err.Error())
		}
		strength = &q
	}
	var out []workflow.Product
	for _, p := range all {
		switch {
		case ref.ProductID != 0 && p.ID != ref.ProductID:
			continue
		case ref.NDC != "" && !ids[p.ID]:
			continue
		case ref.Drug != "" && p.Drug != ref.Drug:
			continue
		case ref.Presentation != "" && p.Container != containerKind(ref.Presentation):
			continue
		}
		if strength != nil && !strengthIs(p, *strength) {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}

// strengthIs compares a product's amount, concentration or volume with q.
func strengthIs(p workflow.Product, q calc.Quantity) bool {
	for _, x := range []*calc.Quantity{p.Amount, p.Concentration, p.Volume} {
		if x == nil {
			continue
		}
		if c, err := x.Cmp(q); err == nil && c == 0 {
			return true
		}
	}
	if per, ok := p.PerContainer(); ok {
		if c, err := per.Cmp(q); err == nil && c == 0 {
			return true
		}
	}
	return false
}

// WorkflowProduct maps a formulary product to the workflow's snapshot of
// it, the same way as a catalog row is mapped.
func WorkflowProduct(p *formulary.Product) workflow.Product {
	r := catalogRow{ID: p.ID, Drug: p.Drug.Name, TallMan: p.Drug.TallMan, Hazard: string(p.Drug.Hazard),
		PackageNDC: p.Package.NDC, DosageForm: p.DosageForm, StrengthText: p.StrengthText, Container: string(p.Container)}
	if p.Strength != nil {
		r.StrengthValue = decimal.NullDecimal{Decimal: p.Strength.Value, Valid: true}
		r.StrengthUnit = p.Strength.Unit.String()
	}
	if p.Volume != nil {
		if v, err := p.Volume.In("mL"); err == nil {
			r.VolumeML = decimal.NullDecimal{Decimal: v.Value, Valid: true}
		}
	}
	if p.SpecificGravity != nil {
		r.SpecificGravity = decimal.NullDecimal{Decimal: *p.SpecificGravity, Valid: true}
	}
	// The catalog's GTIN is the first unit-of-use code, else the package's.
	r.GTIN = p.Package.GTIN14
	if len(p.Units) > 0 {
		r.GTIN = p.Units[0].GTIN14
	}
	return r.product()
}

// ProductsOf returns the products that recipe references name, against
// one read of the formulary.
func (s *Store) ProductsOf(ctx context.Context, refs []workflow.ProductRef) ([]workflow.Product, error) {
	return (&workflowCatalog{s: s}).productsOf(ctx, refs)
}
