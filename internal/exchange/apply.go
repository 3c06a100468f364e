package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/fhir"
	"github.com/laminar-rx/laminar/internal/interop"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// applyOrder applies one order message stored as inbox message id. A
// *interop.Problem is a refusal the sender is told about (AE); any other
// error means the message could not be applied now (the database is
// unavailable, say) and must not be acknowledged.
func (s *Service) applyOrder(ctx context.Context, id int64, sender string, o *interop.Order, actor int64, now time.Time) (int64, error) {
	placerAt := o.Where["placer"]
	if placerAt == (interop.Location{}) {
		placerAt = interop.Location{Segment: "ORC", Sequence: 1, Field: 2}
	}
	prev, err := s.st.LatestExternalOrder(ctx, sender, o.Placer, id)
	known := err == nil
	if err != nil && !isNotFound(err) {
		return 0, err
	}
	unknown := func() error {
		return &interop.Problem{Code: "unknown_order", HL7: "204", At: placerAt,
			Message: fmt.Sprintf("order %s from %s is not known to Laminar; send NW first", o.Placer, sender)}
	}
	switch o.Control {
	case interop.NewOrder:
		if known {
			return 0, &interop.Problem{Code: "duplicate_order", HL7: "205", At: placerAt,
				Message: fmt.Sprintf("order %s was already placed (Laminar order %d); send XO to change it", o.Placer, prev.OrderID)}
		}
		return s.createVersion(ctx, id, sender, o, 1, actor, now)
	case interop.ChangeOrder:
		if !known {
			return 0, unknown()
		}
		if prev.State == "stopped" {
			return 0, &interop.Problem{Code: "wrong_state", HL7: "207", At: placerAt,
				Message: fmt.Sprintf("order %s was discontinued; a stopped order cannot be changed, send a new order", o.Placer)}
		}
		newID, err := s.createVersion(ctx, id, sender, o, prev.Version+1, actor, now)
		if err != nil {
			return 0, err
		}
		repl, err := s.st.FirstPreparationOf(ctx, newID)
		if err != nil {
			return 0, err
		}
		reason := fmt.Sprintf("ORDER CHANGED by the ordering system (order %s, version %d)", o.Placer, prev.Version+1)
		if err := s.orders.Stop(ctx, prev.OrderID, StopChanged, reason, repl, actor, now, s.key(id, "stop")); err != nil {
			return 0, s.problemOf(err, o.Where)
		}
		return newID, s.st.SetExternalOrderState(ctx, prev.OrderID, "stopped")
	case interop.Discontinue, interop.CancelOrder:
		if !known {
			return 0, unknown()
		}
		if prev.State != "stopped" {
			reason := fmt.Sprintf("ORDER STOPPED by the ordering system (%s of order %s)", o.Control, o.Placer)
			if err := s.orders.Stop(ctx, prev.OrderID, StopStopped, reason, 0, actor, now, s.key(id, "stop")); err != nil {
				return 0, s.problemOf(err, o.Where)
			}
		}
		return prev.OrderID, s.st.SetExternalOrderState(ctx, prev.OrderID, "stopped")
	case interop.HoldOrder:
		if !known {
			return 0, unknown()
		}
		if prev.State == "stopped" {
			return 0, &interop.Problem{Code: "wrong_state", HL7: "207", At: placerAt, Message: fmt.Sprintf("order %s was discontinued; it cannot be held", o.Placer)}
		}
		reason := fmt.Sprintf("ORDER ON HOLD by the ordering system (order %s)", o.Placer)
		if err := s.orders.Hold(ctx, prev.OrderID, reason, actor, now, s.key(id, "hold")); err != nil {
			return 0, s.problemOf(err, o.Where)
		}
		return prev.OrderID, s.st.SetExternalOrderState(ctx, prev.OrderID, "held")
	case interop.ReleaseHold:
		if !known {
			return 0, unknown()
		}
		if prev.State == "stopped" {
			return 0, &interop.Problem{Code: "wrong_state", HL7: "207", At: placerAt, Message: fmt.Sprintf("order %s was discontinued; it cannot be released", o.Placer)}
		}
		if err := s.orders.Resume(ctx, prev.OrderID, actor, now, s.key(id, "resume")); err != nil {
			return 0, s.problemOf(err, o.Where)
		}
		return prev.OrderID, s.st.SetExternalOrderState(ctx, prev.OrderID, "active")
	}
	return 0, &interop.Problem{Code: "unsupported_control", HL7: "103", At: placerAt, Message: "order control " + string(o.Control) + " is not supported"}
}

