package interop

import (
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/hl7"
)

// LOINC codes of the observations read from OBX segments.
const (
	LoincBodyWeight         = "29463-7"
	LoincBodyWeightMeasured = "3141-9"
	LoincBodyHeight         = "8302-2"
)

// Inbound is what an HL7 message asks for: an order or a patient update.
type Inbound struct {
	Order   *Order
	Patient *PatientUpdate
}

// FromHL7 reads an order (RDE^O11, OMP^O09, ORM^O01) or a patient update
// (ADT^A01/A02/A03/A08) from a parsed message. Times without a zone are in
// loc; now is the due time when the message gives none. A message of
// another type, or one missing what it must have, is a *Problem.
func FromHL7(m *hl7.Message, loc *time.Location, now time.Time) (Inbound, *Problem) {
	code, trig := m.Get("MSH-9.1"), m.Get("MSH-9.2")
	msh9 := Location{Segment: "MSH", Sequence: 1, Field: 9}
	switch code {
	case "RDE", "OMP", "ORM":
		if trig == "" {
			trig = map[string]string{"RDE": "O11", "OMP": "O09", "ORM": "O01"}[code]
		}
		want := map[string]string{"RDE": "O11", "OMP": "O09", "ORM": "O01"}[code]
		if trig != want {
			return Inbound{}, problem("unsupported_message", "201", msh9, "%s^%s is not supported; expected %s^%s", code, trig, code, want)
		}
		o, p := orderFromHL7(m, code, loc, now)
		if p != nil {
			return Inbound{}, p
		}
		return Inbound{Order: o}, nil
	case "ADT":
		switch trig {
		case "A01", "A02", "A03", "A08":
		default:
			return Inbound{}, problem("unsupported_message", "201", msh9, "ADT^%s is not supported; expected A01, A02, A03 or A08", trig)
		}
		u, p := patientUpdateFromHL7(m, trig, loc)
		if p != nil {
			return Inbound{}, p
		}
		return Inbound{Patient: u}, nil
	}
	return Inbound{}, problem("unsupported_message", "200", msh9,
		"message type %q is not supported; Laminar reads RDE^O11, OMP^O09, ORM^O01 and ADT^A01/A02/A03/A08", m.MessageType())
}

func at(seg string, field, comp int) Location {
	return Location{Segment: seg, Sequence: 1, Field: field, Component: comp}
}

// readPatient reads PID, PV1 and the weight and height OBX segments.
func readPatient(m *hl7.Message, loc *time.Location) (Patient, map[string]Location, *Problem) {
	where := map[string]Location{
		"patient.mrn": at("PID", 3, 0), "patient.name": at("PID", 5, 0), "patient.birth_date": at("PID", 7, 0),
		"patient.location": at("PV1", 3, 0), "patient.weight": at("OBX", 5, 0), "patient.height": at("OBX", 5, 0),
	}
	pid := m.Segment("PID")
	if pid == nil {
		return Patient{}, where, problem("missing_segment", "100", Location{Segment: "PID"}, "the message has no PID segment")
	}
	var p Patient
	// PID-3 may repeat; the medical record number is the one typed MR, or
	// else the first.
	for r := 0; r < pid.Reps(3); r++ {
		id, typ := pid.RepValue(m.Enc, 3, r, 1), pid.RepValue(m.Enc, 3, r, 5)
		if p.MRN == "" || typ == "MR" {
			p.MRN = id
			if typ == "MR" {
				break
			}
		}
	}
	if p.MRN == "" {
		return p, where, problem("missing_field", "101", at("PID", 3, 1), "PID-3 (patient identifier list) has no medical record number")
	}
	family, given := pid.Value(m.Enc, 5, 1), pid.Value(m.Enc, 5, 2)
	p.Name = strings.TrimSpace(family)
	if given != "" {
		p.Name += ", " + given
	}
	if dob := pid.Value(m.Enc, 7, 1); dob != "" {
		t, ok := hl7.ParseTime(dob, loc)
		if !ok || len(dob) < 8 {
			return p, where, problem("invalid_birth_date", "102", at("PID", 7, 1), "PID-7 %q is not a date YYYYMMDD", dob)
		}
		p.BirthDate = t.Format("2006-01-02")
	}
	if pv1 := m.Segment("PV1"); pv1 != nil {
		var parts []string
		for c := 1; c <= 3; c++ {
			if v := strings.TrimSpace(pv1.Value(m.Enc, 3, c)); v != "" {
				parts = append(parts, v)
			}
		}
		p.Location = strings.Join(parts, "-")
	}
	for i, obx := range m.All("OBX") {
		code := obx.Value(m.Enc, 3, 1)
		value, unit := obx.Value(m.Enc, 5, 1), obx.Value(m.Enc, 6, 1)
		vat := Location{Segment: "OBX", Sequence: i + 1, Field: 5}
		uat := Location{Segment: "OBX", Sequence: i + 1, Field: 6}
		switch code {
		case LoincBodyWeight, LoincBodyWeightMeasured:
			q, prob := quantity(value, unit, vat, uat, "weight")
			if prob != nil {
				return p, where, prob
			}
			p.Weight, where["patient.weight"] = q, vat
		case LoincBodyHeight:
			q, prob := quantity(value, unit, vat, uat, "height")
			if prob != nil {
				return p, where, prob
			}
			p.Height, where["patient.height"] = q, vat
		}
	}
	return p, where, nil
}

