package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// workflowCatalog is the formulary as the workflow sees it, read straight
// from the formulary tables: products with their strengths and containers,
// and scans resolved through product_codes and lots.
type workflowCatalog struct {
	s   *Store
	loc *time.Location
}

// WorkflowCatalog returns the formulary adapter the workflow computes
// worksheets and checks scans with; loc is the site zone in which a
// date-only expiry ends.
func (s *Store) WorkflowCatalog(loc *time.Location) workflow.Catalog {
	if loc == nil {
		loc = time.UTC
	}
	return &workflowCatalog{s: s, loc: loc}
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
	if err := c.s.DB.SelectContext(ctx, &rows, c.s.Query("wf-catalog-products")); err != nil {
		return nil, Translate(err)
	}
	out := make([]workflow.Product, len(rows))
	for i, r := range rows {
		out[i] = r.product()
	}
	return out, nil
}

// Products returns the products a recipe reference names.
func (c *workflowCatalog) Products(ctx context.Context, ref workflow.ProductRef) ([]workflow.Product, error) {
	all, err := c.all(ctx)
	if err != nil {
		return nil, err
	}
	return c.match(ctx, all, ref)
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
		if err := c.s.DB.SelectContext(ctx, &found, c.s.Query("wf-catalog-by-ndc"), ref.NDC); err != nil {
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

// ResolveScan parses scanned data and maps it to a product and lot,
// refusing bad_barcode, unknown_product, recalled (or quarantined) and
// expired scans.
func (c *workflowCatalog) ResolveScan(ctx context.Context, data string, at time.Time) (workflow.Resolved, error) {
	sc, err := barcode.Parse(data, barcode.Options{Today: at.In(c.loc)})
	if err != nil {
		code := "bad_barcode"
		msg := err.Error()
		var be *barcode.Error
		if errors.As(err, &be) {
			msg = be.Message + " (" + be.Code + ")"
		}
		return workflow.Resolved{}, workflow.Refusal(code, "the barcode cannot be read: %s", msg)
	}
	if sc.GTIN == "" {
		return workflow.Resolved{}, workflow.Refusal("bad_barcode", "the barcode carries no GTIN: it is not a drug product barcode")
	}
	var row struct {
		catalogRow
		LotStatus string `db:"lot_status"`
		LotReason string `db:"lot_reason"`
	}
	if err := c.s.getHot(ctx, nil, &row, "wf-catalog-scan", sc.GTIN, sc.Lot); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return workflow.Resolved{}, workflow.Refusal("unknown_product", "GTIN %s (NDC digits %s) is not in the formulary", sc.GTIN, sc.NDC10())
		}
		return workflow.Resolved{}, Translate(err)
	}
	r := workflow.Resolved{Product: row.product(), GTIN: sc.GTIN, Lot: sc.Lot, Serial: sc.Serial}
	if row.LotStatus == "recalled" || row.LotStatus == "quarantined" {
		return r, workflow.Refusal("recalled", "lot %s of %s is %s: %s", sc.Lot, r.Product.Label(), row.LotStatus, row.LotReason)
	}
	if sc.Expiry != nil {
		end := bud.ExpiryEndOfDay(sc.Expiry.Year, int(sc.Expiry.Month), sc.Expiry.Day, c.loc)
		r.ExpiresAt = &end
		if at.After(end) {
			return r, workflow.Refusal("expired", "lot %s of %s expired %s", sc.Lot, r.Product.Label(), sc.Expiry.String())
		}
	}
	return r, nil
}