// createVersion places version v of a sender's order and links it.
func (s *Service) createVersion(ctx context.Context, id int64, sender string, o *interop.Order, v int, actor int64, now time.Time) (int64, error) {
	wo, err := s.workflowOrder(ctx, o, now)
	if err != nil {
		return 0, err
	}
	orderID, _, err := s.orders.Create(ctx, wo, actor, now, s.key(id, "create"))
	if err != nil {
		return 0, s.problemOf(err, o.Where)
	}
	inbox := id
	if err := s.st.LinkExternalOrder(ctx, store.ExternalOrder{Sender: sender, Placer: o.Placer, Version: v, OrderID: orderID, InboxID: &inbox, CreatedAt: now}); err != nil {
		return 0, err
	}
	return orderID, nil
}

// workflowOrder turns a message's order into a validated Laminar order:
// codes resolved, what the message lacks about the patient taken from
// what earlier messages said, the infusion time from the rate.
func (s *Service) workflowOrder(ctx context.Context, o *interop.Order, now time.Time) (workflow.Order, error) {
	drug, err := s.resolveDrug(ctx, o.Drug, o.Where["drug"])
	if err != nil {
		return workflow.Order{}, err
	}
	diluent := ""
	if !o.Diluent.Empty() {
		if diluent, err = s.resolveDiluent(ctx, o.Diluent, o.Where["diluent"]); err != nil {
			return workflow.Order{}, err
		}
	}
	p := o.Patient
	if kp, err := s.st.KnownPatient(ctx, p.MRN); err == nil {
		fill(&p.Name, kp.Name)
		fill(&p.Location, kp.Location)
		if kp.BirthDate != nil {
			fill(&p.BirthDate, kp.BirthDate.Format("2006-01-02"))
		}
		if kp.WeightValue != nil && kp.WeightUnit != nil {
			fill(&p.Weight, calc.Quantity{Value: *kp.WeightValue}.String()+" "+*kp.WeightUnit)
		}
		if kp.HeightValue != nil && kp.HeightUnit != nil {
			fill(&p.Height, calc.Quantity{Value: *kp.HeightValue}.String()+" "+*kp.HeightUnit)
		}
	} else if !isNotFound(err) {
		return workflow.Order{}, err
	}
	// Pharmacy orders often carry no ward (FHIR has none in the request,
	// PV1 is optional): say so on the label rather than refuse the order.
	fill(&p.Location, LocationNotGiven)
	in := workflow.OrderInput{
		Patient: workflow.PatientInput{MRN: p.MRN, Name: p.Name, BirthDate: p.BirthDate, Weight: p.Weight, Height: p.Height, Location: p.Location},
		Drug:    drug, Dose: o.Dose, Route: o.Route, Diluent: diluent, FinalVolume: o.Volume,
		InfuseOver: infuseOver(o.Volume, o.Rate), DueAt: o.DueAt.UTC().Format(time.RFC3339), Priority: o.Priority,
	}
	wo, err := in.Validate(now)
	if err != nil {
		return workflow.Order{}, s.problemOf(err, o.Where)
	}
	return wo, nil
}

// LocationNotGiven is the patient location of an order whose message
// gave none and whose patient no admission message placed.
const LocationNotGiven = "not given"

func fill(dst *string, v string) {
	if strings.TrimSpace(*dst) == "" {
		*dst = v
	}
}

// infuseOver is volume ÷ rate in minutes ("" when either is missing or
// they do not divide into a time).
func infuseOver(volume, rate string) string {
	if volume == "" || rate == "" {
		return ""
	}
	v, err1 := calc.Parse(volume)
	r, err2 := calc.Parse(rate)
	if err1 != nil || err2 != nil {
		return ""
	}
	t, err := v.Div(r)
	if err != nil {
		return ""
	}
	m, err := t.In("min")
	if err != nil || m.Value.Sign() <= 0 {
		return ""
	}
	return calc.Quantity{Value: m.Value.Round(0), Unit: m.Unit}.String()
}

// ndcSystems are the coding systems that mean "this code is an NDC".
var ndcSystems = map[string]bool{"NDC": true, "N4": true, "NDC11": true, fhir.SystemNDC: true}

// gtinSystems are the coding systems that mean "this code is a GTIN".
var gtinSystems = map[string]bool{"GTIN": true, fhir.SystemGTIN: true, "https://www.gs1.org/gtin": true}

