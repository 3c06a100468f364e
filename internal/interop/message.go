// Package interop is what Laminar understands of the hospital's systems:
// orders and patient updates read from HL7 v2 messages and FHIR R4
// resources into one neutral form, the units and codes they use, and the
// dispense messages Laminar sends back. It decides nothing about
// preparations and knows no transport or storage.
package interop

import (
	"fmt"
	"time"
)

// Control is what an order message asks (HL7 ORC-1; FHIR status).
type Control string

// The order controls understood.
const (
	NewOrder    Control = "NW" // a new order
	ChangeOrder Control = "XO" // a changed order: stop the current preparation, queue the new version
	Discontinue Control = "DC" // discontinue
	CancelOrder Control = "CA" // cancel
	HoldOrder   Control = "HD" // hold
	ReleaseHold Control = "RL" // release a hold
)

// Stops reports whether c ends the order.
func (c Control) Stops() bool { return c == Discontinue || c == CancelOrder }

// Code is a coded value as sent: a code, its text and its coding system.
type Code struct {
	Code, Text, System string
}

// Empty reports whether neither code nor text was given.
func (c Code) Empty() bool { return c.Code == "" && c.Text == "" }

func (c Code) String() string {
	switch {
	case c.Code != "" && c.Text != "":
		return fmt.Sprintf("%s (%s)", c.Code, c.Text)
	case c.Code != "":
		return c.Code
	}
	return c.Text
}

// Patient is a patient as a message describes them; quantities are
// Laminar quantity strings ("72.5 kg"), dates YYYY-MM-DD.
type Patient struct {
	MRN, Name, BirthDate, Location string
	Weight, Height                 string
}

// Order is one order message in neutral form.
type Order struct {
	Control Control
	// Placer is the sender's order number (ORC-2, FHIR identifier).
	Placer   string
	Patient  Patient
	Drug     Code
	Dose     string // "2 g", "15 mg/kg"
	Route    string
	Diluent  Code   // the base solution; empty: the recipe's default
	Volume   string // final volume, "100 mL"; "": the recipe's default
	Rate     string // "100 mL/h", optional
	DueAt    time.Time
	Priority string // stat, first_dose, routine
	Provider string
	// Where says where each order field came from, so that an error about
	// a field names the segment and field (or FHIR element) at fault.
	Where map[string]Location
}

// PatientUpdate is an ADT event: admission, transfer, discharge or update.
type PatientUpdate struct {
	Event      string // A01, A02, A03, A08
	Patient    Patient
	Discharged bool
	Where      map[string]Location
}

// Location names a place in a message: an HL7 segment, its occurrence and
// field (and component), or a FHIR element path.
type Location struct {
	Segment   string
	Sequence  int
	Field     int
	Component int
	// Path is the FHIR element, e.g. "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity".
	Path string
}

func (l Location) String() string {
	if l.Path != "" {
		return l.Path
	}
	if l.Segment == "" {
		return ""
	}
	if l.Field == 0 {
		return l.Segment
	}
	s := fmt.Sprintf("%s-%d", l.Segment, l.Field)
	if l.Component > 0 {
		s += fmt.Sprintf(".%d", l.Component)
	}
	return s
}

// Problem is why a message cannot be applied. Code is Laminar's error code
// (e.g. "unknown_drug"); HL7 is the HL7 table 0357 code for the ERR segment.
type Problem struct {
	Code    string
	HL7     string
	Message string
	At      Location
}

func (p *Problem) Error() string {
	if at := p.At.String(); at != "" {
		return at + ": " + p.Message
	}
	return p.Message
}

// problem builds a Problem.
func problem(code, hl7code string, at Location, format string, args ...any) *Problem {
	return &Problem{Code: code, HL7: hl7code, At: at, Message: fmt.Sprintf(format, args...)}
}
