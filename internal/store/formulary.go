package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// The audit event types of formulary changes.
const (
	AuditProductCreated     = "formulary.product_created"
	AuditProductUpdated     = "formulary.product_updated"
	AuditLotStatusChanged   = "formulary.lot_status_changed"
	AuditFormularyImported  = "formulary.ndc_directory_imported"
	defaultProductLimit     = 50
	maxProductLimit         = 500
	importBatch             = 1000
	productNotFoundTemplate = "product %d does not exist"
)

// productFields are the product columns that are both read from
// product_view and written by insert-product and update-product.
type productFields struct {
	PackageNDC      string              `db:"package_ndc"`
	PackageNDC10    string              `db:"package_ndc10"`
	Brand           string              `db:"brand"`
	Labeler         string              `db:"labeler"`
	DosageForm      string              `db:"dosage_form"`
	StrengthText    string              `db:"strength_text"`
	StrengthValue   decimal.NullDecimal `db:"strength_value"`
	StrengthUnit    string              `db:"strength_unit"`
	ReconVolumeML   decimal.NullDecimal `db:"reconstituted_volume_ml"`
	VolumeML        decimal.NullDecimal `db:"volume_ml"`
	Container       string              `db:"container"`
	SpecificGravity decimal.NullDecimal `db:"specific_gravity"`
	Storage         string              `db:"storage"`
	PackDescription string              `db:"pack_description"`
	MarketingStart  sql.NullTime        `db:"marketing_start"`
	MarketingEnd    sql.NullTime        `db:"marketing_end"`
	Confirmation    string              `db:"confirmation"`
	Note            string              `db:"note"`
	Source          string              `db:"source"`
	SourceRef       string              `db:"source_ref"`
	SourceURL       string              `db:"source_url"`
	Active          bool                `db:"active"`
}

