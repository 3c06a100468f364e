// Package fhir holds the few FHIR R4 resources Laminar reads and writes —
// MedicationRequest, Patient, Observation, Medication, Bundle,
// MedicationDispense and OperationOutcome — with only the elements it uses.
// Elements it does not know are ignored when reading. Decimals stay
// json.Number so no dose passes through a float.
package fhir

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MediaType is the FHIR JSON media type.
const MediaType = "application/fhir+json"

// Coding systems Laminar recognises.
const (
	SystemNDC    = "http://hl7.org/fhir/sid/ndc"
	SystemRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm"
	SystemLOINC  = "http://loinc.org"
	SystemUCUM   = "http://unitsofmeasure.org"
	SystemGTIN   = "urn:oid:1.3.160"
	SystemSCT    = "http://snomed.info/sct"
)

// Coding is a code in a system.
type Coding struct {
	System  string `json:"system,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is codings and text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is a business identifier.
type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
}

// Reference points at another resource (or carries its identifier).
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Quantity is a measured amount; Value keeps the decimal as written.
type Quantity struct {
	Value  json.Number `json:"value,omitempty"`
	Unit   string      `json:"unit,omitempty"`
	System string      `json:"system,omitempty"`
	Code   string      `json:"code,omitempty"`
}

// Period is a start and end time.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Meta carries the version and update time of a resource.
type Meta struct {
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// Patient is the subject of an order.
type Patient struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Name         []HumanName  `json:"name,omitempty"`
	BirthDate    string       `json:"birthDate,omitempty"`
}

// Observation is a body weight or height.
type Observation struct {
	ResourceType  string          `json:"resourceType"`
	ID            string          `json:"id,omitempty"`
	Code          CodeableConcept `json:"code"`
	Subject       *Reference      `json:"subject,omitempty"`
	ValueQuantity *Quantity       `json:"valueQuantity,omitempty"`
}

// Ingredient is one ingredient of a Medication.
type Ingredient struct {
	ItemCodeableConcept *CodeableConcept `json:"itemCodeableConcept,omitempty"`
	IsActive            *bool            `json:"isActive,omitempty"`
}

// Medication describes what is ordered, when the order references it.
type Medication struct {
	ResourceType string           `json:"resourceType"`
	ID           string           `json:"id,omitempty"`
	Code         *CodeableConcept `json:"code,omitempty"`
	Ingredient   []Ingredient     `json:"ingredient,omitempty"`
}

// DoseAndRate is the amount and rate of one dose.
type DoseAndRate struct {
	DoseQuantity *Quantity `json:"doseQuantity,omitempty"`
	RateQuantity *Quantity `json:"rateQuantity,omitempty"`
}

// TimingRepeat is the repeat part of a Timing.
type TimingRepeat struct {
	BoundsPeriod *Period `json:"boundsPeriod,omitempty"`
}

// Timing says when.
type Timing struct {
	Event  []string      `json:"event,omitempty"`
	Repeat *TimingRepeat `json:"repeat,omitempty"`
}

// Dosage is one dosage instruction.
type Dosage struct {
	Text        string           `json:"text,omitempty"`
	Timing      *Timing          `json:"timing,omitempty"`
	Route       *CodeableConcept `json:"route,omitempty"`
	DoseAndRate []DoseAndRate    `json:"doseAndRate,omitempty"`
}

// MedicationRequest is an order.
type MedicationRequest struct {
	ResourceType              string            `json:"resourceType"`
	ID                        string            `json:"id,omitempty"`
	Meta                      *Meta             `json:"meta,omitempty"`
	Contained                 []json.RawMessage `json:"contained,omitempty"`
	Identifier                []Identifier      `json:"identifier,omitempty"`
	Status                    string            `json:"status"`
	Intent                    string            `json:"intent"`
	Priority                  string            `json:"priority,omitempty"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   Reference         `json:"subject"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *Reference        `json:"requester,omitempty"`
	DosageInstruction         []Dosage          `json:"dosageInstruction,omitempty"`
}

// MedicationDispense reports a released (or wasted) preparation.
type MedicationDispense struct {
	ResourceType              string           `json:"resourceType"`
	ID                        string           `json:"id,omitempty"`
	Identifier                []Identifier     `json:"identifier,omitempty"`
	Status                    string           `json:"status"`
	MedicationCodeableConcept *CodeableConcept `json:"medicationCodeableConcept,omitempty"`
	Subject                   *Reference       `json:"subject,omitempty"`
	AuthorizingPrescription   []Reference      `json:"authorizingPrescription,omitempty"`
	Quantity                  *Quantity        `json:"quantity,omitempty"`
	WhenPrepared              string           `json:"whenPrepared,omitempty"`
	WhenHandedOver            string           `json:"whenHandedOver,omitempty"`
	Destination               *Reference       `json:"destination,omitempty"`
	DosageInstruction         []Dosage         `json:"dosageInstruction,omitempty"`
	Note                      []Annotation     `json:"note,omitempty"`
}

// Annotation is a text note.
type Annotation struct {
	Text string `json:"text"`
}

// BundleEntryRequest is the request part of a transaction entry.
type BundleEntryRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// BundleEntryResponse is the response part of a transaction-response entry.
type BundleEntryResponse struct {
	Status   string          `json:"status"`
	Location string          `json:"location,omitempty"`
	Outcome  json.RawMessage `json:"outcome,omitempty"`
}

// BundleEntry is one entry of a Bundle.
type BundleEntry struct {
	FullURL  string               `json:"fullUrl,omitempty"`
	Resource json.RawMessage      `json:"resource,omitempty"`
	Request  *BundleEntryRequest  `json:"request,omitempty"`
	Response *BundleEntryResponse `json:"response,omitempty"`
}

// Bundle is a transaction, a transaction response or a search result.
type Bundle struct {
	ResourceType string        `json:"resourceType"`
	ID           string        `json:"id,omitempty"`
	Type         string        `json:"type"`
	Total        *int          `json:"total,omitempty"`
	Entry        []BundleEntry `json:"entry,omitempty"`
}

// OperationOutcomeIssue is one issue of an OperationOutcome.
type OperationOutcomeIssue struct {
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}

// OperationOutcome reports an error.
type OperationOutcome struct {
	ResourceType string                  `json:"resourceType"`
	Issue        []OperationOutcomeIssue `json:"issue"`
}

// ResourceType reads only the resourceType of a JSON resource.
func ResourceType(raw []byte) (string, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return "", fmt.Errorf("not a JSON resource: %w", err)
	}
	if head.ResourceType == "" {
		return "", fmt.Errorf("the resource has no resourceType")
	}
	return head.ResourceType, nil
}

// Decode reads a resource, checking its resourceType; decimals are kept as
// written. Unknown elements are ignored.
func Decode(raw []byte, wantType string, v any) error {
	rt, err := ResourceType(raw)
	if err != nil {
		return err
	}
	if rt != wantType {
		return fmt.Errorf("expected a %s, got a %s", wantType, rt)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", wantType, err)
	}
	return nil
}
