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