func patientUpdateFromHL7(m *hl7.Message, trig string, loc *time.Location) (*PatientUpdate, *Problem) {
	p, where, prob := readPatient(m, loc)
	if prob != nil {
		return nil, prob
	}
	return &PatientUpdate{Event: trig, Patient: p, Discharged: trig == "A03", Where: where}, nil
}

var priorities = map[string]string{"S": "stat", "A": "first_dose", "R": "routine", "P": "routine", "T": "first_dose", "C": "routine"}

// orderFromHL7 reads an order message in stages: the patient, the order
// control and number (ORC), and for a new or changed order the drug and
// amount given (RXE or RXO), the components (RXC) and the route (RXR).
func orderFromHL7(m *hl7.Message, code string, loc *time.Location, now time.Time) (*Order, *Problem) {
	p, where, prob := readPatient(m, loc)
	if prob != nil {
		return nil, prob
	}
	o := &Order{Patient: p, Where: where, DueAt: now, Priority: "routine"}
	orc := m.Segment("ORC")
	if orc == nil {
		return nil, problem("missing_segment", "100", Location{Segment: "ORC"}, "the message has no ORC segment")
	}
	if o.Control, prob = readControl(m, orc); prob != nil {
		return nil, prob
	}
	o.Placer = orc.Value(m.Enc, 2, 1)
	if o.Placer == "" {
		return nil, problem("missing_field", "101", at("ORC", 2, 1), "ORC-2 (placer order number) is empty; Laminar needs it to match changes and stops")
	}
	if fam := orc.Value(m.Enc, 12, 2); fam != "" {
		o.Provider = strings.TrimSpace(fam + ", " + orc.Value(m.Enc, 12, 3))
	}
	readTiming(m, orc, loc, o)
	if o.Control != NewOrder && o.Control != ChangeOrder {
		return o, nil
	}
	g, prob := readGive(m, code, o)
	if prob != nil {
		return nil, prob
	}
	if prob := readComponents(m, o, &g); prob != nil {
		return nil, prob
	}
	if g.code.Empty() {
		return nil, problem("missing_field", "101", g.codeAt, "%s (give code) is empty: which drug?", g.codeAt)
	}
	o.Drug, where["drug"] = g.code, g.codeAt
	if g.amount == "" {
		return nil, problem("missing_field", "101", g.amountAt, "%s (give amount) is empty", g.amountAt)
	}
	dose, prob := quantity(g.amount, g.unit, g.amountAt, g.unitAt, "dose")
	if prob != nil {
		return nil, prob
	}
	o.Dose, where["dose"] = dose, g.amountAt
	if rxr := m.Segment("RXR"); rxr != nil {
		o.Route = routeOf(rxr.Value(m.Enc, 1, 1), rxr.Value(m.Enc, 1, 2))
		where["route"] = at("RXR", 1, 0)
	}
	if o.Route == "" {
		o.Route = "IV"
	}
	return o, nil
}

// readControl reads ORC-1, the order control.
func readControl(m *hl7.Message, orc *hl7.Segment) (Control, *Problem) {
	ctl := Control(orc.Value(m.Enc, 1, 1))
	switch ctl {
	case NewOrder, ChangeOrder, Discontinue, CancelOrder, HoldOrder, ReleaseHold:
	case "OD":
		ctl = Discontinue
	case "":
		return "", problem("missing_field", "101", at("ORC", 1, 0), "ORC-1 (order control) is empty; expected NW, XO, DC, CA, HD or RL")
	default:
		return "", problem("unsupported_control", "103", at("ORC", 1, 0), "order control %q is not supported; expected NW, XO, DC, CA, HD or RL", ctl)
	}
	return ctl, nil
}

// give is the drug and amount ordered, with where each was read.
type give struct {
	code                     Code
	amount, unit             string
	codeAt, amountAt, unitAt Location
}

