package interop

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/fhir"
	"github.com/laminar-rx/laminar/internal/hl7"
)

var now = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

func sample(t *testing.T, name string) *hl7.Message {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hl7", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := hl7.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFromHL7NewOrder(t *testing.T) {
	t.Parallel()
	in, p := FromHL7(sample(t, "rde-o11-new.hl7"), time.UTC, now)
	if p != nil {
		t.Fatal(p)
	}
	o := in.Order
	want := Order{Control: NewOrder, Placer: "ORD7001", Drug: Code{"60505-6243-4", "cefazolin", "NDC"}, Dose: "2 g", Route: "IV",
		Diluent: Code{"sodium chloride 0.9%", "sodium chloride 0.9%", ""}, Volume: "100 mL", Rate: "100 mL/h",
		DueAt: time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC), Priority: "stat", Provider: "Kildare, James",
		Patient: Patient{MRN: "MRN200001", Name: "Rivera, Maria", BirthDate: "1970-03-15", Location: "4W-12-A", Weight: "68.5 kg", Height: "165 cm"}}
	o.Where = nil
	if !equalOrder(*o, want) {
		t.Errorf("got  %+v\nwant %+v", *o, want)
	}
}

func equalOrder(a, b Order) bool {
	a.Where, b.Where = nil, nil
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestFromHL7CustomEncodingAndADT(t *testing.T) {
	t.Parallel()
	in, p := FromHL7(sample(t, "rde-o11-custom-encoding.hl7"), time.UTC, now)
	if p != nil {
		t.Fatal(p)
	}
	if in.Order.Patient.Name != "Lee@Park, Sean" || in.Order.Dose != "1 g" || in.Order.Priority != "routine" || in.Order.Volume != "100 mL" {
		t.Errorf("%+v", in.Order)
	}
	in, p = FromHL7(sample(t, "adt-a08-weight.hl7"), time.UTC, now)
	if p != nil {
		t.Fatal(p)
	}
	if in.Patient == nil || in.Patient.Patient.Weight != "71.2 kg" || in.Patient.Patient.Location != "ICU-3-B" || in.Patient.Event != "A08" {
		t.Errorf("%+v", in.Patient)
	}
}

// Every way a message can be understood but not usable names the segment
// and field at fault.
func TestFromHL7Problems(t *testing.T) {
	t.Parallel()
	base := "MSH|^~\\&|P|H|L|I|20261203||RDE^O11|1|P|2.5.1\rPID|1||M1^^^H^MR||Doe^Jo||19700101\rORC|NW|O1\rRXE||C1^cef^NDC|2||g\r"
	cases := []struct {
		name, from, to, code, at string
	}{
		{"unknown unit", "|2||g", "|2||spoons", "unknown_unit", "RXE-5"},
		{"bad amount", "|2||g", "|two||g", "invalid_dose", "RXE-3"},
		{"no amount", "|2||g", "|||g", "missing_field", "RXE-3"},
		{"no drug", "C1^cef^NDC", "", "missing_field", "RXE-2"},
		{"no placer", "ORC|NW|O1", "ORC|NW|", "missing_field", "ORC-2.1"},
		{"bad control", "ORC|NW", "ORC|ZZ", "unsupported_control", "ORC-1"},
		{"no PID", "PID|1||M1^^^H^MR||Doe^Jo||19700101\r", "", "missing_segment", "PID"},
		{"bad birth date", "19700101", "1970", "invalid_birth_date", "PID-7.1"},
		{"wrong trigger", "RDE^O11", "RDE^O25", "unsupported_message", "MSH-9"},
		{"other message", "RDE^O11", "ORU^R01", "unsupported_message", "MSH-9"},
		{"unsupported ADT", "RDE^O11", "ADT^A40", "unsupported_message", "MSH-9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := strings.Replace(base, c.from, c.to, 1)
			m, err := hl7.Parse([]byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			_, p := FromHL7(m, time.UTC, now)
			if p == nil || p.Code != c.code || p.At.String() != c.at || p.HL7 == "" || p.Message == "" {
				t.Fatalf("got %+v, want %s at %q", p, c.code, c.at)
			}
		})
	}
}

func TestLaminarUnit(t *testing.T) {
	t.Parallel()
	good := map[string]string{"mg": "mg", "ug/kg/min": "mcg/kg/min", "[iU]": "units", "meq": "mEq", "mL/h": "mL/h",
		"MG": "mg", "ML": "mL", "GM": "g", "[lb_av]": "lb", "mg/m2": "mg/m2", "U/kg": "units/kg"}
	for in, want := range good {
		if got, ok := LaminarUnit(in); !ok || got != want {
			t.Errorf("LaminarUnit(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "spoon", "mg/", "tab", "[drp]", "Mg2"} {
		if got, ok := LaminarUnit(bad); ok {
			t.Errorf("LaminarUnit(%q) = %q, want refusal", bad, got)
		}
	}
	// Laminar → UCUM → Laminar is the identity on the units orders use.
	for _, u := range []string{"mcg", "mg/kg", "units", "mEq", "mL/h", "mcg/kg/min", "lb", "in"} {
		if back, ok := LaminarUnit(UCUM(u)); !ok || back != u {
			t.Errorf("%s → %s → %s", u, UCUM(u), back)
		}
	}
}

func TestFromMedicationRequest(t *testing.T) {
	t.Parallel()
	raw := `{"resourceType":"MedicationRequest","status":"active","intent":"order","priority":"stat",
	 "identifier":[{"system":"urn:oid:1.2.3","value":"RX-9"}],
	 "contained":[{"resourceType":"Patient","id":"p","identifier":[{"value":"X"},{"type":{"coding":[{"code":"MR"}]},"value":"MRN7"}],
	   "name":[{"family":"Okafor","given":["Ada"]}],"birthDate":"1980-02-29","unknownElement":{"a":1}},
	  {"resourceType":"Observation","id":"w","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"valueQuantity":{"value":70.10,"code":"kg"}}],
	 "subject":{"reference":"#p"},
	 "medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"60505-6243-4","display":"cefazolin"}]},
	 "dosageInstruction":[{"route":{"coding":[{"system":"http://snomed.info/sct","code":"47625008"}]},
	   "timing":{"repeat":{"boundsPeriod":{"start":"2026-12-03T10:00:00Z"}}},
	   "doseAndRate":[{"doseQuantity":{"value":1.50,"unit":"g","system":"http://unitsofmeasure.org","code":"g"}}]}],
	 "somethingNew":true}`
	var mr fhir.MedicationRequest
	if err := fhir.Decode([]byte(raw), "MedicationRequest", &mr); err != nil {
		t.Fatal(err)
	}
	o, p := FromMedicationRequest(mr, FHIRContext{}, now)
	if p != nil {
		t.Fatal(p)
	}
	want := Order{Control: NewOrder, Placer: "urn:oid:1.2.3|RX-9", Drug: Code{"60505-6243-4", "cefazolin", fhir.SystemNDC}, Dose: "1.50 g",
		Route: "IV", DueAt: time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), Priority: "stat",
		Patient: Patient{MRN: "MRN7", Name: "Okafor, Ada", BirthDate: "1980-02-29", Weight: "70.10 kg"}}
	if !equalOrder(*o, want) {
		t.Errorf("got  %+v\nwant %+v", *o, want)
	}

	// Without a due time the order is due now; the patient may be only an identifier.
	mr.DosageInstruction[0].Timing = nil
	mr.Contained = nil
	mr.Subject = fhir.Reference{Identifier: &fhir.Identifier{Value: "MRN8"}}
	o, p = FromMedicationRequest(mr, FHIRContext{}, now)
	if p != nil || !o.DueAt.Equal(now) || o.Patient.MRN != "MRN8" {
		t.Fatalf("%+v %v", o, p)
	}
	for status, ctl := range map[string]Control{"on-hold": HoldOrder, "stopped": Discontinue, "cancelled": CancelOrder, "entered-in-error": CancelOrder} {
		mr.Status = status
		if o, p := FromMedicationRequest(mr, FHIRContext{}, now); p != nil || o.Control != ctl {
			t.Errorf("%s: %+v %v", status, o, p)
		}
	}
	mr.Status = "draft"
	if _, p := FromMedicationRequest(mr, FHIRContext{}, now); p == nil || p.At.Path != "MedicationRequest.status" {
		t.Errorf("draft: %v", p)
	}
	mr.Status, mr.Subject = "active", fhir.Reference{}
	if _, p := FromMedicationRequest(mr, FHIRContext{}, now); p == nil || p.At.Path != "MedicationRequest.subject" {
		t.Errorf("no patient: %v", p)
	}
}

func TestDispenseRDS(t *testing.T) {
	t.Parallel()
	d := Dispense{Kind: "dispense", PreparationID: 42, OrderID: 7, Placer: "ORD7001", Receiver: "PHARMSYS^GENHOSP",
		Patient: Patient{MRN: "MRN200001", Name: "Rivera, Maria", BirthDate: "1970-03-15", Location: "4W-12"},
		Drug:    "cefazolin", Dose: "2 g", Volume: "100 mL", Route: "IV", At: now, By: "tech1"}
	m, err := hl7.Parse(d.RDS())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"MSH-9": "RDS", "MSH-9.2": "O13", "MSH-10": "LMND42", "MSH-5": "PHARMSYS", "MSH-6": "GENHOSP",
		"PID-3": "MRN200001", "PID-5": "Rivera", "PID-5.2": "Maria", "PID-7": "19700315", "ORC-1": "RE", "ORC-2": "ORD7001",
		"ORC-3": "P42", "RXE-3": "2", "RXE-5": "g", "RXD-4": "1", "RXD-18": "100", "RXD-19": "mL", "RXR-1": "IV"}
	for p, w := range want {
		if got := m.Get(p); got != w {
			t.Errorf("%s = %q, want %q", p, got, w)
		}
	}
	md := d.MedicationDispense()
	b, _ := json.Marshal(md)
	if md.Status != "completed" || md.Quantity.Value != "100" || !strings.Contains(string(b), `"value":2,`) {
		t.Errorf("%s", b)
	}
	d.Kind, d.Reason = "waste", "rejected: particulate"
	m, _ = hl7.Parse(d.RDS())
	if m.Get("RXD-4") != "0" || m.Get("ORC-5") != "CA" || !strings.Contains(m.Get("NTE-3"), "particulate") || m.Get("MSH-10") != "LMNW42" {
		t.Errorf("waste: %q", d.RDS())
	}
}
