package exchange

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/fhir"
	"github.com/laminar-rx/laminar/internal/interop"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// FHIRCaller is who posts FHIR resources.
type FHIRCaller struct {
	UserID   int64
	Username string
}

// FHIRResponse is the status and resource that answer a FHIR request.
type FHIRResponse struct {
	Status   int
	Resource any
	// Raw is a stored answer, sent as is.
	Raw []byte
	// Location is the created resource, for the Location header.
	Location string
}

// ReceiveFHIR stores and applies a POSTed MedicationRequest or transaction
// Bundle. key is the request's Idempotency-Key ("" for none): the same key
// from the same caller gets the stored answer and changes nothing.
func (s *Service) ReceiveFHIR(ctx context.Context, raw []byte, caller FHIRCaller, key string) (FHIRResponse, error) {
	now := s.opt.Now()
	rt, err := fhir.ResourceType(raw)
	if err != nil {
		return outcomeResponse(http.StatusBadRequest, "invalid", err.Error(), ""), nil
	}
	msg, created, err := s.st.InboxReceive(ctx, store.InboxMessage{
		Channel: ChannelFHIR, Sender: "fhir:" + caller.Username, ControlID: key, MessageType: rt, Body: raw, ReceivedAt: now,
	})
	if err != nil {
		return FHIRResponse{}, err
	}
	if !created && msg.Ack != nil {
		return FHIRResponse{Status: storedStatus(msg), Raw: msg.Ack}, nil
	}
	return s.applyFHIRStored(ctx, msg, caller.UserID, now)
}

func storedStatus(m store.InboxMessage) int {
	switch m.AckCode {
	case "AA":
		return http.StatusOK
	case "AR":
		return http.StatusBadRequest
	}
	if m.ErrorCode == "unknown_order" {
		return http.StatusNotFound
	}
	return http.StatusUnprocessableEntity
}

// applyFHIRStored applies a stored FHIR message and records its answer.
func (s *Service) applyFHIRStored(ctx context.Context, msg store.InboxMessage, actor int64, now time.Time) (FHIRResponse, error) {
	var mr fhir.MedicationRequest
	fctx := interop.FHIRContext{Patients: map[string]fhir.Patient{}}
	var bundle bool
	var readErr error
	switch msg.MessageType {
	case "MedicationRequest":
		readErr = fhir.Decode(msg.Body, "MedicationRequest", &mr)
	case "Bundle":
		bundle = true
		readErr = readBundle(msg.Body, &mr, &fctx)
	default:
		readErr = fmt.Errorf("POST a MedicationRequest or a transaction Bundle, not a %s", msg.MessageType)
	}
	if readErr != nil {
		resp := outcomeResponse(http.StatusBadRequest, "invalid", readErr.Error(), "")
		return resp, s.finishFHIR(ctx, msg.ID, resp, "rejected", "AR", &interop.Problem{Code: "unreadable", Message: readErr.Error()}, 0, now)
	}
	sender := msg.Sender
	orderID, err := s.applyInbound(ctx, msg.ID, sender, func() (interop.Inbound, *interop.Problem) {
		o, p := interop.FromMedicationRequest(mr, fctx, now)
		if p != nil {
			return interop.Inbound{}, p
		}
		if o.Placer == "" {
			o.Placer = fmt.Sprintf("laminar-fhir-%d", msg.ID)
		}
		if o.Control == interop.NewOrder {
			if prev, err := s.st.LatestExternalOrder(ctx, sender, o.Placer, msg.ID); err == nil {
				o.Control = interop.ChangeOrder
				if prev.State == "held" {
					o.Control = interop.ReleaseHold
				}
			}
		}
		return interop.Inbound{Order: o}, nil
	}, actor, now)
	var p *interop.Problem
	if errors.As(err, &p) {
		status := http.StatusUnprocessableEntity
		code := "processing"
		switch p.Code {
		case "unknown_order":
			status, code = http.StatusNotFound, "not-found"
		case "unknown_drug", "unknown_diluent", "unknown_unit":
			code = "code-invalid"
		case "missing_field":
			status, code = http.StatusBadRequest, "required"
		}
		resp := outcomeResponse(status, code, p.Message, p.At.Path)
		oo := resp.Resource.(fhir.OperationOutcome)
		oo.Issue[0].Details = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "urn:laminar:error", Code: p.Code}}}
		resp.Resource = oo
		return resp, s.finishFHIR(ctx, msg.ID, resp, "error", "AE", p, 0, now)
	}
	if err != nil {
		return FHIRResponse{}, err
	}
	res, err := s.MedicationRequest(ctx, orderID)
	if err != nil {
		return FHIRResponse{}, err
	}
	resp := FHIRResponse{Status: http.StatusOK, Resource: res, Location: "MedicationRequest/" + strconv.FormatInt(orderID, 10)}
	if mr.Status == "active" {
		resp.Status = http.StatusCreated
	}
	if bundle {
		b, _ := json.Marshal(res)
		resp.Resource = fhir.Bundle{ResourceType: "Bundle", Type: "transaction-response", Entry: []fhir.BundleEntry{{
			Resource: b, Response: &fhir.BundleEntryResponse{Status: fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)), Location: resp.Location},
		}}}
		resp.Status = http.StatusOK
	}
	return resp, s.finishFHIR(ctx, msg.ID, resp, "applied", "AA", nil, orderID, now)
}

