package workflow

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// Dose evidence requirements of a draw.
const (
	// EvidenceWeightOrPhoto weighs the draw where a specific gravity is
	// known, and asks for a photo of the syringe where none is.
	EvidenceWeightOrPhoto = "weight_or_photo"
	// EvidenceWeightAndPhoto asks for both (the weight only where a specific
	// gravity is known; its absence is then an exception on the evidence page).
	EvidenceWeightAndPhoto = "weight_and_photo"
	// EvidencePhoto asks for a photo of the syringe at the drawn volume.
	EvidencePhoto = "photo"
	// EvidenceWeight is a draw evidenced by its weight alone.
	EvidenceWeight = "weight"
)

// EvidencePolicy is the site's dose evidence policy: what every drawn drug
// needs, what a high-alert drug needs, and how on-site determinations of a
// specific gravity are judged. It is data, versioned and effective-dated
// like the guard table; the shipped version is stored by a migration.
type EvidencePolicy struct {
	Version       string    `json:"version"`
	EffectiveFrom time.Time `json:"effective_from"`
	Source        string    `json:"source,omitempty"`
	// Draw is what every drawn drug needs: weight_or_photo, photo or
	// weight_and_photo.
	Draw string `json:"draw"`
	// HighAlert is what the draw of a high-alert drug needs on top of Draw.
	HighAlert string `json:"high_alert"`
	// DeterminationAgreement is how far apart (in percent of their mean) the
	// two weighings of an on-site determination may be, e.g. "1%".
	DeterminationAgreement string `json:"determination_agreement"`
	// DeterminationMinVolume is the smallest volume weighed for an on-site
	// determination (a small volume weighs too coarsely), e.g. "5 mL".
	DeterminationMinVolume string `json:"determination_min_volume"`
}

// ParseEvidencePolicy reads and checks a policy document.
func ParseEvidencePolicy(b []byte) (EvidencePolicy, error) {
	var p EvidencePolicy
	if err := json.Unmarshal(b, &p); err != nil {
		return p, apperr.InvalidField("policy", "the dose evidence policy is not valid JSON: %s", err.Error())
	}
	return p, p.Validate()
}

// Validate checks a policy; every error names its field.
func (p EvidencePolicy) Validate() error {
	v := fieldErrors{}
	v.text("version", strings.TrimSpace(p.Version), maxText, "a name such as \"site-evidence-2027.1\"")
	if p.EffectiveFrom.IsZero() {
		v.add("effective_from", "is required (RFC 3339)")
	}
	for _, f := range []struct{ name, val string }{{"draw", p.Draw}, {"high_alert", p.HighAlert}} {
		if f.val != EvidenceWeightOrPhoto && f.val != EvidenceWeightAndPhoto && f.val != EvidencePhoto {
			v.add(f.name, "%q is not weight_or_photo, weight_and_photo or photo", short(f.val))
		}
	}
	if d, err := calc.ParsePercent(p.DeterminationAgreement); err != nil || d.Sign() <= 0 || d.GreaterThan(decimal.NewFromInt(10)) {
		v.add("determination_agreement", "must be a percentage above 0%% and at most 10%%, e.g. \"1%%\"")
	}
	v.quantity("determination_min_volume", p.DeterminationMinVolume, "mL", "5 mL", "0.5 mL", "1000 mL")
	if p.DeterminationMinVolume == "" {
		v.add("determination_min_volume", "is required, e.g. \"5 mL\"")
	}
	return v.err()
}

// evidenceModes are the modes a draw falls under: Draw, and for a
// high-alert drug HighAlert as well. A zero policy reads as the shipped
// default (weight or photo; both for a high-alert drug).
func (p EvidencePolicy) evidenceModes(highAlert bool) (either, both, photo bool) {
	modes := []string{or(p.Draw, EvidenceWeightOrPhoto)}
	if highAlert {
		modes = append(modes, or(p.HighAlert, EvidenceWeightAndPhoto))
	}
	for _, m := range modes {
		switch m {
		case EvidenceWeightAndPhoto:
			both = true
		case EvidencePhoto:
			photo = true
		default:
			either = true
		}
	}
	return either, both, photo
}

