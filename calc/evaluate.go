package calc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// maxRequestBytes bounds a calculator request; real ones are a few hundred bytes.
const maxRequestBytes = 64 << 10

// Output is one named result field. Value is a string (a quantity such as "21.8 mL", or a
// plain decimal) or a bool.
type Output struct {
	Name  string
	Value any
}

// Response is the calculator's answer as the JSON API gives it: the kind echoed, the outputs in a
// stable order, optional ISMP display text, the derivation steps and any warnings.
type Response struct {
	Kind    string
	Outputs []Output
	// Display maps an output name to its ISMP text ("1,087.5 mg"); exact_* fields are left out
	// because a person reads the rounded value, and a value that does not terminate is shown to
	// 10 significant digits.
	Display  map[string]string
	Steps    []string
	Warnings []Warning
}

// Output returns the value of the named output.
func (r *Response) Output(name string) (any, bool) {
	for _, o := range r.Outputs {
		if o.Name == name {
			return o.Value, true
		}
	}
	return nil, false
}

// MarshalJSON writes {"kind", outputs in order, "display", "steps", "warnings"}.
func (r *Response) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"kind":`)
	if err := writeJSON(&b, r.Kind); err != nil {
		return nil, err
	}
	for _, o := range r.Outputs {
		b.WriteByte(',')
		if err := writeJSON(&b, o.Name); err != nil {
			return nil, err
		}
		b.WriteByte(':')
		if err := writeJSON(&b, o.Value); err != nil {
			return nil, err
		}
	}
	if len(r.Display) > 0 {
		b.WriteString(`,"display":{`)
		n := 0
		for _, o := range r.Outputs { // output order, not map order
			if s, ok := r.Display[o.Name]; ok {
				if n > 0 {
					b.WriteByte(',')
				}
				n++
				_ = writeJSON(&b, o.Name)
				b.WriteByte(':')
				_ = writeJSON(&b, s)
			}
		}
		b.WriteByte('}')
	}
	b.WriteString(`,"steps":`)
	steps := r.Steps
	if steps == nil {
		steps = []string{}
	}
	if err := writeJSON(&b, steps); err != nil {
		return nil, err
	}
	if len(r.Warnings) > 0 {
		b.WriteString(`,"warnings":`)
		if err := writeJSON(&b, r.Warnings); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSON(b *bytes.Buffer, v any) error {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // Encode appends a newline
	return nil
}

func (r *Response) quantity(name string, q Quantity) {
	r.Outputs = append(r.Outputs, Output{name, q.String()})
	if !strings.HasPrefix(name, "exact_") {
		if r.Display == nil {
			r.Display = map[string]string{}
		}
		r.Display[name] = DisplayFor(q)
	}
}

func (r *Response) text(name, v string) { r.Outputs = append(r.Outputs, Output{name, v}) }

func (r *Response) flag(name string, v bool) { r.Outputs = append(r.Outputs, Output{name, v}) }

// kind describes one calculator of the JSON API: the inputs it accepts and how to run it.
type kind struct {
	fields []string
	run    func(in *inputs, r *Response) error
}

// kinds is the table of calculators: each kind with the input fields it accepts.
var kinds = map[string]kind{
	"dose":           {[]string{"dose", "weight", "height", "bsa", "bsa_formula", "max_dose"}, runDose},
	"volume":         {[]string{"dose", "concentration", "round_to"}, runVolume},
	"dilution":       {[]string{"stock_concentration", "final_concentration", "final_volume"}, runDilution},
	"reconstitution": {[]string{"amount", "displacement", "diluent_volume", "target_concentration"}, runReconstitution},
	"infusion_rate":  {[]string{"dose_rate", "weight", "concentration", "volume", "duration"}, runInfusion},
	"drip_rate":      {[]string{"volume", "duration", "drop_factor"}, runDrip},
	"bsa":            {[]string{"weight", "height", "formula"}, runBSA},
	"crcl":           {[]string{"age", "sex", "weight", "serum_creatinine", "weight_basis", "height", "adjustment_factor"}, runCrCl},
	"carboplatin":    {[]string{"auc", "gfr", "gfr_cap"}, runCarboplatin},
	"gravimetric":    {[]string{"volume", "specific_gravity", "measured", "tolerance"}, runGravimetric},
	"meq":            {[]string{"amount", "mass", "molar_mass", "valence"}, runMEq},
	"vials":          {[]string{"dose", "vial_amount"}, runVials},
	"ibw":            {[]string{"height", "sex", "weight", "adjustment_factor"}, runIBW},
	"osmolarity":     {[]string{"concentration", "molar_mass", "particles", "components", "limit"}, runOsmolarity},
	"alligation":     {[]string{"stronger", "weaker", "target", "total"}, runAlligation},
	"percent":        {[]string{"strength"}, runPercent},
}

// Kinds lists the calculator kinds Evaluate accepts, sorted.
func Kinds() []string {
	out := make([]string, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Evaluate runs one calculator request of the JSON API, {"kind": "...", ...inputs}.
// Quantities must be JSON strings; numbers, unknown fields and duplicate fields are refused.
// Every error is a *Error naming the field at fault ("request" for malformed JSON). It applies
// no guards; EvaluateWith does.
func Evaluate(data []byte) (*Response, error) { return EvaluateWith(data, nil) }

// EvaluateWith is Evaluate with the site's guards: inputs outside their plausible range are
// refused naming the field and the range, and rounding deviations, volumes below a syringe's
// floor and implausible doses come back as warnings.
func EvaluateWith(data []byte, g *Guards) (*Response, error) {
	if len(data) > maxRequestBytes {
		return nil, errorf("request", CodeInvalid, "request is larger than %d bytes", maxRequestBytes)
	}
	fields, err := decodeObject(data, "request")
	if err != nil {
		return nil, err
	}
	raw, ok := fields["kind"]
	if !ok || string(raw) == "null" {
		return nil, errorf("kind", CodeMissing, "kind is required; one of %s", strings.Join(Kinds(), ", "))
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return nil, errorf("kind", CodeInvalid, "kind must be a string; one of %s", strings.Join(Kinds(), ", "))
	}
	k, ok := kinds[name]
	if !ok {
		return nil, errorf("kind", CodeInvalid, "unknown kind %q; expected one of %s", name, strings.Join(Kinds(), ", "))
	}
	keys := make([]string, 0, len(fields))
	for key := range fields {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if key != "kind" && !slices.Contains(k.fields, key) {
			return nil, errorf(key, CodeInvalid, "unknown field %q for kind %q; accepted: %s", key, name, strings.Join(k.fields, ", "))
		}
	}
	r := &Response{Kind: name}
	in := &inputs{raw: fields, guards: g}
	if err := k.run(in, r); err != nil {
		return nil, err
	}
	if len(in.warnings) > 0 {
		r.Warnings = append(in.warnings, r.Warnings...)
	}
	if err := in.checkOutputs(r); err != nil {
		return nil, err
	}
	return r, nil
}

// decodeObject reads exactly one JSON object into its raw members, refusing duplicate keys
// (which encoding/json would silently resolve to the last) and trailing data.
func decodeObject(data []byte, field string) (map[string]json.RawMessage, error) {
	if out, ok := splitObject(data); ok {
		return out, nil
	}
	return decodeObjectSlow(data, field)
}

// decodeObjectSlow is decodeObject by json.Decoder tokens: it explains every fault.
func decodeObjectSlow(data []byte, field string) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, errorf(field, CodeInvalid, "malformed JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errorf(field, CodeInvalid, "expected a JSON object {\"kind\": ..., ...}")
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errorf(field, CodeInvalid, "malformed JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errorf(field, CodeInvalid, "malformed JSON object key")
		}
		if key == "" {
			return nil, errorf(field, CodeInvalid, "a JSON object key is empty")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errorf(key, CodeInvalid, "malformed JSON value: %v", err)
		}
		if _, dup := out[key]; dup {
			return nil, errorf(key, CodeInvalid, "field %q is given twice", key)
		}
		out[key] = raw
	}
	if _, err := dec.Token(); err != nil {
		return nil, errorf(field, CodeInvalid, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errorf(field, CodeInvalid, "unexpected data after the JSON object")
	}
	return out, nil
}

// inputs reads typed fields out of a request's raw members.
type inputs struct {
	raw    map[string]json.RawMessage
	prefix string // for nested objects: "components[0]."
	guards *Guards
	// warnings gathers flags raised while reading inputs (a value above a flag-only range).
	warnings []Warning
}

// plausible checks a named input against the guards' range for it.
func (in *inputs) plausible(name string, q Quantity) error {
	w, err := in.guards.Check(name, q)
	if err != nil {
		return relabel(err, in.prefix+name)
	}
	if w != nil {
		w.Field = in.prefix + name
		in.warnings = append(in.warnings, *w)
	}
	return nil
}

// checkOutputs checks the results that have a plausible range (a pump rate, a creatinine
// clearance): outside a refusing range is an error, outside a flag-only one a warning.
func (in *inputs) checkOutputs(r *Response) error {
	if in.guards == nil {
		return nil
	}
	for _, o := range r.Outputs {
		s, ok := o.Value.(string)
		if !ok || strings.HasPrefix(o.Name, "exact_") {
			continue
		}
		if _, has := in.guards.Ranges[o.Name]; !has || in.raw[o.Name] != nil {
			continue
		}
		q, err := Parse(s)
		if err != nil || !in.guards.Ranges[o.Name].measures(q) {
			continue // another kind's output of the same name (a drip rate in gtt/min)
		}
		w, err := in.guards.Check(o.Name, q)
		if err != nil {
			return err
		}
		if w != nil {
			r.Warnings = append(r.Warnings, *w)
		}
	}
	return nil
}

// examples shows, in a message, how a field is written.
var examples = map[string]string{
	"weight": "72.5 kg", "height": "175 cm", "dose": "15 mg/kg", "concentration": "50 mg/mL",
	"age": "67", "auc": "5", "valence": "1", "specific_gravity": "1.02", "particles": "2",
	"tolerance": "5%", "gfr": "80 mL/min", "serum_creatinine": "1.1 mg/dL", "volume": "250 mL",
	"duration": "8 h", "drop_factor": "15 gtt/mL", "molar_mass": "74.55 g/mol", "dose_rate": "5 mcg/kg/min",
}

// str returns a string field; ok is false when it is absent or null.
func (in *inputs) str(name string) (string, bool, error) {
	raw, present := in.raw[name]
	if !present || string(raw) == "null" {
		return "", false, nil
	}
	field := in.prefix + name
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		ex := examples[name]
		if ex == "" {
			ex = "10 mg"
		}
		return "", false, errorf(field, CodeInvalid,
			"must be a JSON string such as %q; JSON numbers are not accepted for clinical quantities", ex)
	}
	if strings.TrimSpace(s) == "" {
		return "", false, errorf(field, CodeMissing, "is empty")
	}
	return s, true, nil
}

func (in *inputs) optQuantity(name string) (*Quantity, error) {
	s, ok, err := in.str(name)
	if err != nil || !ok {
		return nil, err
	}
	q, err := Parse(s)
	if err != nil {
		return nil, relabel(err, in.prefix+name)
	}
	if err := in.plausible(name, q); err != nil {
		return nil, err
	}
	return &q, nil
}

func (in *inputs) quantity(name string) (Quantity, error) {
	q, err := in.optQuantity(name)
	if err != nil {
		return Quantity{}, err
	}
	if q == nil {
		return Quantity{}, errorf(in.prefix+name, CodeMissing, "%s is required", name)
	}
	return *q, nil
}

func (in *inputs) optDecimal(name string) (*decimal.Decimal, error) {
	s, ok, err := in.str(name)
	if err != nil || !ok {
		return nil, err
	}
	d, err := ParseDecimal(s)
	if err != nil {
		return nil, relabel(err, in.prefix+name)
	}
	if err := in.plausible(name, Quantity{Value: d}); err != nil {
		return nil, err
	}
	return &d, nil
}

func (in *inputs) decimal(name string) (decimal.Decimal, error) {
	d, err := in.optDecimal(name)
	if err != nil {
		return zero, err
	}
	if d == nil {
		return zero, errorf(in.prefix+name, CodeMissing, "%s is required", name)
	}
	return *d, nil
}

func (in *inputs) word(name string) (string, error) {
	s, _, err := in.str(name)
	return strings.ToLower(strings.TrimSpace(s)), err
}

// firstErr returns the first non-nil error, so a handler reads its inputs in one place.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func runDose(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	weight, e2 := in.optQuantity("weight")
	height, e3 := in.optQuantity("height")
	bsa, e4 := in.optQuantity("bsa")
	maxDose, e5 := in.optQuantity("max_dose")
	f, e6 := in.word("bsa_formula")
	if err := firstErr(e1, e2, e3, e4, e5, e6); err != nil {
		return err
	}
	formula, err := ParseBSAFormula(f)
	if err != nil {
		return relabel(err, "bsa_formula")
	}
	if bsa != nil && (height != nil || f != "") {
		other := "height"
		if height == nil {
			other = "bsa_formula"
		}
		return conflict("bsa", other, "give either bsa or height (with weight and bsa_formula), not both: they may disagree")
	}
	res, err := Dose(DoseInput{Dose: dose, Weight: weight, Height: height, BSA: bsa, Formula: formula, MaxDose: maxDose})
	if err != nil {
		return err
	}
	if err := in.plausibleBSA(res.BSA, bsa); err != nil {
		return err
	}
	var perKg *Quantity
	if dose.Unit.has(dimMass, true) {
		perKg = &dose
	}
	if w, ok := in.guards.implausibleDose(perKg, res.Calculated); ok {
		res.Warnings = append(res.Warnings, w)
	}
	r.quantity("dose", res.Dose)
	r.flag("capped", res.Capped)
	if res.BSA != nil {
		r.quantity("bsa", *res.BSA)
	}
	if res.Capped {
		r.quantity("calculated_dose", res.Calculated)
	}
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

// plausibleBSA checks a BSA computed from weight and height (one given was checked on input).
func (in *inputs) plausibleBSA(computed, given *Quantity) error {
	if computed == nil || given != nil {
		return nil
	}
	return in.plausible("bsa", *computed)
}

func runVolume(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	conc, e2 := in.quantity("concentration")
	s, hasRound, e3 := in.str("round_to")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	vi := VolumeInput{Dose: dose, Concentration: conc, Guards: in.guards}
	if hasRound {
		if strings.EqualFold(strings.TrimSpace(s), "syringe") {
			if in.guards == nil || len(in.guards.Syringes) == 0 {
				return errorf("round_to", CodeInvalid, "no syringe list is configured; give an increment such as \"0.1 mL\"")
			}
			vi.Syringes = in.guards.Syringes
		} else {
			q, err := Parse(s)
			if err != nil {
				return relabel(err, "round_to")
			}
			vi.RoundTo = &q
		}
	}
	res, err := Volume(vi)
	if err != nil {
		return err
	}
	r.quantity("exact_volume", res.Exact)
	r.quantity("volume", res.Volume)
	r.quantity("delivered_dose", res.Delivered)
	dev := res.Deviation
	if in.guards == nil && vi.RoundTo != nil || in.guards == nil && res.Syringe != nil {
		if p, _, ok := (&Guards{}).deviationFast(exactOf(res.Delivered), exactOf(dose)); res.Delivered.Unit == dose.Unit && ok {
			dev = p
		} else {
			exact, _ := Deviation(dose, res.Delivered)
			dev = exact.Round(1)
		}
	}
	r.text("deviation", DeviationText(dev))
	if res.Syringe != nil {
		r.quantity("syringe", res.Syringe.Capacity)
	}
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func runDilution(in *inputs, r *Response) error {
	c1, e1 := in.quantity("stock_concentration")
	c2, e2 := in.quantity("final_concentration")
	v2, e3 := in.quantity("final_volume")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := Dilution(DilutionInput{StockConcentration: c1, FinalConcentration: c2, FinalVolume: v2})
	if err != nil {
		return err
	}
	r.quantity("stock_volume", res.StockVolume)
	r.quantity("diluent_volume", res.DiluentVolume)
	r.Steps = res.Steps
	return nil
}

func runReconstitution(in *inputs, r *Response) error {
	amount, e1 := in.quantity("amount")
	disp, e2 := in.quantity("displacement")
	dil, e3 := in.optQuantity("diluent_volume")
	target, e4 := in.optQuantity("target_concentration")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	res, err := Reconstitution(ReconstitutionInput{Amount: amount, Displacement: disp, DiluentVolume: dil, TargetConcentration: target})
	if err != nil {
		return err
	}
	r.quantity("final_volume", res.FinalVolume)
	r.quantity("concentration", res.Concentration)
	r.quantity("diluent_volume", res.DiluentVolume)
	r.Steps = res.Steps
	return nil
}

func runInfusion(in *inputs, r *Response) error {
	dr, e1 := in.optQuantity("dose_rate")
	w, e2 := in.optQuantity("weight")
	c, e3 := in.optQuantity("concentration")
	v, e4 := in.optQuantity("volume")
	d, e5 := in.optQuantity("duration")
	if err := firstErr(e1, e2, e3, e4, e5); err != nil {
		return err
	}
	res, err := InfusionRate(InfusionInput{DoseRate: dr, Weight: w, Concentration: c, Volume: v, Duration: d})
	if err != nil {
		return err
	}
	r.quantity("exact_rate", res.Exact)
	r.quantity("rate", res.Rate)
	dev, _ := Deviation(res.Exact, res.Rate)
	r.text("deviation", DeviationText(dev))
	if w, ok := in.guards.deviationWarning("rate", res.Exact, res.Rate, dev, in.guards.DeviationLevel(dev)); ok {
		r.Warnings = append(r.Warnings, w)
	}
	r.Steps = res.Steps
	return nil
}

func runDrip(in *inputs, r *Response) error {
	v, e1 := in.quantity("volume")
	d, e2 := in.quantity("duration")
	f, e3 := in.quantity("drop_factor")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := DripRate(DripInput{Volume: v, Duration: d, DropFactor: f})
	if err != nil {
		return err
	}
	r.quantity("exact_rate", res.Exact)
	r.quantity("rate", res.Rate)
	r.Steps = res.Steps
	return nil
}

func runBSA(in *inputs, r *Response) error {
	w, e1 := in.quantity("weight")
	h, e2 := in.quantity("height")
	f, e3 := in.word("formula")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := BSA(w, h, BSAFormula(f))
	if err != nil {
		return err
	}
	r.quantity("exact_bsa", res.Exact)
	r.quantity("bsa", res.BSA)
	r.text("formula", string(res.Formula))
	r.Steps = res.Steps
	return nil
}

func runCrCl(in *inputs, r *Response) error {
	age, e1 := in.decimal("age")
	sex, e2 := in.word("sex")
	w, e3 := in.quantity("weight")
	scr, e4 := in.quantity("serum_creatinine")
	basis, e5 := in.word("weight_basis")
	h, e6 := in.optQuantity("height")
	f, e7 := in.optDecimal("adjustment_factor")
	if err := firstErr(e1, e2, e3, e4, e5, e6, e7); err != nil {
		return err
	}
	if sex == "" {
		return errorf("sex", CodeMissing, "sex is required: female or male")
	}
	ci := CrClInput{Age: age, Sex: Sex(sex), Weight: w, SerumCreatinine: scr, Basis: WeightBasis(basis), Height: h}
	if f != nil {
		if f.IsZero() {
			return errorf("adjustment_factor", CodeNotPositive, "must be above zero")
		}
		ci.AdjustmentFactor = *f
	}
	res, err := CreatinineClearance(ci)
	if err != nil {
		return err
	}
	r.quantity("exact_crcl", res.Exact)
	r.quantity("crcl", res.CrCl)
	r.quantity("weight_used", res.WeightUsed)
	r.text("weight_basis", string(res.Basis))
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func runCarboplatin(in *inputs, r *Response) error {
	auc, e1 := in.decimal("auc")
	gfr, e2 := in.quantity("gfr")
	gcap, e3 := in.optQuantity("gfr_cap")
	if err := firstErr(e1, e2, e3); err != nil {
		return err
	}
	res, err := Carboplatin(auc, gfr, gcap)
	if err != nil {
		return err
	}
	r.quantity("dose", res.Dose)
	r.flag("capped", res.Capped)
	r.quantity("gfr_used", res.GFRUsed)
	r.Steps = res.Steps
	return nil
}

func runGravimetric(in *inputs, r *Response) error {
	v, e1 := in.quantity("volume")
	sg, e2 := in.optDecimal("specific_gravity")
	m, e3 := in.quantity("measured")
	s, ok, e4 := in.str("tolerance")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	if !ok {
		return errorf("tolerance", CodeMissing, "tolerance is required, e.g. \"5%%\"")
	}
	tol, err := ParsePercent(s)
	if err != nil {
		return relabel(err, "tolerance")
	}
	res, err := Gravimetric(GravimetricInput{Volume: v, SpecificGravity: sg, Measured: m, Tolerance: tol})
	if err != nil {
		return err
	}
	r.quantity("expected", res.Expected)
	r.text("deviation", plain(res.Deviation)+"%")
	r.text("exact_deviation", plain(res.ExactDeviation)+"%")
	r.flag("pass", res.Pass)
	r.Steps = res.Steps
	return nil
}

func runMEq(in *inputs, r *Response) error {
	amount, e1 := in.optQuantity("amount")
	mass, e2 := in.optQuantity("mass")
	mm, e3 := in.quantity("molar_mass")
	val, e4 := in.decimal("valence")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	var res MEqResult
	var err error
	switch {
	case amount != nil && mass != nil:
		return conflict("mass", "amount", "give either amount (mEq or mmol) or mass, not both")
	case amount != nil:
		res, err = EquivalentsToMass(*amount, mm, val)
	case mass != nil:
		res, err = MassToEquivalents(*mass, mm, val)
	default:
		return errorf("amount", CodeMissing, "amount (mEq or mmol) or mass is required")
	}
	if err != nil {
		return err
	}
	r.quantity("mass", res.Mass)
	r.quantity("meq", res.MEq)
	r.quantity("mmol", res.MMol)
	r.Steps = res.Steps
	return nil
}

func runVials(in *inputs, r *Response) error {
	dose, e1 := in.quantity("dose")
	per, e2 := in.quantity("vial_amount")
	if err := firstErr(e1, e2); err != nil {
		return err
	}
	res, err := Vials(dose, per)
	if err != nil {
		return err
	}
	r.text("vials", decimal.NewFromInt(res.Vials).String())
	r.quantity("remainder", res.Remainder)
	r.Steps = res.Steps
	return nil
}

func runIBW(in *inputs, r *Response) error {
	h, e1 := in.quantity("height")
	sex, e2 := in.word("sex")
	w, e3 := in.optQuantity("weight")
	f, e4 := in.optDecimal("adjustment_factor")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	if sex == "" {
		return errorf("sex", CodeMissing, "sex is required: female or male")
	}
	ibw, err := IdealBodyWeight(h, Sex(sex))
	if err != nil {
		return err
	}
	r.quantity("exact_ibw", ibw.Exact)
	r.quantity("ibw", ibw.Weight)
	r.Steps, r.Warnings = ibw.Steps, ibw.Warnings
	if w != nil {
		factor := zero
		if f != nil {
			if f.IsZero() {
				return errorf("adjustment_factor", CodeNotPositive, "must be above zero")
			}
			factor = *f
		}
		abw, err := AdjustedBodyWeight(*w, ibw.Exact, factor)
		if err != nil {
			return err
		}
		r.quantity("exact_adjusted_weight", abw.Exact)
		r.quantity("adjusted_weight", abw.Weight)
		r.Steps = append(r.Steps, abw.Steps...)
		r.Warnings = append(r.Warnings, abw.Warnings...)
	}
	return nil
}

func runOsmolarity(in *inputs, r *Response) error {
	limit, err := in.optQuantity("limit")
	if err != nil {
		return err
	}
	var comps []OsmoleComponent
	if raw, ok := in.raw["components"]; ok && string(raw) != "null" {
		for _, f := range []string{"concentration", "molar_mass", "particles"} {
			if _, flat := in.raw[f]; flat {
				return errorf(f, CodeInvalid, "give components or a single concentration, molar_mass and particles, not both")
			}
		}
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
			return errorf("components", CodeInvalid, "must be a non-empty array of {\"concentration\", \"molar_mass\", \"particles\"}")
		}
		for i, item := range list {
			prefix := "components[" + itoa(i) + "]."
			fields, err := decodeObject(item, "components["+itoa(i)+"]")
			if err != nil {
				return err
			}
			for key := range fields {
				if key != "concentration" && key != "molar_mass" && key != "particles" {
					return errorf(prefix+key, CodeInvalid, "unknown field; accepted: concentration, molar_mass, particles")
				}
			}
			c, err := readComponent(&inputs{raw: fields, prefix: prefix})
			if err != nil {
				return err
			}
			comps = append(comps, c)
		}
	} else {
		c, err := readComponent(in)
		if err != nil {
			return err
		}
		comps = []OsmoleComponent{c}
	}
	res, err := Osmolarity(comps, limit)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) && len(comps) == 1 && in.raw["components"] != nil &&
			(ce.Field == "concentration" || ce.Field == "molar_mass" || ce.Field == "particles") {
			return relabel(ce, "components[0]."+ce.Field)
		}
		return err
	}
	r.quantity("exact_osmolarity", res.Exact)
	r.quantity("osmolarity", res.Osmolarity)
	r.quantity("limit", res.Limit)
	r.flag("above_limit", res.AboveLimit)
	r.Steps, r.Warnings = res.Steps, res.Warnings
	return nil
}

func readComponent(in *inputs) (OsmoleComponent, error) {
	c, e1 := in.quantity("concentration")
	mm, e2 := in.optQuantity("molar_mass")
	p, e3 := in.decimal("particles")
	if err := firstErr(e1, e2, e3); err != nil {
		return OsmoleComponent{}, err
	}
	return OsmoleComponent{Concentration: c, MolarMass: mm, Particles: p}, nil
}

func runAlligation(in *inputs, r *Response) error {
	s, e1 := in.quantity("stronger")
	w, e2 := in.quantity("weaker")
	t, e3 := in.quantity("target")
	total, e4 := in.optQuantity("total")
	if err := firstErr(e1, e2, e3, e4); err != nil {
		return err
	}
	res, err := Alligation(s, w, t, total)
	if err != nil {
		return err
	}
	r.text("parts_stronger", plain(res.PartsStronger))
	r.text("parts_weaker", plain(res.PartsWeaker))
	if res.VolumeStronger != nil {
		r.quantity("volume_stronger", *res.VolumeStronger)
		r.quantity("volume_weaker", *res.VolumeWeaker)
	}
	r.Steps = res.Steps
	return nil
}

func runPercent(in *inputs, r *Response) error {
	q, err := in.quantity("strength")
	if err != nil {
		return err
	}
	res, err := Strength(q)
	if err != nil {
		return err
	}
	r.quantity("concentration", res.Concentration)
	r.text("percent", plain(res.Percent)+"%")
	if res.Ratio != nil {
		r.text("ratio", "1:"+plain(*res.Ratio))
	}
	r.Steps = res.Steps
	return nil
}
