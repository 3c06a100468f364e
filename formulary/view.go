package formulary

import (
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/barcode"
)

// ProductView is a product as the API and the command line show it.
// Quantities are strings ("2 mEq/mL"), never JSON numbers.
type ProductView struct {
	ID int64 `json:"id"`
	// Drug is the generic name; DisplayName its tall-man form for screens.
	Drug        string `json:"drug"`
	DisplayName string `json:"display_name"`
	TallMan     string `json:"tall_man,omitempty"`
	Brand       string `json:"brand,omitempty"`
	// Strength is the concentration of a liquid or the amount per
	// container of a powder; "" for a vehicle such as sterile water.
	Strength            string `json:"strength"`
	StrengthDisplay     string `json:"strength_display,omitempty"`
	StrengthText        string `json:"strength_text"`
	Volume              string `json:"volume,omitempty"`
	ReconstitutedVolume string `json:"reconstituted_volume,omitempty"`
	AmountPerContainer  string `json:"amount_per_container,omitempty"`
	// NDC and GTIN are the package's; Codes lists the unit-of-use codes too.
	NDC             string               `json:"ndc"`
	GTIN            string               `json:"gtin"`
	Codes           []CodeView           `json:"codes"`
	Labeler         string               `json:"labeler"`
	DosageForm      string               `json:"dosage_form"`
	Powder          bool                 `json:"powder"`
	Container       string               `json:"container"`
	Hazardous       bool                 `json:"hazardous"`
	NIOSHTable      string               `json:"niosh_table,omitempty"`
	SpecificGravity *string              `json:"specific_gravity"`
	Reconstitution  []ReconstitutionView `json:"reconstitution,omitempty"`
	Storage         string               `json:"storage,omitempty"`
	PackDescription string               `json:"pack_description,omitempty"`
	MarketingEnd    string               `json:"marketing_end,omitempty"`
	Confirmation    string               `json:"confirmation,omitempty"`
	Note            string               `json:"note,omitempty"`
	Source          string               `json:"source"`
	SourceURL       string               `json:"source_url,omitempty"`
	Active          bool                 `json:"active"`
}

// CodeView is one NDC of a product in its printed, billing and GTIN forms.
type CodeView struct {
	Kind  string `json:"kind"`
	NDC   string `json:"ndc"`
	NDC11 string `json:"ndc11"`
	GTIN  string `json:"gtin"`
}

// ReconstitutionView is one reconstitution direction.
type ReconstitutionView struct {
	Diluent         string `json:"diluent"`
	DiluentVolume   string `json:"diluent_volume"`
	AvailableVolume string `json:"available_volume,omitempty"`
	Displacement    string `json:"displacement,omitempty"`
	Concentration   string `json:"concentration,omitempty"`
	Note            string `json:"note,omitempty"`
	SourceURL       string `json:"source_url,omitempty"`
}

func qs(q *calc.Quantity) string {
	if q == nil {
		return ""
	}
	return q.String()
}

// ViewOf renders a product for the API.
func ViewOf(p *Product) ProductView {
	v := ProductView{
		ID: p.ID, Drug: p.Drug.Name, DisplayName: p.Drug.DisplayName(), TallMan: p.Drug.TallMan, Brand: p.Brand,
		Strength: qs(p.Strength), StrengthText: p.StrengthText, Volume: qs(p.Volume),
		ReconstitutedVolume: qs(p.ReconstitutedVolume), AmountPerContainer: qs(p.AmountPerContainer()),
		NDC: p.Package.NDC, GTIN: p.Package.GTIN14, Labeler: p.Labeler, DosageForm: p.DosageForm,
		Powder: p.IsPowder(), Container: string(p.Container), Hazardous: p.Drug.Hazard.Hazardous(),
		NIOSHTable: string(p.Drug.Hazard), Storage: p.Storage, PackDescription: p.PackDescription,
		Confirmation: p.Confirmation, Note: p.Note, Source: string(p.Source), SourceURL: p.SourceURL, Active: p.Active,
	}
	if p.Strength != nil {
		v.StrengthDisplay = calc.Display(*p.Strength)
	}
	if p.SpecificGravity != nil {
		s := p.SpecificGravity.String()
		v.SpecificGravity = &s
	}
	if p.MarketingEnd != nil {
		v.MarketingEnd = p.MarketingEnd.Format(time.DateOnly)
	}
	for _, c := range p.Codes() {
		v.Codes = append(v.Codes, CodeView{Kind: string(c.Kind), NDC: c.NDC, NDC11: c.NDC11, GTIN: c.GTIN14})
	}
	for _, r := range p.Reconstitutions {
		v.Reconstitution = append(v.Reconstitution, ReconstitutionView{
			Diluent: r.Diluent, DiluentVolume: r.DiluentVolume.String(), AvailableVolume: qs(r.AvailableVolume),
			Displacement: qs(r.Displacement()), Concentration: r.Concentration, Note: r.Note, SourceURL: r.SourceURL,
		})
	}
	return v
}

// ScanView is the API's response to parsing a barcode: the element
// strings and the fields taken from them, each absent when not carried,
// and the formulary product when the GTIN resolves to one.
type ScanView struct {
	AIs    []AIView `json:"ais"`
	GTIN   string   `json:"gtin,omitempty"`
	Expiry string   `json:"expiry,omitempty"`
	// ExpiresAt is the last instant of the expiry day in the site's time zone.
	ExpiresAt string       `json:"expires_at,omitempty"`
	Lot       string       `json:"lot,omitempty"`
	Serial    string       `json:"serial,omitempty"`
	NDC10     string       `json:"ndc10,omitempty"`
	Product   *ProductView `json:"product,omitempty"`
}

// AIView is one GS1 element string.
type AIView struct {
	AI    string `json:"ai"`
	Value string `json:"value"`
}

// ScanViewOf renders a parsed barcode; loc is the site's time zone.
func ScanViewOf(s *barcode.Scan, loc *time.Location) ScanView {
	v := ScanView{AIs: make([]AIView, 0, len(s.AIs)), GTIN: s.GTIN, Lot: s.Lot, Serial: s.Serial, NDC10: s.NDC10()}
	for _, e := range s.AIs {
		v.AIs = append(v.AIs, AIView{AI: e.AI, Value: e.Value})
	}
	if s.Expiry != nil {
		v.Expiry = s.Expiry.String()
		v.ExpiresAt = ExpiryEnd(*s.Expiry, loc).Format(time.RFC3339Nano)
	}
	return v
}