// readGive reads the give code and amount from RXE (an RDE message, with
// its rate) or RXO.
func readGive(m *hl7.Message, code string, o *Order) (give, *Problem) {
	var g give
	if code != "RDE" {
		rxo := m.Segment("RXO")
		if rxo == nil {
			return g, problem("missing_segment", "100", Location{Segment: "RXO"}, "an %s message needs an RXO segment", code)
		}
		g.code = Code{Code: rxo.Value(m.Enc, 1, 1), Text: rxo.Value(m.Enc, 1, 2), System: rxo.Value(m.Enc, 1, 3)}
		g.amount, g.unit = rxo.Value(m.Enc, 2, 1), rxo.Value(m.Enc, 4, 1)
		g.codeAt, g.amountAt, g.unitAt = at("RXO", 1, 0), at("RXO", 2, 0), at("RXO", 4, 0)
		return g, nil
	}
	rxe := m.Segment("RXE")
	if rxe == nil {
		return g, problem("missing_segment", "100", Location{Segment: "RXE"}, "an RDE message needs an RXE segment")
	}
	g.code = Code{Code: rxe.Value(m.Enc, 2, 1), Text: rxe.Value(m.Enc, 2, 2), System: rxe.Value(m.Enc, 2, 3)}
	g.amount, g.unit = rxe.Value(m.Enc, 3, 1), rxe.Value(m.Enc, 5, 1)
	g.codeAt, g.amountAt, g.unitAt = at("RXE", 2, 0), at("RXE", 3, 0), at("RXE", 5, 0)
	if r, ru := rxe.Value(m.Enc, 23, 1), rxe.Value(m.Enc, 24, 1); r != "" {
		q, prob := quantity(r, ru, at("RXE", 23, 0), at("RXE", 24, 0), "rate")
		if prob != nil {
			return g, prob
		}
		o.Rate = q
	}
	return g, nil
}

// readComponents reads the RXC segments: the base is the diluent (and its
// volume the final volume); an additive stands for the drug when RXE/RXO
// gives no code.
func readComponents(m *hl7.Message, o *Order, g *give) *Problem {
	for i, rxc := range m.All("RXC") {
		seq := i + 1
		comp := Code{Code: rxc.Value(m.Enc, 2, 1), Text: rxc.Value(m.Enc, 2, 2), System: rxc.Value(m.Enc, 2, 3)}
		switch strings.ToUpper(rxc.Value(m.Enc, 1, 1)) {
		case "B":
			o.Diluent = comp
			o.Where["diluent"] = Location{Segment: "RXC", Sequence: seq, Field: 2}
			if v := rxc.Value(m.Enc, 3, 1); v != "" {
				q, prob := quantity(v, rxc.Value(m.Enc, 4, 1), Location{Segment: "RXC", Sequence: seq, Field: 3}, Location{Segment: "RXC", Sequence: seq, Field: 4}, "final_volume")
				if prob != nil {
					return prob
				}
				o.Volume = q
				o.Where["final_volume"] = Location{Segment: "RXC", Sequence: seq, Field: 3}
			}
		case "A":
			if g.code.Empty() {
				g.code = comp
				g.codeAt = Location{Segment: "RXC", Sequence: seq, Field: 2}
				if g.amount == "" {
					g.amount, g.unit = rxc.Value(m.Enc, 3, 1), rxc.Value(m.Enc, 4, 1)
					g.amountAt = Location{Segment: "RXC", Sequence: seq, Field: 3}
					g.unitAt = Location{Segment: "RXC", Sequence: seq, Field: 4}
				}
			}
		}
	}
	return nil
}

// readTiming reads the start time and priority from TQ1 (2.5 and later) or
// ORC-7 (the older quantity/timing field).
func readTiming(m *hl7.Message, orc *hl7.Segment, loc *time.Location, o *Order) {
	start, prio := "", ""
	o.Where["due_at"], o.Where["priority"] = at("TQ1", 7, 0), at("TQ1", 9, 0)
	if tq1 := m.Segment("TQ1"); tq1 != nil {
		start, prio = tq1.Value(m.Enc, 7, 1), tq1.Value(m.Enc, 9, 1)
	} else {
		start, prio = orc.Value(m.Enc, 7, 4), orc.Value(m.Enc, 7, 6)
		o.Where["due_at"], o.Where["priority"] = at("ORC", 7, 4), at("ORC", 7, 6)
	}
	if t, ok := hl7.ParseTime(start, loc); ok {
		o.DueAt = t
	}
	if p, ok := priorities[strings.ToUpper(prio)]; ok {
		o.Priority = p
	}
}

// routeOf turns an RXR-1 route (HL7 table 0162 code, or text) into the
// route written on the label.
func routeOf(code, text string) string {
	switch strings.ToUpper(strings.TrimSpace(code)) {
	case "IV", "IVP", "IVPB", "IVSS", "IVDRIP", "47625008":
		return "IV"
	case "IM", "78421000":
		return "IM"
	case "SC", "SQ", "34206005":
		return "SC"
	case "IT":
		return "IT"
	case "":
		if strings.EqualFold(strings.TrimSpace(text), "intravenous") {
			return "IV"
		}
		return strings.TrimSpace(text)
	}
	return strings.TrimSpace(code)
}
