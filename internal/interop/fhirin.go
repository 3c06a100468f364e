package interop

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/fhir"
)

// FHIRContext is what a MedicationRequest may refer to besides itself: the
// other resources of its transaction Bundle, by fullUrl.
type FHIRContext struct {
	Patients     map[string]fhir.Patient
	Observations []fhir.Observation
}

func fpath(p string) Location { return Location{Path: "MedicationRequest." + p} }

// FromMedicationRequest reads an order from a MedicationRequest. The
// status decides the control: active is a new order (or, when the order
// is known already, a change or the release of a hold — the caller
// decides), on-hold a hold, stopped and completed a discontinuation,
// cancelled and entered-in-error a cancellation. The patient comes from a
// contained Patient, a Patient of the bundle, or subject.identifier; the
// due time from dosageInstruction[0].timing.repeat.boundsPeriod.start,
// else now.
func FromMedicationRequest(mr fhir.MedicationRequest, ctx FHIRContext, now time.Time) (*Order, *Problem) {
	o := &Order{DueAt: now, Priority: "routine", Where: map[string]Location{
		"patient.mrn": fpath("subject"), "patient.name": fpath("subject"), "patient.birth_date": fpath("subject"),
		"patient.weight": fpath("subject"), "patient.height": fpath("subject"), "patient.location": fpath("subject"),
		"drug": fpath("medicationCodeableConcept"), "dose": fpath("dosageInstruction[0].doseAndRate[0].doseQuantity"),
		"route": fpath("dosageInstruction[0].route"), "due_at": fpath("dosageInstruction[0].timing.repeat.boundsPeriod.start"),
		"priority": fpath("priority"), "diluent": fpath("medicationReference"), "final_volume": fpath("medicationReference"),
	}}
	if p := readRequestHead(mr, o); p != nil {
		return nil, p
	}
	contained := map[string]json.RawMessage{}
	for _, raw := range mr.Contained {
		var head struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		if head.ID != "" {
			contained["#"+head.ID] = raw
		}
	}
	if p := patientOf(mr, ctx, contained, o); p != nil {
		return nil, p
	}
	if o.Control != NewOrder {
		return o, nil
	}
	if p := medicationOf(mr, contained, o); p != nil {
		return nil, p
	}
	if p := readDosage(mr, o); p != nil {
		return nil, p
	}
	return o, nil
}

// readRequestHead reads the status (the order control), the intent and
// the placer's identifier.
func readRequestHead(mr fhir.MedicationRequest, o *Order) *Problem {
	switch mr.Status {
	case "active":
		o.Control = NewOrder
	case "on-hold":
		o.Control = HoldOrder
	case "stopped", "completed":
		o.Control = Discontinue
	case "cancelled", "entered-in-error":
		o.Control = CancelOrder
	case "":
		return problem("missing_field", "101", fpath("status"), "status is required (active, on-hold, stopped, cancelled, entered-in-error)")
	default:
		return problem("unsupported_status", "103", fpath("status"), "status %q is not handled; send active, on-hold, stopped, cancelled or entered-in-error", mr.Status)
	}
	switch mr.Intent {
	case "order", "original-order", "instance-order", "":
	default:
		return problem("unsupported_intent", "103", fpath("intent"), "intent %q is not an order; send order", mr.Intent)
	}
	for _, id := range mr.Identifier {
		if id.Value != "" {
			o.Placer = id.Value
			if id.System != "" {
				o.Placer = id.System + "|" + id.Value
			}
			break
		}
	}
	return nil
}

// readDosage reads the first dosage instruction: dose, rate, route and
// due time; and the priority and requester.
func readDosage(mr fhir.MedicationRequest, o *Order) *Problem {
	if len(mr.DosageInstruction) == 0 || len(mr.DosageInstruction[0].DoseAndRate) == 0 || mr.DosageInstruction[0].DoseAndRate[0].DoseQuantity == nil {
		return problem("missing_field", "101", fpath("dosageInstruction[0].doseAndRate[0].doseQuantity"), "the dose is required")
	}
	d := mr.DosageInstruction[0]
	dq := d.DoseAndRate[0].DoseQuantity
	dose, p := fhirQuantity(dq, "dosageInstruction[0].doseAndRate[0].doseQuantity", "dose")
	if p != nil {
		return p
	}
	o.Dose = dose
	if rq := d.DoseAndRate[0].RateQuantity; rq != nil {
		rate, p := fhirQuantity(rq, "dosageInstruction[0].doseAndRate[0].rateQuantity", "rate")
		if p != nil {
			return p
		}
		o.Rate = rate
	}
	if d.Route != nil {
		code, text := "", d.Route.Text
		if len(d.Route.Coding) > 0 {
			code = d.Route.Coding[0].Code
			if text == "" {
				text = d.Route.Coding[0].Display
			}
		}
		o.Route = routeOf(code, text)
	}
	if o.Route == "" {
		o.Route = "IV"
	}
	if d.Timing != nil && d.Timing.Repeat != nil && d.Timing.Repeat.BoundsPeriod != nil && d.Timing.Repeat.BoundsPeriod.Start != "" {
		t, err := time.Parse(time.RFC3339, d.Timing.Repeat.BoundsPeriod.Start)
		if err != nil {
			return problem("invalid_due_at", "102", fpath("dosageInstruction[0].timing.repeat.boundsPeriod.start"),
				"%q is not a dateTime with time and zone, e.g. 2026-12-03T09:00:00Z", d.Timing.Repeat.BoundsPeriod.Start)
		}
		o.DueAt = t
	}
	switch mr.Priority {
	case "stat":
		o.Priority = "stat"
	case "asap", "urgent":
		o.Priority = "first_dose"
	}
	if mr.Requester != nil {
		o.Provider = mr.Requester.Display
	}
	return nil
}

