package formulary

import (
	"strings"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Hazard is a drug's place on the NIOSH list of hazardous drugs.
type Hazard string

// The NIOSH tables (2024 list); HazardNone is a drug not on the list.
const (
	HazardNone   Hazard = ""
	HazardTable1 Hazard = "niosh_table1" // antineoplastics and drugs with special handling information
	HazardTable2 Hazard = "niosh_table2" // other hazardous drugs, some reproductive-risk only
)

// ParseHazard reads a hazard value; "" and "none" mean not hazardous.
func ParseHazard(s string) (Hazard, error) {
	switch h := Hazard(strings.TrimSpace(strings.ToLower(s))); h {
	case HazardNone, HazardTable1, HazardTable2:
		return h, nil
	case "none":
		return HazardNone, nil
	}
	return "", apperr.InvalidField("hazard", "%q is not a NIOSH table; expected niosh_table1, niosh_table2 or empty", s)
}

// Hazardous reports whether the drug is on the NIOSH list, and so needs
// containment, PPE and a flag on every screen and label.
func (h Hazard) Hazardous() bool { return h != HazardNone }

// Source says where a drug or product record came from.
type Source string

// The sources: curated records are entered or reviewed by the pharmacy;
// NDC Directory imports are kept apart because their container type and
// hazard status are not reviewed.
const (
	SourceCurated Source = "curated"
	SourceFDA     Source = "fda_ndc"
)

// Drug is an active ingredient (or a vehicle such as sterile water) by its
// generic name.
type Drug struct {
	ID int64
	// Name is the generic name, lower case ("cefazolin").
	Name string
	// TallMan is the FDA/ISMP tall-man spelling ("ceFAZolin"), "" when the
	// name has none.
	TallMan string
	Hazard  Hazard
	Source  Source
}

// DisplayName is the tall-man spelling when there is one: look-alike names
// are told apart on every screen.
func (d Drug) DisplayName() string {
	if d.TallMan != "" {
		return d.TallMan
	}
	return d.Name
}

// Validate checks the drug's fields.
func (d Drug) Validate() error {
	name := strings.TrimSpace(d.Name)
	if name == "" {
		return apperr.InvalidField("drug", "the generic name is required")
	}
	if len(name) > 200 {
		return apperr.InvalidField("drug", "the generic name is longer than 200 characters")
	}
	if d.TallMan != "" && !strings.EqualFold(d.TallMan, name) {
		return apperr.InvalidField("tall_man", "tall-man spelling %q must be the generic name %q with some letters in capitals", d.TallMan, name)
	}
	if _, err := ParseHazard(string(d.Hazard)); err != nil {
		return err
	}
	return nil
}

// formulationVariants are formulations listed under the same generic name as
// a different product; merging them under one drug would let a recipe for
// one accept the other. Each is matched on the listing's dosage form or
// names and gets a distinguishing suffix.
var formulationVariants = []struct {
	markers []string // any of these, in the dosage form or names, lower case
	suffix  string
}{
	{[]string{"protein-bound", "protein bound", "albumin-bound", "albumin bound"}, "protein-bound"},
	{[]string{"liposom", "lipid complex"}, "liposomal"},
}

// DrugName derives the formulary's drug name from a listing's generic name,
// dosage form and brand: lower case, single spaces, and a suffix for a
// formulation that shares its generic name with another product. Paclitaxel
// listed as a powder "for suspension" is the protein-bound formulation.
func DrugName(generic, dosageForm, brand string) string {
	name := strings.Join(strings.Fields(strings.ToLower(generic)), " ")
	hay := strings.ToLower(generic + " " + dosageForm + " " + brand)
	for _, v := range formulationVariants {
		for _, m := range v.markers {
			if strings.Contains(hay, m) && !strings.Contains(name, v.suffix) {
				return name + " " + v.suffix
			}
		}
	}
	if name == "paclitaxel" && strings.Contains(strings.ToLower(dosageForm), "suspension") {
		return name + " protein-bound"
	}
	return name
}

// InheritHazard returns the hazard of the known drug whose name begins a
// new drug's name word by word ("methotrexate" for "methotrexate sodium"),
// so that an import does not list a known hazardous drug as safe under a
// salt name. The most hazardous match wins.
func InheritHazard(name string, known []Drug) Hazard {
	name = strings.ToLower(name)
	best := HazardNone
	for _, d := range known {
		k := strings.ToLower(d.Name)
		if k == "" || !d.Hazard.Hazardous() {
			continue
		}
		if name == k || strings.HasPrefix(name, k+" ") {
			if best == HazardNone || d.Hazard == HazardTable1 {
				best = d.Hazard
			}
		}
	}
	return best
}
