// Package catalog is the formulary service: the products, their lots,
// stability entries and reference pictures as the handlers read and change
// them. Each method is one load or one save of the store (a change is
// validated and logged by the store in its own transaction); the handlers
// reach the formulary only through it.
package catalog

import (
	"context"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Service reads and changes the formulary on one store.
type Service struct {
	st *store.Store
}

// New returns the service on st.
func New(st *store.Store) *Service { return &Service{st: st} }

type (
	// ProductFilter caps a product search and may include withdrawn
	// products.
	ProductFilter = store.ProductFilter
	// PictureInput is a product's new reference picture.
	PictureInput = store.PictureInput
)

// SearchProducts finds products by name, NDC in any shape, GTIN, or the
// start of an NDC (see formulary.ParseQuery).
func (s *Service) SearchProducts(ctx context.Context, q formulary.Query, f ProductFilter) ([]*formulary.Product, error) {
	return s.st.SearchProducts(ctx, q, f)
}

// Product returns one product.
func (s *Service) Product(ctx context.Context, id int64) (*formulary.Product, error) {
	return s.st.Product(ctx, id)
}

// ProductLabel names a product as the workflow labels it (drug, strength,
// form), for a product not on a worksheet.
func (s *Service) ProductLabel(ctx context.Context, id int64) (string, error) {
	p, err := s.st.Product(ctx, id)
	if err != nil {
		return "", err
	}
	if p == nil {
		return "", apperr.New(apperr.NotFound, "product %d not found", id)
	}
	return store.WorkflowProduct(p).Label(), nil
}

// ProductsOf returns the products that recipe references name.
func (s *Service) ProductsOf(ctx context.Context, refs []workflow.ProductRef) ([]workflow.Product, error) {
	return s.st.ProductsOf(ctx, refs)
}

// FindProduct names the product of a scanned GTIN (a Refused error when
// the formulary has none).
func (s *Service) FindProduct(ctx context.Context, scan *barcode.Scan) (*formulary.Product, error) {
	return formulary.FindProduct(ctx, s.st, scan)
}

// CreateProduct adds a product; actor is who added it (logged).
func (s *Service) CreateProduct(ctx context.Context, p *formulary.Product, actor *int64) (*formulary.Product, error) {
	return s.st.CreateProduct(ctx, p, actor)
}

// UpdateProduct changes a product; actor is who changed it (logged).
func (s *Service) UpdateProduct(ctx context.Context, id int64, p *formulary.Product, actor *int64) (*formulary.Product, error) {
	return s.st.UpdateProduct(ctx, id, p, actor)
}

// SetLotStatus puts a lot on recall or quarantine, or releases it.
func (s *Service) SetLotStatus(ctx context.Context, c formulary.LotChange, actor *int64) (*formulary.Lot, error) {
	return s.st.SetLotStatus(ctx, c, actor)
}

// Lots lists the recorded lots of a product.
func (s *Service) Lots(ctx context.Context, productID int64) ([]formulary.Lot, error) {
	return s.st.Lots(ctx, productID)
}

// Stability lists the stability entries of a drug.
func (s *Service) Stability(ctx context.Context, drugID int64) ([]formulary.StabilityEntry, error) {
	return s.st.Stability(ctx, drugID)
}

// ReplaceStability replaces a drug's stability entries; actor is who did
// it (logged).
func (s *Service) ReplaceStability(ctx context.Context, drugID int64, es []formulary.StabilityEntry, actor *int64) error {
	return s.st.ReplaceStability(ctx, drugID, es, actor)
}

// AddPicture stores a product's reference picture, the one shown from then
// on, and returns its id.
func (s *Service) AddPicture(ctx context.Context, in PictureInput) (int64, error) {
	return s.st.AddProductPicture(ctx, in)
}

// Picture returns the bytes of one reference picture of a product.
func (s *Service) Picture(ctx context.Context, productID, pictureID int64) (contentType string, data []byte, err error) {
	return s.st.ProductPicture(ctx, productID, pictureID)
}

// LatestPictures maps each product that has a reference picture to the id
// of the one shown.
func (s *Service) LatestPictures(ctx context.Context, productIDs []int64) (map[int64]int64, error) {
	return s.st.LatestPictures(ctx, productIDs)
}