func fhirQuantity(q *fhir.Quantity, path, field string) (string, *Problem) {
	unit := q.Code
	if unit == "" {
		unit = q.Unit
	}
	at := fpath(path)
	return quantity(q.Value.String(), unit, at, at, field)
}

func patientOf(mr fhir.MedicationRequest, ctx FHIRContext, contained map[string]json.RawMessage, o *Order) *Problem {
	ref := mr.Subject.Reference
	var pat *fhir.Patient
	if raw, ok := contained[ref]; ok {
		var p fhir.Patient
		if err := fhir.Decode(raw, "Patient", &p); err != nil {
			return problem("invalid_patient", "102", fpath("contained"), "the contained patient %s: %v", ref, err)
		}
		pat = &p
	} else if p, ok := ctx.Patients[ref]; ok && ref != "" {
		pat = &p
	}
	if pat != nil {
		o.Patient = patientFromFHIR(*pat)
	}
	if mr.Subject.Identifier != nil && mr.Subject.Identifier.Value != "" && o.Patient.MRN == "" {
		o.Patient.MRN = mr.Subject.Identifier.Value
	}
	if o.Patient.MRN == "" {
		return problem("missing_field", "101", fpath("subject"),
			"the patient is required: a contained Patient (subject.reference \"#id\"), a Patient in the same Bundle, or subject.identifier with the medical record number")
	}
	// Weight and height: Observations contained or in the bundle.
	obs := append([]fhir.Observation{}, ctx.Observations...)
	for _, raw := range contained {
		if rt, _ := fhir.ResourceType(raw); rt == "Observation" {
			var ob fhir.Observation
			if err := fhir.Decode(raw, "Observation", &ob); err == nil {
				obs = append(obs, ob)
			}
		}
	}
	for _, ob := range obs {
		if ob.ValueQuantity == nil {
			continue
		}
		for _, c := range ob.Code.Coding {
			switch c.Code {
			case LoincBodyWeight, LoincBodyWeightMeasured:
				q, p := fhirQuantity(ob.ValueQuantity, "contained.Observation.valueQuantity", "weight")
				if p != nil {
					return p
				}
				o.Patient.Weight = q
			case LoincBodyHeight:
				q, p := fhirQuantity(ob.ValueQuantity, "contained.Observation.valueQuantity", "height")
				if p != nil {
					return p
				}
				o.Patient.Height = q
			}
		}
	}
	return nil
}

func patientFromFHIR(p fhir.Patient) Patient {
	var out Patient
	for _, id := range p.Identifier {
		isMR := id.Type != nil && len(id.Type.Coding) > 0 && id.Type.Coding[0].Code == "MR"
		if out.MRN == "" || isMR {
			out.MRN = id.Value
			if isMR {
				break
			}
		}
	}
	if len(p.Name) > 0 {
		n := p.Name[0]
		out.Name = n.Family
		if len(n.Given) > 0 {
			out.Name += ", " + strings.Join(n.Given, " ")
		}
		if out.Name == "" {
			out.Name = n.Text
		}
	}
	out.BirthDate = p.BirthDate
	return out
}

// medicationOf reads the drug (and a diluent, when a contained Medication
// lists an inactive ingredient) of an order.
func medicationOf(mr fhir.MedicationRequest, contained map[string]json.RawMessage, o *Order) *Problem {
	cc := mr.MedicationCodeableConcept
	if mr.MedicationReference != nil {
		raw, ok := contained[mr.MedicationReference.Reference]
		if !ok {
			return problem("unknown_reference", "103", fpath("medicationReference"),
				"medicationReference %q is not a contained Medication", mr.MedicationReference.Reference)
		}
		var med fhir.Medication
		if err := fhir.Decode(raw, "Medication", &med); err != nil {
			return problem("invalid_medication", "102", fpath("contained"), "%v", err)
		}
		cc = med.Code
		o.Where["drug"] = fpath("contained.Medication.code")
		for _, ing := range med.Ingredient {
			if ing.IsActive != nil && !*ing.IsActive && ing.ItemCodeableConcept != nil {
				o.Diluent = codeOf(*ing.ItemCodeableConcept)
			}
		}
	}
	if cc == nil {
		return problem("missing_field", "101", fpath("medicationCodeableConcept"), "the medication is required")
	}
	o.Drug = codeOf(*cc)
	if o.Drug.Empty() {
		return problem("missing_field", "101", fpath("medicationCodeableConcept"), "the medication has neither a code nor text")
	}
	return nil
}

func codeOf(cc fhir.CodeableConcept) Code {
	c := Code{Text: cc.Text}
	for _, cd := range cc.Coding {
		if cd.Code == "" {
			continue
		}
		c.Code, c.System = cd.Code, cd.System
		if c.Text == "" {
			c.Text = cd.Display
		}
		if cd.System == fhir.SystemNDC {
			break
		}
	}
	return c
}