// productRow is one row of product_view.
type productRow struct {
	ID         int64  `db:"id"`
	DrugID     int64  `db:"drug_id"`
	DrugName   string `db:"drug_name"`
	TallMan    string `db:"tall_man"`
	Hazard     string `db:"hazard"`
	DrugSource string `db:"drug_source"`
	productFields
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// codeRow and reconRow are read as rows and, for a scan, as JSON
// (product-for-scan): the JSON keys are the column names.
type codeRow struct {
	ProductID int64  `db:"product_id" json:"product_id"`
	Kind      string `db:"kind" json:"kind"`
	NDC       string `db:"ndc" json:"ndc"`
	NDC10     string `db:"ndc10" json:"ndc10"`
	NDC11     string `db:"ndc11" json:"ndc11"`
	GTIN14    string `db:"gtin14" json:"gtin14"`
}

type reconRow struct {
	ProductID     int64               `db:"product_id" json:"product_id"`
	Diluent       string              `db:"diluent" json:"diluent"`
	DiluentML     decimal.Decimal     `db:"diluent_volume_ml" json:"diluent_volume_ml"`
	AvailableML   decimal.NullDecimal `db:"available_volume_ml" json:"available_volume_ml"`
	Concentration string              `db:"concentration" json:"concentration"`
	Note          string              `db:"note" json:"note"`
	SourceURL     string              `db:"source_url" json:"source_url"`
}

// lotRow is a lots row, read as a row and, for a scan, as JSON
// (product-for-scan).
type lotRow struct {
	ProductID int64     `db:"product_id" json:"product_id"`
	Lot       string    `db:"lot" json:"lot"`
	Status    string    `db:"status" json:"status"`
	Reason    string    `db:"reason" json:"reason"`
	ChangedBy *int64    `db:"changed_by" json:"changed_by"`
	ChangedAt time.Time `db:"changed_at" json:"changed_at"`
}

var unitML = calc.MustParseUnit("mL")

func mlQuantity(d decimal.NullDecimal) *calc.Quantity {
	if !d.Valid {
		return nil
	}
	return &calc.Quantity{Value: d.Decimal, Unit: unitML}
}

// toML stores a volume in mL; field names the input in errors.
func toML(field string, q *calc.Quantity) (decimal.NullDecimal, error) {
	if q == nil {
		return decimal.NullDecimal{}, nil
	}
	ml, err := q.Convert(unitML)
	if err != nil {
		return decimal.NullDecimal{}, apperr.InvalidField(field, "expected a volume, got %s", q)
	}
	return decimal.NullDecimal{Decimal: ml.Value, Valid: true}, nil
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

func (r productRow) product() (*formulary.Product, error) {
	p := &formulary.Product{
		ID: r.ID,
		Drug: formulary.Drug{ID: r.DrugID, Name: r.DrugName, TallMan: r.TallMan,
			Hazard: formulary.Hazard(r.Hazard), Source: formulary.Source(r.DrugSource)},
		Brand: r.Brand, Labeler: r.Labeler, DosageForm: r.DosageForm, StrengthText: r.StrengthText,
		ReconstitutedVolume: mlQuantity(r.ReconVolumeML), Volume: mlQuantity(r.VolumeML),
		Container: formulary.Container(r.Container), Storage: r.Storage, PackDescription: r.PackDescription,
		MarketingStart: timePtr(r.MarketingStart), MarketingEnd: timePtr(r.MarketingEnd),
		Confirmation: r.Confirmation, Note: r.Note, Source: formulary.Source(r.Source), SourceRef: r.SourceRef,
		SourceURL: r.SourceURL, Active: r.Active, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
	if r.StrengthValue.Valid {
		u, err := calc.ParseUnit(r.StrengthUnit)
		if err != nil {
			return nil, apperr.Wrap(fmt.Errorf("product %d: stored strength unit %q: %w", r.ID, r.StrengthUnit, err), "corrupt product row")
		}
		p.Strength = &calc.Quantity{Value: r.StrengthValue.Decimal, Unit: u}
	}
	if r.SpecificGravity.Valid {
		sg := r.SpecificGravity.Decimal
		p.SpecificGravity = &sg
	}
	return p, nil
}

// productParams are the named parameters of insert-product and update-product.
type productParams struct {
	ID     int64 `db:"id"`
	DrugID int64 `db:"drug_id"`
	productFields
}

func paramsOf(p *formulary.Product, drugID int64) (productParams, error) {
	pp := productParams{ID: p.ID, DrugID: drugID, productFields: productFields{
		PackageNDC: p.Package.NDC, PackageNDC10: p.Package.NDC10, Brand: p.Brand,
		Labeler: p.Labeler, DosageForm: p.DosageForm, StrengthText: p.StrengthText, Container: string(p.Container),
		Storage: p.Storage, PackDescription: p.PackDescription, MarketingStart: nullTime(p.MarketingStart),
		MarketingEnd: nullTime(p.MarketingEnd), Confirmation: p.Confirmation, Note: p.Note, Source: string(p.Source),
		SourceRef: p.SourceRef, SourceURL: p.SourceURL, Active: p.Active,
	}}
	if p.Strength != nil {
		pp.StrengthValue = decimal.NullDecimal{Decimal: p.Strength.Value, Valid: true}
		pp.StrengthUnit = p.Strength.Unit.String()
	}
	var err error
	if pp.ReconVolumeML, err = toML("reconstituted_volume", p.ReconstitutedVolume); err != nil {
		return pp, err
	}
	if pp.VolumeML, err = toML("volume", p.Volume); err != nil {
		return pp, err
	}
	if p.SpecificGravity != nil {
		pp.SpecificGravity = decimal.NullDecimal{Decimal: *p.SpecificGravity, Valid: true}
	}
	return pp, nil
}

// fillProducts loads the codes and reconstitution directions of rows.
func (s *Store) fillProducts(ctx context.Context, q sqlx.QueryerContext, rows []productRow) ([]*formulary.Product, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	out := make([]*formulary.Product, len(rows))
	byID := make(map[int64]*formulary.Product, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		p, err := r.product()
		if err != nil {
			return nil, err
		}
		out[i], byID[r.ID], ids[i] = p, p, r.ID
	}
	var codes []codeRow
	if err := s.selectHot(ctx, q, &codes, &s.st.productCodes, pq.Array(ids)); err != nil {
		return nil, Translate(err)
	}
	var recons []reconRow
	if err := s.selectHot(ctx, q, &recons, &s.st.productReconstitutions, pq.Array(ids)); err != nil {
		return nil, Translate(err)
	}
	attach(byID, codes, recons)
	return out, nil
}

// attach adds codes and reconstitutions, in their order, to the products
// they belong to.
func attach(byID map[int64]*formulary.Product, codes []codeRow, recons []reconRow) {
	for _, c := range codes {
		p := byID[c.ProductID]
		code := formulary.Code{Kind: formulary.CodeKind(c.Kind), NDC: c.NDC, NDC10: c.NDC10, NDC11: c.NDC11, GTIN14: c.GTIN14}
		if code.Kind == formulary.CodePackage {
			p.Package = code
		} else {
			p.Units = append(p.Units, code)
		}
	}
	for _, r := range recons {
		p := byID[r.ProductID]
		p.Reconstitutions = append(p.Reconstitutions, formulary.Reconstitution{
			Diluent: r.Diluent, DiluentVolume: calc.Quantity{Value: r.DiluentML, Unit: unitML},
			AvailableVolume: mlQuantity(r.AvailableML), Concentration: r.Concentration, Note: r.Note, SourceURL: r.SourceURL,
		})
	}
}

// oneProduct runs a query expected to return one product row.
func (s *Store) oneProduct(ctx context.Context, q sqlx.QueryerContext, query *prepared, arg any, notFound string) (*formulary.Product, error) {
	var rows []productRow
	if err := s.selectHot(ctx, q, &rows, query, arg); err != nil {
		return nil, Translate(err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "%s", notFound)
	}
	ps, err := s.fillProducts(ctx, q, rows[:1])
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// Product returns the product with the given ID.
func (s *Store) Product(ctx context.Context, id int64) (*formulary.Product, error) {
	return s.oneProduct(ctx, s.DB, &s.st.getProduct, id, fmt.Sprintf(productNotFoundTemplate, id))
}

// ProductByGTIN returns the product one of whose codes has this GTIN-14.
func (s *Store) ProductByGTIN(ctx context.Context, gtin14 string) (*formulary.Product, error) {
	return s.oneProduct(ctx, s.DB, &s.st.productByGTIN, gtin14, "no product has GTIN "+gtin14)
}

// ProductForScan is ProductByGTIN with the recorded state of the scanned
// lot read in the same round trip: lot is nil when that lot was never
// recorded (it is then usable) or lotNumber is "".
func (s *Store) ProductForScan(ctx context.Context, gtin14, lotNumber string) (_ *formulary.Product, lot *formulary.Lot, _ error) {
	var row struct {
		productRow
		Codes  []byte `db:"codes_json"`
		Recons []byte `db:"reconstitutions_json"`
		Lot    []byte `db:"lot_json"`
	}
	if err := s.getHot(ctx, nil, &row, &s.st.productForScan, gtin14, lotNumber); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil, apperr.New(apperr.NotFound, "no product has GTIN %s", gtin14)
		}
		return nil, nil, Translate(err)
	}
	p, err := row.product()
	if err != nil {
		return nil, nil, err
	}
	var codes []codeRow
	var recons []reconRow
	if err := errors.Join(json.Unmarshal(row.Codes, &codes), json.Unmarshal(row.Recons, &recons)); err != nil {
		return nil, nil, apperr.Wrap(err, fmt.Sprintf("read product %d", p.ID))
	}
	attach(map[int64]*formulary.Product{p.ID: p}, codes, recons)
	if row.Lot != nil {
		var r lotRow
		if err := json.Unmarshal(row.Lot, &r); err != nil {
			return nil, nil, apperr.Wrap(err, fmt.Sprintf("read lot %s of product %d", lotNumber, p.ID))
		}
		l := r.lot()
		lot = &l
	}
	return p, lot, nil
}

// ProductByNDC10 returns the product one of whose codes has these 10 NDC digits.
func (s *Store) ProductByNDC10(ctx context.Context, ndc10 string) (*formulary.Product, error) {
	return s.oneProduct(ctx, s.DB, &s.st.productByNDC10, ndc10, "no product has NDC digits "+ndc10)
}

// LotByNumber returns the recorded state of a lot; NotFound when the lot
// was never recorded (it is then usable).
func (s *Store) LotByNumber(ctx context.Context, productID int64, lot string) (*formulary.Lot, error) {
	var r lotRow
	if err := s.getHot(ctx, nil, &r, &s.st.getLot, productID, lot); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, apperr.New(apperr.NotFound, "lot %s of product %d has no recorded status", lot, productID)
		}
		return nil, Translate(err)
	}
	l := r.lot()
	return &l, nil
}