// resolveDrug finds the formulary drug a code names: the site's code map
// first, then the formulary's NDCs and GTINs; with no code at all, a text
// that is exactly a drug with a master formulation record. Anything else
// is refused, never guessed.
func (s *Service) resolveDrug(ctx context.Context, c interop.Code, at interop.Location) (string, error) {
	if c.Code != "" {
		name, err := s.resolveCode(ctx, c)
		if err != nil || name != "" {
			return name, err
		}
		return "", &interop.Problem{Code: "unknown_drug", HL7: "103", At: at, Message: fmt.Sprintf(
			"drug code %s (system %q) is not in the formulary or the site's code map; an admin can map it, then a pharmacist can replay this message", c, c.System)}
	}
	want := normalize(c.Text)
	drugs, err := s.st.RecipeDrugs(ctx)
	if err != nil {
		return "", err
	}
	for _, d := range drugs {
		if normalize(d) == want {
			return d, nil
		}
	}
	return "", &interop.Problem{Code: "unknown_drug", HL7: "103", At: at, Message: fmt.Sprintf(
		"drug %q has no code and is not the name of a drug with a master formulation record", c.Text)}
}

// resolveDiluent finds the base solution: a text equal to a formulary
// drug name (e.g. "sodium chloride 0.9%"), or a code as for drugs.
func (s *Service) resolveDiluent(ctx context.Context, c interop.Code, at interop.Location) (string, error) {
	names, err := s.st.FormularyDrugNames(ctx)
	if err != nil {
		return "", err
	}
	for _, t := range []string{c.Text, c.Code} {
		for _, n := range names {
			if t != "" && normalize(t) == normalize(n) {
				return normalize(n), nil
			}
		}
	}
	if c.Code != "" {
		name, err := s.resolveCode(ctx, c)
		if err != nil || name != "" {
			return name, err
		}
	}
	return "", &interop.Problem{Code: "unknown_diluent", HL7: "103", At: at, Message: fmt.Sprintf(
		"base solution %s is not a formulary diluent (e.g. \"sodium chloride 0.9%%\", \"dextrose 5%%\") and has no mapping", c)}
}

// resolveCode looks a code up in the code map, then as an NDC or GTIN of
// the formulary; "" when nothing matches.
func (s *Service) resolveCode(ctx context.Context, c interop.Code) (string, error) {
	m, err := s.st.MappedDrug(ctx, c.System, c.Code)
	if err == nil {
		return m.Drug, nil
	}
	if !isNotFound(err) {
		return "", err
	}
	digits := strings.ReplaceAll(c.Code, "-", "")
	if gtinSystems[c.System] || (len(digits) == 14 && c.System == "") {
		p, err := s.st.ProductByGTIN(ctx, digits)
		if err == nil {
			return p.Drug.Name, nil
		}
		if !isNotFound(err) {
			return "", err
		}
	}
	if ndcSystems[c.System] || c.System == "" {
		for _, ndc10 := range ndc10Candidates(c.Code) {
			p, err := s.st.ProductByNDC10(ctx, ndc10)
			if err == nil {
				return p.Drug.Name, nil
			}
			if !isNotFound(err) {
				return "", err
			}
		}
	}
	return "", nil
}

// ndc10Candidates are the 10-digit NDCs a code may stand for: itself when
// hyphenated or 10 digits, or the three ways to drop a padding zero from
// the 11-digit billing form.
func ndc10Candidates(code string) []string {
	n, err := barcode.ParseNDC(code)
	if err != nil {
		return nil
	}
	if d, ok := n.Digits10(); ok {
		return []string{d}
	}
	d := n.Digits
	if len(d) == 11 {
		var out []string
		// 5-4-2 from 4-4-2 (labeler padded), 5-3-2 (product padded), 5-4-1 (package padded).
		if d[0] == '0' {
			out = append(out, d[1:])
		}
		if d[5] == '0' {
			out = append(out, d[:5]+d[6:])
		}
		if d[9] == '0' {
			out = append(out, d[:9]+d[10:])
		}
		return out
	}
	if len(d) == 10 {
		return []string{d}
	}
	return nil
}

func normalize(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// problemOf turns a refusal of the order use cases into a Problem located
// in the message; errors that are not refusals (the database is down)
// pass through.
func (s *Service) problemOf(err error, where map[string]interop.Location) error {
	var p *interop.Problem
	if errors.As(err, &p) {
		return p
	}
	var e *apperr.Error
	if !errors.As(err, &e) || e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
		return err
	}
	hl7code := map[apperr.Kind]string{apperr.Invalid: "102", apperr.NotFound: "204", apperr.Refused: "207", apperr.Conflict: "207"}[e.Kind]
	if hl7code == "" {
		hl7code = "207"
	}
	if e.Code == "no_recipe" {
		hl7code = "103"
	}
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	return &interop.Problem{Code: e.CodeOrKind(), HL7: hl7code, At: where[e.Field], Message: msg}
}

func isNotFound(err error) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Kind == apperr.NotFound
}
