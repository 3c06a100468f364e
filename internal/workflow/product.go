package workflow

import (
	"context"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/bud"
)

// Product is what the workflow needs to know about a formulary product. It
// is snapshotted into the worksheet, so a later formulary edit does not
// change a preparation already computed.
type Product struct {
	ID      int64  `json:"id"`
	Drug    string `json:"drug"`
	TallMan string `json:"tall_man,omitempty"`
	// Strength is the listing text ("1 g", "40 mg/mL (80 mg/2 mL)").
	Strength   string        `json:"strength"`
	DosageForm string        `json:"dosage_form,omitempty"`
	Container  bud.Container `json:"container"`
	Hazardous  bool          `json:"hazardous"`
	NDC        string        `json:"ndc,omitempty"`
	GTIN       string        `json:"gtin,omitempty"`
	// Amount is the drug in one container ("1 g" powder, "80 mg" in 2 mL);
	// Concentration is set for a solution, Volume for a liquid container.
	Amount        *calc.Quantity `json:"-"`
	Concentration *calc.Quantity `json:"-"`
	Volume        *calc.Quantity `json:"-"`
	// SpecificGravity of the liquid as supplied; nil when the formulary has
	// none, and then no gravimetric check is possible on it.
	SpecificGravity *decimal.Decimal `json:"specific_gravity,omitempty"`
	// InUseLimit is a manufacturer-stated in-use limit (pharmacy bulk).
	InUseLimit *time.Duration `json:"-"`
}

// Name is the display name: the tall-man spelling where there is one.
func (p Product) Name() string {
	if p.TallMan != "" {
		return p.TallMan
	}
	return p.Drug
}

// Label names the product for screens and refusals: "ceFAZolin 1 g", or
// for a bag its volume ("sodium chloride 0.9% 100 mL bag").
func (p Product) Label() string {
	if p.Container == bud.ContainerBag && p.Volume != nil {
		return p.Name() + " " + calc.Display(*p.Volume) + " bag"
	}
	return strings.TrimSpace(p.Name() + " " + p.Strength)
}

// PerContainer is the drug amount in one container: Amount, or
// Concentration × Volume.
func (p Product) PerContainer() (calc.Quantity, bool) {
	if p.Amount != nil {
		return *p.Amount, true
	}
	if p.Concentration != nil && p.Volume != nil {
		q, err := p.Concentration.Mul(*p.Volume)
		if err == nil {
			return q, true
		}
	}
	return calc.Quantity{}, false
}

// sameStrength reports whether two products hold the same drug amount in
// the same way, so a scan of one can stand for the other on a worksheet.
func sameStrength(a, b Product) bool {
	eq := func(x, y *calc.Quantity) bool {
		if x == nil || y == nil {
			return x == nil && y == nil
		}
		c, err := x.Cmp(*y)
		return err == nil && c == 0
	}
	return eq(a.Amount, b.Amount) && eq(a.Concentration, b.Concentration) && eq(a.Volume, b.Volume)
}

// Resolved is a scan mapped to a formulary product and lot.
type Resolved struct {
	Product Product
	GTIN    string
	Lot     string
	Serial  string
	// ExpiresAt is the lot expiry as an instant (end of day in the site zone).
	ExpiresAt *time.Time
}

// Catalog is the formulary as the workflow sees it. The store implements
// it over the formulary tables; tests use a fixed list.
type Catalog interface {
	// Products returns the products a recipe reference names, in a stable order.
	Products(ctx context.Context, ref ProductRef) ([]Product, error)
	// ResolveScan parses scanned data and maps it to a product and lot. A
	// refusal is an *apperr.Error of kind Refused with code bad_barcode,
	// unknown_product, recalled or expired.
	ResolveScan(ctx context.Context, data string, at time.Time) (Resolved, error)
}
