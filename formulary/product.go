package formulary

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
)

// Container is the kind of container a product comes in; it decides the
// in-use limit once the container is opened.
type Container string

// The container kinds of USP <797>. ContainerUnknown is allowed only on
// imported products whose listing does not say (a plain "VIAL"): the
// workflow treats it as single-dose, the most restrictive.
const (
	ContainerUnknown Container = ""
	SingleDose       Container = "single_dose"
	MultipleDose     Container = "multiple_dose"
	PharmacyBulk     Container = "pharmacy_bulk"
	Ampule           Container = "ampule"
	Bag              Container = "bag"
)

// Containers lists the known container kinds.
var Containers = []Container{SingleDose, MultipleDose, PharmacyBulk, Ampule, Bag}

// ParseContainer reads a container kind.
func ParseContainer(s string) (Container, error) {
	c := Container(strings.TrimSpace(s))
	for _, k := range Containers {
		if c == k {
			return c, nil
		}
	}
	if c == ContainerUnknown {
		return c, nil
	}
	return "", apperr.InvalidField("container", "%q is not a container kind; expected single_dose, multiple_dose, pharmacy_bulk, ampule or bag", s)
}

// CodeKind says whether a code is on the outer package or on the unit of use.
type CodeKind string

// The code kinds.
const (
	CodePackage CodeKind = "package" // the carton or tray a product is sold in
	CodeUnit    CodeKind = "unit"    // the vial or bag itself: what the bench scans
)

// Code is one NDC of a product with the forms a scanner or a bill carries.
type Code struct {
	Kind CodeKind
	// NDC is the code as printed, hyphenated ("0409-1207-03").
	NDC string
	// NDC10 is its 10 digits, as carried inside a GTIN.
	NDC10 string
	// NDC11 is the 11-digit billing form (5-4-2 without hyphens).
	NDC11 string
	// GTIN14 is the GTIN of the unit of use carrying the NDC: indicator 0,
	// "03", NDC10, check digit. A GTIN-12 (UPC-A) is the same digits
	// without the two leading zeros.
	GTIN14 string
}

// NewCode builds a code from an NDC as printed; field names the input in
// errors. The printed layout (hyphens) is required: ten bare digits do not
// say which segment a billing form pads.
func NewCode(kind CodeKind, field, ndc string) (Code, error) {
	n, err := barcode.ParseNDC(ndc)
	if err != nil {
		return Code{}, apperr.InvalidField(field, "%s", apperr.Message(err))
	}
	if !n.Shape.Known() {
		return Code{}, apperr.InvalidField(field, "NDC %q: write it as printed, with hyphens (4-4-2, 5-3-2 or 5-4-1), so the billing form is certain", ndc)
	}
	d10, ok := n.Digits10()
	if !ok {
		return Code{}, apperr.InvalidField(field, "NDC %q: cannot tell which 10-digit NDC it is; write it as printed on the package (4-4-2, 5-3-2 or 5-4-1)", ndc)
	}
	printed := n
	if n.Shape != barcode.Shape442 && n.Shape != barcode.Shape532 && n.Shape != barcode.Shape541 {
		// A billing or 12-digit form: print the 10-digit layout it came from.
		if c := unpad(n); c.Shape.Known() {
			printed = c
		}
	}
	b11, err := printed.Billing11()
	if err != nil {
		return Code{}, apperr.InvalidField(field, "%s", apperr.Message(err))
	}
	gtin, err := barcode.GTINFromNDC(n)
	if err != nil {
		return Code{}, apperr.InvalidField(field, "%s", apperr.Message(err))
	}
	if kind != CodePackage && kind != CodeUnit {
		return Code{}, apperr.InvalidField(field, "code kind %q: expected package or unit", kind)
	}
	return Code{Kind: kind, NDC: printed.Format(), NDC10: d10, NDC11: b11, GTIN14: gtin}, nil
}

// unpad turns a padded NDC (5-4-2 billing or 6-digit labeler) back into its
// one 10-digit layout, or returns the zero NDC when that is ambiguous.
func unpad(n barcode.NDC) barcode.NDC {
	cands := TenDigitCandidates(n)
	if len(cands) != 1 {
		return barcode.NDC{}
	}
	return cands[0]
}