func (r lotRow) lot() formulary.Lot {
	return formulary.Lot{ProductID: r.ProductID, Lot: r.Lot, Status: formulary.LotStatus(r.Status), Reason: r.Reason,
		ChangedBy: r.ChangedBy, ChangedAt: r.ChangedAt}
}

// ProductFilter narrows a product search.
type ProductFilter struct {
	// Limit caps the result (default 50, at most 500).
	Limit int
	// IncludeInactive lists withdrawn products too (for administration).
	IncludeInactive bool
}

// SearchProducts finds products by name, NDC in any shape, GTIN, or the
// start of an NDC (see formulary.ParseQuery).
func (s *Store) SearchProducts(ctx context.Context, q formulary.Query, f ProductFilter) ([]*formulary.Product, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = defaultProductLimit
	}
	if limit > maxProductLimit {
		limit = maxProductLimit
	}
	var rows []productRow
	var err error
	switch q.Kind {
	case formulary.QueryAll, "":
		err = s.DB.SelectContext(ctx, &rows, s.q.SearchProductsAll, f.IncludeInactive, limit)
	case formulary.QueryName:
		err = s.DB.SelectContext(ctx, &rows, s.q.SearchProductsByName, formulary.LikePattern(q.Text), q.Text, f.IncludeInactive, limit)
	case formulary.QueryCodes:
		err = s.DB.SelectContext(ctx, &rows, s.q.SearchProductsByNDC10s, pq.Array(q.NDC10s), f.IncludeInactive, limit)
	case formulary.QueryCodePrefix:
		err = s.DB.SelectContext(ctx, &rows, s.q.SearchProductsByCodePrefix, q.Prefix, f.IncludeInactive, limit)
	default:
		return nil, apperr.InvalidField("q", "unknown search kind %q", q.Kind)
	}
	if err != nil {
		return nil, Translate(err)
	}
	return s.fillProducts(ctx, s.DB, rows)
}