// Gravity is a specific gravity on record for one product at one
// concentration, with where it comes from: published (Source names the
// publication) or determined on site (Source says by whom, lot and date).
type Gravity struct {
	ID        int64  `json:"id"`
	ProductID int64  `json:"product_id"`
	Product   string `json:"product,omitempty"`
	// Concentration is the key it applies to (ConcentrationKey).
	Concentration   string          `json:"concentration"`
	SpecificGravity decimal.Decimal `json:"specific_gravity"`
	Method          string          `json:"method"`
	Source          string          `json:"source"`
	Lot             string          `json:"lot,omitempty"`
	Volume          string          `json:"volume,omitempty"`
	Masses          []string        `json:"masses,omitempty"`
	RecordedBy      *int64          `json:"recorded_by,omitempty"`
	RecordedByName  string          `json:"recorded_by_name,omitempty"`
	RecordedAt      time.Time       `json:"recorded_at"`
}

// Gravity methods.
const (
	GravityPublished  = "published"
	GravityDetermined = "determined"
)

// ConcentrationKey is the form a concentration is recorded and looked up
// in: per mL, at 4 significant digits ("1 g/3 mL" and "333.33 mg/mL" are
// both "333.3 mg/mL"), so a specific gravity found for a reconstituted vial
// applies to every preparation drawn from that solution.
func ConcentrationKey(q calc.Quantity) (string, error) {
	if !isConcentration(q) {
		return "", apperr.InvalidField("concentration", "%s is not an amount of drug per volume, e.g. \"50 mg/mL\"", q.String())
	}
	amount, _ := q.Mul(calc.MustParse("1 mL"))
	unit := perML(amount)
	if unit == "" {
		unit = amount.Unit.String() + "/mL"
	}
	c, err := q.In(unit)
	if err != nil {
		return "", apperr.InvalidField("concentration", "%s cannot be written per mL", q.String())
	}
	if c.Value.Sign() <= 0 {
		return "", apperr.InvalidField("concentration", "must be above zero")
	}
	return calc.Quantity{Value: roundSig4(c.Value), Unit: c.Unit}.String(), nil
}

// roundSig4 rounds half away from zero to 4 significant digits, keeping
// every digit before the point.
func roundSig4(d decimal.Decimal) decimal.Decimal {
	intDigits := int32(d.NumDigits()) + d.Exponent()
	places := max(4-intDigits, 0)
	if places >= -d.Exponent() {
		return d
	}
	return d.Round(places)
}

// Determination is an on-site determination of a specific gravity: a
// measured volume of the solution weighed twice in a tared syringe.
type Determination struct {
	ProductID     int64
	Concentration string
	Lot           string
	Volume        string
	Masses        [2]string
}

// DeterminedGravity is a checked determination: the key it applies to and
// the specific gravity (mean mass ÷ volume), with its derivation.
type DeterminedGravity struct {
	Concentration string
	Volume        calc.Quantity
	Masses        [2]calc.Quantity
	Value         decimal.Decimal
	Spread        decimal.Decimal
	Steps         []string
}

// sgPlaces is the precision a determined specific gravity is kept at.
const sgPlaces = 4