// TenDigitCandidates lists the 10-digit NDCs (with their layouts) that an
// NDC may be: itself for 4-4-2, 5-3-2 and 5-4-1; for the 11-digit billing
// form each segment that carries a padding zero gives one candidate.
func TenDigitCandidates(n barcode.NDC) []barcode.NDC {
	switch n.Shape {
	case barcode.Shape442, barcode.Shape532, barcode.Shape541:
		return []barcode.NDC{n}
	}
	d := n.Digits
	if n.Shape == (barcode.Shape{}) && len(d) == 10 {
		return []barcode.NDC{n}
	}
	var b11 string
	switch {
	case len(d) == 11:
		b11 = d
	case len(d) == 12 && d[0] == '0':
		b11 = d[1:]
	default:
		return nil
	}
	l, p, k := b11[:5], b11[5:9], b11[9:]
	var out []barcode.NDC
	if l[0] == '0' {
		out = append(out, barcode.NDC{Digits: l[1:] + p + k, Shape: barcode.Shape442})
	}
	if p[0] == '0' {
		out = append(out, barcode.NDC{Digits: l + p[1:] + k, Shape: barcode.Shape532})
	}
	if k[0] == '0' {
		out = append(out, barcode.NDC{Digits: l + p + k[1:], Shape: barcode.Shape541})
	}
	return out
}

// Reconstitution is one way of reconstituting a powder, from its label.
type Reconstitution struct {
	Diluent       string
	DiluentVolume calc.Quantity
	// AvailableVolume is the label's approximate volume after
	// reconstitution; nil when the label gives none.
	AvailableVolume *calc.Quantity
	// Concentration is the label's resulting concentration, as written
	// ("about 100 mg/mL").
	Concentration string
	Note          string
	SourceURL     string
}

// Displacement is the volume the powder adds: available − diluent volume;
// nil when the available volume is not known.
func (r Reconstitution) Displacement() *calc.Quantity {
	if r.AvailableVolume == nil {
		return nil
	}
	d, err := r.AvailableVolume.Sub(r.DiluentVolume)
	if err != nil {
		return nil
	}
	return &d
}