// checkCodesFree refuses codes that another product already holds, naming
// the field, before the unique index would answer with a bare conflict.
func (s *Store) checkCodesFree(ctx context.Context, tx *sqlx.Tx, p *formulary.Product, self int64) error {
	for i, c := range p.Codes() {
		var owner int64
		err := tx.GetContext(ctx, &owner, s.q.CodeOwner, c.NDC10)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && owner == self) {
			continue
		}
		if err != nil {
			return Translate(err)
		}
		field := "package_ndc"
		if i > 0 {
			field = fmt.Sprintf("unit_ndcs[%d]", i-1)
		}
		return &apperr.Error{Kind: apperr.Conflict, Code: "ndc_taken", Field: field,
			Message: fmt.Sprintf("NDC %s already belongs to product %d", c.NDC, owner)}
	}
	return nil
}

// writeProduct inserts (p.ID == 0) or updates a product with its drug,
// codes and reconstitution directions, in tx.
func (s *Store) writeProduct(ctx context.Context, tx *sqlx.Tx, p *formulary.Product) error {
	var drugID int64
	if err := tx.GetContext(ctx, &drugID, s.q.UpsertDrug, p.Drug.Name, p.Drug.TallMan, string(p.Drug.Hazard)); err != nil {
		return Translate(err)
	}
	if err := s.checkCodesFree(ctx, tx, p, p.ID); err != nil {
		return err
	}
	pp, err := paramsOf(p, drugID)
	if err != nil {
		return err
	}
	args := []any{pp.DrugID, pp.PackageNDC, pp.PackageNDC10, pp.Brand, pp.Labeler, pp.DosageForm, pp.StrengthText,
		pp.StrengthValue, pp.StrengthUnit, pp.ReconVolumeML, pp.VolumeML, pp.Container, pp.SpecificGravity,
		pp.Storage, pp.PackDescription, pp.MarketingStart, pp.MarketingEnd, pp.Confirmation, pp.Note, pp.Source,
		pp.SourceRef, pp.SourceURL, pp.Active}
	query := s.q.InsertProduct
	if p.ID != 0 {
		query = s.q.UpdateProduct
		args = append(args, p.ID)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, query, args...); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.New(apperr.NotFound, productNotFoundTemplate, p.ID)
		}
		return Translate(err)
	}
	p.ID = id
	if _, err := tx.ExecContext(ctx, s.q.DeleteProductCodes, pq.Array([]int64{id})); err != nil {
		return Translate(err)
	}
	for _, c := range p.Codes() {
		if _, err := tx.ExecContext(ctx, s.q.InsertProductCode, id, string(c.Kind), c.NDC, c.NDC10, c.NDC11, c.GTIN14); err != nil {
			return Translate(err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q.DeleteProductReconstitutions, id); err != nil {
		return Translate(err)
	}
	for i, r := range p.Reconstitutions {
		dv, err := toML(fmt.Sprintf("reconstitution[%d].diluent_volume", i), &r.DiluentVolume)
		if err != nil {
			return err
		}
		av, err := toML(fmt.Sprintf("reconstitution[%d].available_volume", i), r.AvailableVolume)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q.InsertProductReconstitution, id, i, r.Diluent, dv, av,
			r.Concentration, r.Note, r.SourceURL); err != nil {
			return Translate(err)
		}
	}
	return nil
}

