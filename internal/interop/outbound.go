package interop

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/fhir"
	"github.com/laminar-rx/laminar/internal/hl7"
)

// Dispense is a released (or wasted) preparation, as reported back to the
// ordering system.
type Dispense struct {
	Kind          string // "dispense" or "waste"
	PreparationID int64
	OrderID       int64
	// Placer is the sender's order number, "" for an order typed into
	// Laminar; Receiver is "APP^FACILITY" of that sender.
	Placer   string
	Receiver string
	Patient  Patient
	Drug     string
	Dose     string // "2 g"
	Volume   string // "100 mL", the final volume when known
	Route    string
	At       time.Time
	By       string // who released it (user name)
	Reason   string // why it was wasted
}

// ControlID is the MSH-10 of the dispense message: stable per event, so a
// resend after a crash is recognisably the same message.
func (d Dispense) ControlID() string {
	k := "D"
	if d.Kind == "waste" {
		k = "W"
	}
	return fmt.Sprintf("LMN%s%d", k, d.PreparationID)
}

// RDS writes the dispense as an HL7 v2.5.1 RDS^O13 message.
func (d Dispense) RDS() []byte {
	app, fac, _ := strings.Cut(d.Receiver, "^")
	var b hl7.Builder
	b.Seg("MSH", "LAMINAR", "IVROOM", app, fac, hl7.Timestamp(d.At), "", hl7.Comp{"RDS", "O13", "RDS_O13"}, d.ControlID(), "P", "2.5.1")
	family, given, _ := strings.Cut(d.Patient.Name, ",")
	b.Seg("PID", "1", "", hl7.Comp{d.Patient.MRN, "", "", "", "MR"}, "", hl7.Comp{strings.TrimSpace(family), strings.TrimSpace(given)},
		"", strings.ReplaceAll(d.Patient.BirthDate, "-", ""))
	b.Seg("PV1", "1", "I", d.Patient.Location)
	status := "CM"
	if d.Kind == "waste" {
		status = "CA"
	}
	b.Seg("ORC", "RE", d.Placer, hl7.Comp{"P" + strconv.FormatInt(d.PreparationID, 10), "LAMINAR"}, "", status)
	amount, unit := splitQuantity(d.Dose)
	b.Seg("RXE", "", hl7.Comp{"", d.Drug}, amount, "", hl7.Comp{unit, unit, "UCUM"})
	vol, volUnit := splitQuantity(d.Volume)
	dispensed := "1"
	if d.Kind == "waste" {
		dispensed = "0"
	}
	b.Seg("RXD", "1", hl7.Comp{"", d.Drug}, hl7.Timestamp(d.At), dispensed, hl7.Comp{"bag"}, "",
		"P"+strconv.FormatInt(d.PreparationID, 10), "", "", "", "", "", "", "", "", "", "", vol, hl7.Comp{volUnit, volUnit, "UCUM"})
	if d.Route != "" {
		b.Seg("RXR", hl7.Comp{d.Route, d.Route, "HL70162"})
	}
	if d.Kind == "waste" {
		b.Seg("NTE", "1", "L", "Wasted: "+d.Reason)
	}
	return b.Bytes()
}

// splitQuantity splits "2 g" into "2" and its UCUM unit "g".
func splitQuantity(q string) (string, string) {
	if q == "" {
		return "", ""
	}
	v, err := calc.Parse(q)
	if err != nil {
		return q, ""
	}
	return calc.Quantity{Value: v.Value}.String(), UCUM(v.Unit.String())
}

// MedicationDispense writes the dispense as a FHIR R4 MedicationDispense.
func (d Dispense) MedicationDispense() fhir.MedicationDispense {
	md := fhir.MedicationDispense{
		ResourceType:              "MedicationDispense",
		ID:                        d.ControlID(),
		Identifier:                []fhir.Identifier{{System: "urn:laminar:preparation", Value: strconv.FormatInt(d.PreparationID, 10)}},
		Status:                    "completed",
		MedicationCodeableConcept: &fhir.CodeableConcept{Text: d.Drug},
		Subject: &fhir.Reference{Identifier: &fhir.Identifier{
			Type:  &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "http://terminology.hl7.org/CodeSystem/v2-0203", Code: "MR"}}},
			Value: d.Patient.MRN}, Display: d.Patient.Name},
		AuthorizingPrescription: []fhir.Reference{{Reference: "MedicationRequest/" + strconv.FormatInt(d.OrderID, 10)}},
		WhenPrepared:            d.At.UTC().Format(time.RFC3339),
	}
	if d.Placer != "" {
		md.AuthorizingPrescription[0].Identifier = &fhir.Identifier{Value: d.Placer}
	}
	if v, u := splitQuantity(d.Volume); v != "" {
		md.Quantity = &fhir.Quantity{Value: jsonNumber(v), Unit: u, System: fhir.SystemUCUM, Code: u}
	}
	if d.Patient.Location != "" {
		md.Destination = &fhir.Reference{Display: d.Patient.Location}
	}
	dosage := fhir.Dosage{Text: strings.TrimSpace(d.Dose + " " + d.Route)}
	if v, u := splitQuantity(d.Dose); v != "" {
		dosage.DoseAndRate = []fhir.DoseAndRate{{DoseQuantity: &fhir.Quantity{Value: jsonNumber(v), Unit: u, System: fhir.SystemUCUM, Code: u}}}
	}
	md.DosageInstruction = []fhir.Dosage{dosage}
	if d.Kind == "waste" {
		md.Status = "stopped"
		md.Note = []fhir.Annotation{{Text: "Wasted: " + d.Reason}}
	} else {
		md.WhenHandedOver = d.At.UTC().Format(time.RFC3339)
	}
	return md
}

func jsonNumber(s string) json.Number { return json.Number(s) }