// Determine checks an on-site determination against the policy and works
// out the specific gravity: each weighing gives mass ÷ volume, the two must
// agree within the policy's agreement, and their mean (rounded to 0.0001)
// is recorded. Every bad input names its field.
func (p EvidencePolicy) Determine(d Determination) (DeterminedGravity, error) {
	v := fieldErrors{}
	var out DeterminedGravity
	if c, err := calc.Parse(d.Concentration); err != nil {
		v.add("concentration", "%s (expected e.g. \"50 mg/mL\")", apperr.Message(err))
	} else if key, err := ConcentrationKey(c); err != nil {
		v.add("concentration", "%s", apperr.Message(err))
	} else {
		out.Concentration = key
	}
	v.text("lot", strings.TrimSpace(d.Lot), 40, "the lot of the vials the solution was made from")
	minVol := or(p.DeterminationMinVolume, "5 mL")
	if vol := v.quantity("volume", d.Volume, "mL", "10 mL", minVol, "1000 mL"); vol != nil {
		out.Volume, _ = vol.In("mL")
	} else if d.Volume == "" {
		v.add("volume", "is required: the volume drawn and weighed, at least %s", minVol)
	}
	for i, m := range d.Masses {
		f := fmt.Sprintf("mass_%d", i+1)
		if q := v.quantity(f, m, "g", "10.32 g", "0.001 g", "2000 g"); q != nil {
			out.Masses[i], _ = q.In("g")
		} else if m == "" {
			v.add(f, "is required: the net mass of the volume on the tared balance, e.g. \"10.32 g\"")
		}
	}
	if err := v.err(); err != nil {
		return out, err
	}
	return out, p.judge(&out)
}

// judge works out a checked determination's specific gravity and refuses
// two weighings that disagree or a value no injectable has.
func (p EvidencePolicy) judge(out *DeterminedGravity) error {
	vol := out.Volume.Value
	m1, m2 := out.Masses[0].Value, out.Masses[1].Value
	mean := m1.Add(m2).Div(decimal.NewFromInt(2))
	out.Spread = m1.Sub(m2).Abs().Mul(hundred).Div(mean).Round(2)
	agree, err := calc.ParsePercent(or(p.DeterminationAgreement, "1%"))
	if err != nil {
		return apperr.Wrap(err, "dose evidence policy")
	}
	if m1.Sub(m2).Abs().Mul(hundred).GreaterThan(agree.Mul(mean)) {
		e := apperr.WithCode(apperr.Refused, "determinations_disagree",
			"the two weighings %s g and %s g differ by %s%% of their mean; they must agree within %s%%: weigh again",
			m1.String(), m2.String(), out.Spread.String(), agree.String())
		e.Field = "mass_2"
		return e
	}
	out.Value = mean.Div(vol).Round(sgPlaces)
	if out.Value.LessThan(decimal.RequireFromString("0.5")) || out.Value.GreaterThan(decimal.NewFromInt(3)) {
		e := apperr.WithCode(apperr.Refused, "implausible_value",
			"%s g in %s mL gives a specific gravity of %s; an injectable lies between 0.5 and 3: check the volume and the tare",
			mean.String(), vol.String(), out.Value.String())
		e.Field = "volume"
		return e
	}
	out.Steps = []string{
		fmt.Sprintf("first weighing: %s g ÷ %s mL = %s", m1.String(), vol.String(), m1.DivRound(vol, sgPlaces+2).String()),
		fmt.Sprintf("second weighing: %s g ÷ %s mL = %s", m2.String(), vol.String(), m2.DivRound(vol, sgPlaces+2).String()),
		fmt.Sprintf("the two differ by %s%% of their mean (at most %s%% allowed)", out.Spread.String(), agree.String()),
		fmt.Sprintf("specific gravity = mean %s g ÷ %s mL = %s", mean.String(), vol.String(), out.Value.String()),
	}
	return nil
}

// gravityFor picks the specific gravity on record for a product at a
// concentration key: the newest (gravities come newest first).
func gravityFor(gs []Gravity, productID int64, key string) (Gravity, bool) {
	for _, g := range gs {
		if g.ProductID == productID && g.Concentration == key {
			return g, true
		}
	}
	return Gravity{}, false
}

// Describe is the gravity's source in plain words for a worksheet.
func (g Gravity) Describe() string {
	if g.Method == GravityDetermined {
		return "determined on site: " + g.Source
	}
	return g.Source
}