func auditPayload(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own view types are marshalled here; they always encode.
		panic(err)
	}
	return b
}

// CreateProduct adds a curated product, logging it in the same transaction.
func (s *Store) CreateProduct(ctx context.Context, p *formulary.Product, actor *int64) (*formulary.Product, error) {
	if p.ID != 0 {
		return nil, apperr.InvalidField("id", "a new product has no ID yet")
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *formulary.Product
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := s.writeProduct(ctx, tx, p); err != nil {
			return err
		}
		var err error
		if out, err = s.oneProduct(ctx, tx, &s.st.getProduct, p.ID, "product vanished"); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Event{Type: AuditProductCreated, ActorID: actor,
			Payload: auditPayload(map[string]any{"product": formulary.ViewOf(out)})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateProduct replaces a product's fields, codes and reconstitution
// directions; the audit event carries the record before and after.
func (s *Store) UpdateProduct(ctx context.Context, id int64, p *formulary.Product, actor *int64) (*formulary.Product, error) {
	p.ID = id
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var out *formulary.Product
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var locked int64
		if err := tx.GetContext(ctx, &locked, s.q.LockProduct, id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, productNotFoundTemplate, id)
			}
			return Translate(err)
		}
		before, err := s.oneProduct(ctx, tx, &s.st.getProduct, id, fmt.Sprintf(productNotFoundTemplate, id))
		if err != nil {
			return err
		}
		// What an admin's form does not carry is kept from the record.
		if p.PackDescription == "" {
			p.PackDescription = before.PackDescription
		}
		if p.MarketingStart == nil && p.MarketingEnd == nil {
			p.MarketingStart, p.MarketingEnd = before.MarketingStart, before.MarketingEnd
		}
		if p.SourceRef == "" {
			p.SourceRef = before.SourceRef
		}
		if err := s.writeProduct(ctx, tx, p); err != nil {
			return err
		}
		if out, err = s.oneProduct(ctx, tx, &s.st.getProduct, id, "product vanished"); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Event{Type: AuditProductUpdated, ActorID: actor,
			Payload: auditPayload(map[string]any{"before": formulary.ViewOf(before), "after": formulary.ViewOf(out)})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SetLotStatus records a lot as recalled, quarantined or released (ok),
// logging the change with its reason in the same transaction.
func (s *Store) SetLotStatus(ctx context.Context, c formulary.LotChange, actor *int64) (*formulary.Lot, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out formulary.Lot
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var locked int64
		if err := tx.GetContext(ctx, &locked, s.q.LockProduct, c.ProductID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.NotFound, productNotFoundTemplate, c.ProductID)
			}
			return Translate(err)
		}
		var before lotRow
		prev := string(formulary.LotOK)
		switch err := tx.GetContext(ctx, &before, s.q.GetLot, c.ProductID, c.Lot); {
		case err == nil:
			prev = before.Status
		case !errors.Is(err, sql.ErrNoRows):
			return Translate(err)
		}
		var r lotRow
		if err := tx.GetContext(ctx, &r, s.q.UpsertLot, c.ProductID, c.Lot, string(c.Status), c.Reason, actor); err != nil {
			return Translate(err)
		}
		out = r.lot()
		_, err := audit.Append(ctx, tx, audit.Event{Type: AuditLotStatusChanged, ActorID: actor,
			Payload: auditPayload(map[string]any{"product_id": c.ProductID, "lot": c.Lot, "from": prev,
				"to": string(c.Status), "reason": c.Reason})})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Lots lists the recorded lots of a product, most recently changed first.
func (s *Store) Lots(ctx context.Context, productID int64) ([]formulary.Lot, error) {
	var rows []lotRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.ListLots, productID); err != nil {
		return nil, Translate(err)
	}
	out := make([]formulary.Lot, len(rows))
	for i, r := range rows {
		out[i] = r.lot()
	}
	return out, nil
}

type drugRow struct {
	ID      int64  `db:"id"`
	Name    string `db:"name"`
	TallMan string `db:"tall_man"`
	Hazard  string `db:"hazard"`
	Source  string `db:"source"`
}

// Drugs lists every drug.
func (s *Store) Drugs(ctx context.Context) ([]formulary.Drug, error) {
	return s.drugs(ctx, s.DB)
}

func (s *Store) drugs(ctx context.Context, q sqlx.QueryerContext) ([]formulary.Drug, error) {
	var rows []drugRow
	if err := sqlx.SelectContext(ctx, q, &rows, s.q.ListDrugs); err != nil {
		return nil, Translate(err)
	}
	out := make([]formulary.Drug, len(rows))
	for i, r := range rows {
		out[i] = formulary.Drug{ID: r.ID, Name: r.Name, TallMan: r.TallMan, Hazard: formulary.Hazard(r.Hazard), Source: formulary.Source(r.Source)}
	}
	return out, nil
}

type stabilityRow struct {
	ID           int64               `db:"id"`
	DrugID       int64               `db:"drug_id"`
	DrugName     string              `db:"drug_name"`
	TallMan      string              `db:"tall_man"`
	Hazard       string              `db:"hazard"`
	Presentation string              `db:"presentation"`
	Diluent      string              `db:"diluent"`
	Phase        string              `db:"phase"`
	Storage      string              `db:"storage"`
	LimitHours   decimal.NullDecimal `db:"limit_hours"`
	Note         string              `db:"note"`
	SourceURL    string              `db:"source_url"`
}

// Stability lists the stability entries of a drug.
func (s *Store) Stability(ctx context.Context, drugID int64) ([]formulary.StabilityEntry, error) {
	var rows []stabilityRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.StabilityByDrug, drugID); err != nil {
		return nil, Translate(err)
	}
	out := make([]formulary.StabilityEntry, len(rows))
	for i, r := range rows {
		e := formulary.StabilityEntry{ID: r.ID, Drug: formulary.Drug{ID: r.DrugID, Name: r.DrugName, TallMan: r.TallMan, Hazard: formulary.Hazard(r.Hazard)},
			Presentation: r.Presentation, Diluent: r.Diluent, Phase: formulary.Phase(r.Phase), Storage: formulary.Storage(r.Storage),
			Note: r.Note, SourceURL: r.SourceURL}
		if r.LimitHours.Valid {
			h := r.LimitHours.Decimal
			e.LimitHours = &h
		}
		out[i] = e
	}
	return out, nil
}