// Product is one package NDC in the formulary.
type Product struct {
	ID   int64
	Drug Drug
	// Brand is the proprietary name, "" for generics listed without one.
	Brand string
	// Package is the package NDC; Units are the NDCs printed on the vials
	// or bags inside. Every one of them resolves to this product.
	Package Code
	Units   []Code
	Labeler string
	// DosageForm uses the SPL wording ("injection, powder, for solution").
	DosageForm string
	// StrengthText is the strength as listed, kept for display and review.
	StrengthText string
	// Strength is the concentration of a liquid ("2 mEq/mL") or the total
	// amount of a powder per container ("1 g"); nil for a vehicle without
	// an active ingredient, such as sterile water.
	Strength *calc.Quantity
	// ReconstitutedVolume is a powder's listing denominator ("3.375 g/15 mL"
	// gives 15 mL): the volume after reconstitution per the listing, never
	// a concentration of the dry vial.
	ReconstitutedVolume *calc.Quantity
	// Volume is a liquid's volume per container ("10 mL").
	Volume    *calc.Quantity
	Container Container
	// SpecificGravity is nil when not known: gravimetric checks must not
	// assume 1.
	SpecificGravity *decimal.Decimal
	Reconstitutions []Reconstitution
	// Storage of the intact container, as the label says it.
	Storage         string
	PackDescription string
	MarketingStart  *time.Time
	MarketingEnd    *time.Time
	// Confirmation says how well the record is confirmed ("listing",
	// "label", "partial").
	Confirmation string
	Note         string
	Source       Source
	// SourceRef is the source's own key (the NDC Directory PRODUCTID).
	SourceRef string
	SourceURL string
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Codes returns the package code followed by the unit codes.
func (p *Product) Codes() []Code {
	return append([]Code{p.Package}, p.Units...)
}

// IsPowder reports whether the product is a dry powder to reconstitute.
func (p *Product) IsPowder() bool {
	return IsPowderForm(p.DosageForm)
}

// IsPowderForm reports whether an SPL dosage form is a powder.
func IsPowderForm(form string) bool {
	return strings.Contains(strings.ToLower(form), "powder")
}

// Concentration returns a liquid's concentration, nil for a powder (its
// concentration depends on how it is reconstituted) or a vehicle.
func (p *Product) Concentration() *calc.Quantity {
	if p.IsPowder() || p.Strength == nil || !IsConcentration(*p.Strength) {
		return nil
	}
	return p.Strength
}

// AmountPerContainer is the drug in one container: a powder's strength, or
// a liquid's concentration times its volume; nil when not known.
func (p *Product) AmountPerContainer() *calc.Quantity {
	if p.Strength == nil {
		return nil
	}
	if !IsConcentration(*p.Strength) {
		return p.Strength
	}
	if p.Volume == nil {
		return nil
	}
	a, err := p.Strength.Mul(*p.Volume)
	if err != nil {
		return nil
	}
	return &a
}

// IsConcentration reports whether q is an amount per volume (mg/mL, units/mL).
func IsConcentration(q calc.Quantity) bool {
	dim := q.Unit.Dimension()
	return strings.HasSuffix(dim, "/volume") && strings.Count(dim, "/") == 1 && dim != "volume/volume"
}

// IsVolume reports whether q is a volume.
func IsVolume(q calc.Quantity) bool { return q.Unit.Dimension() == "volume" }

// isAmount reports whether q is an amount of drug (mass, mEq, mmol, units).
func isAmount(q calc.Quantity) bool {
	switch q.Unit.Dimension() {
	case "mass", "equivalents", "amount", "activity":
		return true
	}
	return false
}

// specific gravities outside this range are typing errors, not liquids.
var (
	minSG = decimal.RequireFromString("0.5")
	maxSG = decimal.RequireFromString("3")
)

// Validate checks a product before it is stored; each error names the
// field at fault.
func (p *Product) Validate() error {
	if err := p.Drug.Validate(); err != nil {
		return err
	}
	if p.Package.Kind != CodePackage || len(p.Package.NDC10) != 10 {
		return apperr.InvalidField("package_ndc", "the package NDC is required")
	}
	seen := map[string]bool{p.Package.NDC10: true}
	for i, u := range p.Units {
		field := fmt.Sprintf("unit_ndcs[%d]", i)
		if u.Kind != CodeUnit || len(u.NDC10) != 10 {
			return apperr.InvalidField(field, "not a unit-of-use NDC")
		}
		if seen[u.NDC10] {
			return apperr.InvalidField(field, "NDC %s is listed twice on this product", u.NDC)
		}
		seen[u.NDC10] = true
	}
	if strings.TrimSpace(p.Labeler) == "" {
		return apperr.InvalidField("labeler", "the labeler is required")
	}
	if strings.TrimSpace(p.DosageForm) == "" {
		return apperr.InvalidField("dosage_form", "the dosage form is required (e.g. \"injection, solution\")")
	}
	if s := p.Strength; s != nil {
		if s.Value.Sign() <= 0 {
			return apperr.InvalidField("strength", "must be above zero, got %s", s)
		}
		switch {
		case p.IsPowder() && !isAmount(*s):
			return apperr.InvalidField("strength", "a powder's strength is the amount per container (e.g. \"1 g\"), got %s; put a listing's volume in reconstituted_volume", s)
		case !p.IsPowder() && !IsConcentration(*s) && !isAmount(*s):
			return apperr.InvalidField("strength", "expected a concentration (e.g. \"2 mEq/mL\") or an amount per container, got %s", s)
		}
	}
	if v := p.ReconstitutedVolume; v != nil {
		if !p.IsPowder() {
			return apperr.InvalidField("reconstituted_volume", "only a powder has a reconstituted volume; a liquid has a volume")
		}
		if !IsVolume(*v) || v.Value.Sign() <= 0 {
			return apperr.InvalidField("reconstituted_volume", "expected a volume above zero (e.g. \"15 mL\"), got %s", v)
		}
	}
	if v := p.Volume; v != nil {
		if !IsVolume(*v) || v.Value.Sign() <= 0 {
			return apperr.InvalidField("volume", "expected a volume above zero (e.g. \"10 mL\"), got %s", v)
		}
	}
	if _, err := ParseContainer(string(p.Container)); err != nil {
		return err
	}
	if p.Container == ContainerUnknown && p.Source != SourceFDA {
		return apperr.InvalidField("container", "the container kind is required: single_dose, multiple_dose, pharmacy_bulk, ampule or bag")
	}
	if sg := p.SpecificGravity; sg != nil && (sg.LessThan(minSG) || sg.GreaterThan(maxSG)) {
		return apperr.InvalidField("specific_gravity", "%s is not a plausible specific gravity for an injectable (expected 0.5 to 3)", sg)
	}
	for i, r := range p.Reconstitutions {
		field := fmt.Sprintf("reconstitution[%d]", i)
		if !p.IsPowder() {
			return apperr.InvalidField(field, "only a powder is reconstituted; this product is %q", p.DosageForm)
		}
		if strings.TrimSpace(r.Diluent) == "" {
			return apperr.InvalidField(field+".diluent", "the diluent is required")
		}
		if !IsVolume(r.DiluentVolume) || r.DiluentVolume.Value.Sign() <= 0 {
			return apperr.InvalidField(field+".diluent_volume", "expected a volume above zero, got %s", r.DiluentVolume)
		}
		if a := r.AvailableVolume; a != nil {
			if !IsVolume(*a) {
				return apperr.InvalidField(field+".available_volume", "expected a volume, got %s", a)
			}
			if c, err := a.Cmp(r.DiluentVolume); err != nil || c < 0 {
				return apperr.InvalidField(field+".available_volume", "%s is less than the diluent volume %s: a powder cannot take up negative volume", a, r.DiluentVolume)
			}
		}
	}
	if p.MarketingStart != nil && p.MarketingEnd != nil && p.MarketingEnd.Before(*p.MarketingStart) {
		return apperr.InvalidField("marketing_end", "ends before the marketing start")
	}
	switch p.Source {
	case SourceCurated, SourceFDA:
	default:
		return apperr.InvalidField("source", "%q: expected curated or fda_ndc", p.Source)
	}
	return nil
}