// finishFHIR records a FHIR message's outcome with its answer.
func (s *Service) finishFHIR(ctx context.Context, id int64, resp FHIRResponse, status, code string, p *interop.Problem, orderID int64, now time.Time) error {
	body, err := json.Marshal(resp.Resource)
	if err != nil {
		return err
	}
	out := store.InboxOutcome{Status: status, AckCode: code, Ack: body, At: now}
	if p != nil {
		out.ErrorCode, out.ErrorField, out.ErrorMessage = p.Code, p.At.String(), p.Message
	}
	if orderID != 0 {
		out.OrderID = &orderID
	}
	return s.st.InboxFinish(ctx, id, out)
}

// readBundle reads a transaction Bundle: one MedicationRequest, and the
// Patients and Observations it may refer to by fullUrl.
func readBundle(raw []byte, mr *fhir.MedicationRequest, fctx *interop.FHIRContext) error {
	var b fhir.Bundle
	if err := fhir.Decode(raw, "Bundle", &b); err != nil {
		return err
	}
	if b.Type != "transaction" {
		return fmt.Errorf("Bundle.type %q: POST a Bundle of type transaction", b.Type)
	}
	n := 0
	for i, e := range b.Entry {
		rt, err := fhir.ResourceType(e.Resource)
		if err != nil {
			return fmt.Errorf("Bundle.entry[%d]: %w", i, err)
		}
		switch rt {
		case "MedicationRequest":
			n++
			if err := fhir.Decode(e.Resource, rt, mr); err != nil {
				return fmt.Errorf("Bundle.entry[%d]: %w", i, err)
			}
		case "Patient":
			var p fhir.Patient
			if err := fhir.Decode(e.Resource, rt, &p); err != nil {
				return fmt.Errorf("Bundle.entry[%d]: %w", i, err)
			}
			fctx.Patients[e.FullURL] = p
			if p.ID != "" {
				fctx.Patients["Patient/"+p.ID] = p
			}
		case "Observation":
			var o fhir.Observation
			if err := fhir.Decode(e.Resource, rt, &o); err != nil {
				return fmt.Errorf("Bundle.entry[%d]: %w", i, err)
			}
			fctx.Observations = append(fctx.Observations, o)
		}
	}
	if n != 1 {
		return fmt.Errorf("the transaction carries %d MedicationRequests; send exactly one per Bundle", n)
	}
	return nil
}

// outcomeResponse is an OperationOutcome answer.
func outcomeResponse(status int, code, msg, expr string) FHIRResponse {
	iss := fhir.OperationOutcomeIssue{Severity: "error", Code: code, Diagnostics: msg}
	if expr != "" {
		iss.Expression = []string{expr}
	}
	return FHIRResponse{Status: status, Resource: fhir.OperationOutcome{ResourceType: "OperationOutcome", Issue: []fhir.OperationOutcomeIssue{iss}}}
}

// OperationOutcome is the FHIR form of an error.
func OperationOutcome(code, msg, expr string) fhir.OperationOutcome {
	return outcomeResponse(0, code, msg, expr).Resource.(fhir.OperationOutcome)
}

