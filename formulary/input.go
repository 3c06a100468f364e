package formulary

import (
	"fmt"
	"strings"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// ProductInput is an admin's request to add or change a curated product.
// Quantities are strings ("2 mEq/mL"); the validate tags are checked by the
// transport before Product converts and checks the clinical rules.
type ProductInput struct {
	Drug       string   `json:"drug" validate:"required,max=200"`
	TallMan    string   `json:"tall_man" validate:"max=200"`
	Hazard     string   `json:"hazard" validate:"omitempty,oneof=niosh_table1 niosh_table2 none"`
	Brand      string   `json:"brand" validate:"max=200"`
	PackageNDC string   `json:"package_ndc" validate:"required,max=20"`
	UnitNDCs   []string `json:"unit_ndcs" validate:"max=20,dive,required,max=20"`
	Labeler    string   `json:"labeler" validate:"required,max=200"`
	DosageForm string   `json:"dosage_form" validate:"required,max=200"`
	// Strength is the concentration of a liquid or the amount per container
	// of a powder; empty only for a vehicle such as sterile water.
	Strength            string                `json:"strength" validate:"max=100"`
	StrengthText        string                `json:"strength_text" validate:"max=300"`
	Volume              string                `json:"volume" validate:"max=50"`
	ReconstitutedVolume string                `json:"reconstituted_volume" validate:"max=50"`
	Container           string                `json:"container" validate:"required,oneof=single_dose multiple_dose pharmacy_bulk ampule bag"`
	SpecificGravity     string                `json:"specific_gravity" validate:"max=20"`
	Storage             string                `json:"storage" validate:"max=500"`
	Reconstitution      []ReconstitutionInput `json:"reconstitution" validate:"max=10,dive"`
	Note                string                `json:"note" validate:"max=2000"`
	SourceURL           string                `json:"source_url" validate:"omitempty,url,max=500"`
	Active              *bool                 `json:"active"`
}

// ReconstitutionInput is one reconstitution direction of a ProductInput.
type ReconstitutionInput struct {
	Diluent         string `json:"diluent" validate:"required,max=300"`
	DiluentVolume   string `json:"diluent_volume" validate:"required,max=50"`
	AvailableVolume string `json:"available_volume" validate:"max=50"`
	Concentration   string `json:"concentration" validate:"max=100"`
	Note            string `json:"note" validate:"max=1000"`
}

// optQuantity parses an optional quantity; field names it in errors.
func optQuantity(field, s string) (*calc.Quantity, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	q, err := calc.Parse(s)
	if err != nil {
		return nil, apperr.InvalidField(field, "%q: %s", s, apperr.Message(err))
	}
	return &q, nil
}

// Product converts the input into a curated product and validates it.
func (in ProductInput) Product() (*Product, error) {
	hz := in.Hazard
	if hz == "none" {
		hz = ""
	}
	hazard, err := ParseHazard(hz)
	if err != nil {
		return nil, err
	}
	p := &Product{
		Drug:  Drug{Name: strings.Join(strings.Fields(strings.ToLower(in.Drug)), " "), TallMan: strings.TrimSpace(in.TallMan), Hazard: hazard, Source: SourceCurated},
		Brand: strings.TrimSpace(in.Brand), Labeler: strings.TrimSpace(in.Labeler), DosageForm: strings.ToLower(strings.TrimSpace(in.DosageForm)),
		StrengthText: strings.TrimSpace(in.StrengthText), Container: Container(in.Container), Storage: strings.TrimSpace(in.Storage),
		Note: in.Note, Source: SourceCurated, SourceURL: in.SourceURL, Active: in.Active == nil || *in.Active, Confirmation: "admin",
	}
	if p.Package, err = NewCode(CodePackage, "package_ndc", in.PackageNDC); err != nil {
		return nil, err
	}
	for i, u := range in.UnitNDCs {
		c, err := NewCode(CodeUnit, fmt.Sprintf("unit_ndcs[%d]", i), u)
		if err != nil {
			return nil, err
		}
		p.Units = append(p.Units, c)
	}
	if p.Strength, err = optQuantity("strength", in.Strength); err != nil {
		return nil, err
	}
	if p.StrengthText == "" && p.Strength != nil {
		p.StrengthText = p.Strength.String()
	}
	if p.Volume, err = optQuantity("volume", in.Volume); err != nil {
		return nil, err
	}
	if p.ReconstitutedVolume, err = optQuantity("reconstituted_volume", in.ReconstitutedVolume); err != nil {
		return nil, err
	}
	if s := strings.TrimSpace(in.SpecificGravity); s != "" {
		sg, err := calc.ParseDecimal(s)
		if err != nil {
			return nil, apperr.InvalidField("specific_gravity", "%q: %s", s, apperr.Message(err))
		}
		p.SpecificGravity = &sg
	}
	for i, r := range in.Reconstitution {
		field := fmt.Sprintf("reconstitution[%d]", i)
		dv, err := optQuantity(field+".diluent_volume", r.DiluentVolume)
		if err != nil {
			return nil, err
		}
		if dv == nil {
			return nil, apperr.InvalidField(field+".diluent_volume", "the diluent volume is required")
		}
		av, err := optQuantity(field+".available_volume", r.AvailableVolume)
		if err != nil {
			return nil, err
		}
		p.Reconstitutions = append(p.Reconstitutions, Reconstitution{Diluent: strings.TrimSpace(r.Diluent), DiluentVolume: *dv,
			AvailableVolume: av, Concentration: r.Concentration, Note: r.Note})
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}
