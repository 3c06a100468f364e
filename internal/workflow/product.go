package workflow

import (
	"encoding/json"
	"fmt"
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

// Label names the product for steps, screens and refusals, once and in
// ISMP form (calc.Display) with the tall-man name: "ceFAZolin 1 g",
// "potassium chloride 2 mEq/mL (20 mEq/10 mL)", a bag by its volume
// ("sodium chloride 0.9% 100 mL bag"), and a product whose name already
// holds its strength by its volume ("sterile water for injection 10 mL").
func (p Product) Label() string {
	name := p.Name()
	switch {
	case p.Container == bud.ContainerBag && p.Volume != nil:
		return name + " " + calc.Display(*p.Volume) + " bag"
	case p.Amount != nil:
		return name + " " + calc.Display(*p.Amount)
	case p.Concentration != nil && !nameHasStrength(name):
		s := name + " " + calc.Display(*p.Concentration)
		if per, ok := p.PerContainer(); ok {
			s += " (" + calc.Display(per) + "/" + calc.Display(*p.Volume) + ")"
		}
		return s
	case p.Volume != nil:
		return name + " " + calc.Display(*p.Volume)
	}
	// Only the listing text is known (a worksheet stored before the
	// quantities were kept): drop the part the name already says.
	return strings.TrimSpace(name + " " + strengthAfter(name, p.Strength))
}

// nameHasStrength reports whether a drug name ends in a strength, as
// "sodium chloride 0.9%" and "dextrose 5%" do.
func nameHasStrength(name string) bool {
	f := strings.Fields(name)
	return len(f) > 1 && strings.ContainsAny(f[len(f)-1], "0123456789")
}

// strengthAfter removes from a listing strength the words the name ends
// with: "sodium chloride 0.9%" and "0.9% (9 mg/mL)" give "(9 mg/mL)".
func strengthAfter(name, strength string) string {
	strength = strings.TrimSpace(strength)
	f := strings.Fields(name)
	if len(f) == 0 {
		return strength
	}
	last := f[len(f)-1]
	if rest, ok := strings.CutPrefix(strength, last); ok && (rest == "" || rest[0] == ' ') {
		return strings.TrimSpace(rest)
	}
	return strength
}

// productJSON is Product as stored in a worksheet, with its quantities in
// the API's plain form, so that a worksheet read back labels and
// compares its products exactly as when it was computed.
type productJSON struct {
	productAlias
	AmountText        string `json:"amount,omitempty"`
	ConcentrationText string `json:"concentration,omitempty"`
	VolumeText        string `json:"volume,omitempty"`
}

type productAlias Product

// MarshalJSON writes the product with its quantities.
func (p Product) MarshalJSON() ([]byte, error) {
	j := productJSON{productAlias: productAlias(p)}
	if p.Amount != nil {
		j.AmountText = p.Amount.String()
	}
	if p.Concentration != nil {
		j.ConcentrationText = p.Concentration.String()
	}
	if p.Volume != nil {
		j.VolumeText = p.Volume.String()
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads a product written by MarshalJSON; a worksheet stored
// without the quantities reads with them nil.
func (p *Product) UnmarshalJSON(b []byte) error {
	var j productJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*p = Product(j.productAlias)
	for _, f := range []struct {
		text string
		dst  **calc.Quantity
	}{{j.AmountText, &p.Amount}, {j.ConcentrationText, &p.Concentration}, {j.VolumeText, &p.Volume}} {
		if f.text == "" {
			continue
		}
		q, err := calc.Parse(f.text)
		if err != nil {
			return fmt.Errorf("product %d quantity %q: %w", p.ID, f.text, err)
		}
		*f.dst = &q
	}
	return nil
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