// MedicationRequest is a Laminar order as a FHIR MedicationRequest.
func (s *Service) MedicationRequest(ctx context.Context, orderID int64) (fhir.MedicationRequest, error) {
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		return fhir.MedicationRequest{}, err
	}
	mr := fhir.MedicationRequest{ResourceType: "MedicationRequest", ID: strconv.FormatInt(orderID, 10), Intent: "order",
		Status: "active", Priority: fhirPriority(o.Priority),
		MedicationCodeableConcept: &fhir.CodeableConcept{Text: o.Drug},
		Subject:                   fhir.Reference{Identifier: &fhir.Identifier{Value: o.Patient.MRN}, Display: o.Patient.Name},
		AuthoredOn:                o.CreatedAt.UTC().Format(time.RFC3339),
	}
	if o.Status == "cancelled" {
		mr.Status = "cancelled"
	}
	if ext, err := s.st.ExternalOrderOf(ctx, orderID); err == nil {
		id := fhir.Identifier{Value: ext.Placer}
		if sys, v, ok := strings.Cut(ext.Placer, "|"); ok {
			id = fhir.Identifier{System: sys, Value: v}
		}
		mr.Identifier = []fhir.Identifier{id}
		switch ext.State {
		case "held":
			mr.Status = "on-hold"
		case "stopped":
			mr.Status = "stopped"
		}
	} else if !isNotFound(err) {
		return mr, err
	}
	d := fhir.Dosage{
		Route:       &fhir.CodeableConcept{Text: o.Route},
		Timing:      &fhir.Timing{Repeat: &fhir.TimingRepeat{BoundsPeriod: &fhir.Period{Start: o.DueAt.UTC().Format(time.RFC3339)}}},
		DoseAndRate: []fhir.DoseAndRate{{DoseQuantity: fhirQuantity(o.Dose)}},
	}
	mr.DosageInstruction = []fhir.Dosage{d}
	return mr, nil
}

func fhirQuantity(q calc.Quantity) *fhir.Quantity {
	u := interop.UCUM(q.Unit.String())
	return &fhir.Quantity{Value: json.Number(calc.Quantity{Value: q.Value}.String()), Unit: q.Unit.String(), System: fhir.SystemUCUM, Code: u}
}

func fhirPriority(p workflow.Priority) string {
	switch p {
	case workflow.PriorityStat:
		return "stat"
	case "first_dose":
		return "asap"
	}
	return "routine"
}

// Dispenses lists what was released for a patient as a searchset Bundle
// of MedicationDispense.
func (s *Service) Dispenses(ctx context.Context, mrn string) (fhir.Bundle, error) {
	rows, err := s.st.DispensedOfPatient(ctx, mrn)
	if err != nil {
		return fhir.Bundle{}, err
	}
	b := fhir.Bundle{ResourceType: "Bundle", Type: "searchset", Entry: []fhir.BundleEntry{}}
	for _, r := range rows {
		md := dispenseOf(r, "dispense", "").MedicationDispense()
		raw, err := json.Marshal(md)
		if err != nil {
			return b, err
		}
		b.Entry = append(b.Entry, fhir.BundleEntry{FullURL: "MedicationDispense/" + md.ID, Resource: raw})
	}
	n := len(b.Entry)
	b.Total = &n
	return b, nil
}

// dispenseOf builds the dispense report of a released preparation.
func dispenseOf(r store.DispensedRow, kind, reason string) interop.Dispense {
	d := interop.Dispense{Kind: kind, PreparationID: r.PreparationID, OrderID: r.OrderID, Placer: r.Placer,
		Patient: interop.Patient{MRN: r.MRN, Name: r.Name, BirthDate: r.BirthDate.Format("2006-01-02"), Location: r.Location},
		Drug:    r.Drug, Dose: calc.Quantity{Value: r.DoseValue}.String() + " " + r.DoseUnit, Route: r.Route, Reason: reason}
	if r.FinalVolumeValue != nil && r.FinalVolumeUnit != nil {
		d.Volume = calc.Quantity{Value: *r.FinalVolumeValue}.String() + " " + *r.FinalVolumeUnit
	}
	if r.ReleasedAt != nil {
		d.At = *r.ReleasedAt
	}
	return d
}
