package exchange

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/interop"
	"github.com/laminar-rx/laminar/internal/store"
)

// Channels of the inbox.
const (
	ChannelHL7  = "hl7v2"
	ChannelFHIR = "fhir"
)

// ServeHL7 answers one HL7 message received over MLLP (it is the MLLP
// server's handler). The message is stored before anything else; the
// answer is AR when it cannot be read, AE when it is understood but cannot
// be applied, AA when applied. A message already stored under the same
// sender and control ID gets its stored answer and is not applied again.
// When the message cannot be stored (the database is down) the answer is
// nil: no acknowledgment, so the sender keeps it and sends it again.
func (s *Service) ServeHL7(ctx context.Context, raw []byte, tooLarge bool) []byte {
	now := s.opt.Now()
	if tooLarge {
		return s.rejectHL7(ctx, raw, now, "message_too_large", "the message is larger than the limit of 1 MiB")
	}
	m, err := hl7.Parse(raw)
	if err != nil {
		return s.rejectHL7(ctx, raw, now, "unreadable", err.Error())
	}
	h := hl7.HeaderOf(m)
	msg, created, err := s.st.InboxReceive(ctx, store.InboxMessage{
		Channel: ChannelHL7, Sender: senderOf(h), ControlID: h.ControlID, MessageType: m.MessageType(), Body: raw, ReceivedAt: now,
	})
	if err != nil {
		s.opt.Log.Warn("hl7 message not stored; not acknowledged", "control_id", h.ControlID, "err", err)
		return nil
	}
	if !created && msg.Ack != nil {
		return msg.Ack
	}
	ack, err := s.applyHL7(ctx, msg.ID, m, now)
	if err != nil {
		s.opt.Log.Warn("hl7 message stored but not applied; not acknowledged", "inbox_id", msg.ID, "err", err)
		return nil
	}
	return ack
}

func senderOf(h hl7.Header) string { return h.SendingApp + "^" + h.SendingFacility }

// rejectHL7 stores an unreadable message with its AR and returns the AR.
func (s *Service) rejectHL7(ctx context.Context, raw []byte, now time.Time, code, why string) []byte {
	h := hl7.SniffHeader(raw)
	ctl := ""
	ack := hl7.Ack(h, hl7.AR, ctl, []hl7.AckError{{Code: "102", Message: why}}, now)
	id, err := s.st.InboxReject(ctx, store.InboxMessage{
		Channel: ChannelHL7, Sender: senderOf(h), ControlID: h.ControlID, Body: raw, Ack: ack,
		ErrorCode: code, ErrorMessage: why, ReceivedAt: now,
	})
	if err != nil {
		s.opt.Log.Warn("unreadable hl7 message not stored; not acknowledged", "err", err)
		return nil
	}
	// The acknowledgment's own control ID names the inbox entry.
	ack = hl7.Ack(h, hl7.AR, ackControlID(id), []hl7.AckError{{Code: "102", Message: why}}, now)
	if err := s.st.InboxFinish(ctx, id, store.InboxOutcome{Status: "rejected", AckCode: hl7.AR, Ack: ack, ErrorCode: code, ErrorMessage: why, At: now}); err != nil {
		s.opt.Log.Warn("rejection not updated", "inbox_id", id, "err", err)
	}
	return ack
}

func ackControlID(inboxID int64) string { return fmt.Sprintf("LMNA%d", inboxID) }

// applyHL7 applies a stored, parsed message and records its outcome and
// acknowledgment. An error means nothing was recorded.
func (s *Service) applyHL7(ctx context.Context, id int64, m *hl7.Message, now time.Time) ([]byte, error) {
	h := hl7.HeaderOf(m)
	sender := senderOf(h)
	orderID, err := s.applyInbound(ctx, id, sender, func() (interop.Inbound, *interop.Problem) {
		return interop.FromHL7(m, s.opt.Location, now)
	}, 0, now)
	out := store.InboxOutcome{Status: "applied", AckCode: hl7.AA, At: now}
	var errs []hl7.AckError
	var p *interop.Problem
	switch {
	case errors.As(err, &p):
		out.Status, out.AckCode = "error", hl7.AE
		out.ErrorCode, out.ErrorField, out.ErrorMessage = p.Code, p.At.String(), p.Message
		errs = []hl7.AckError{{Code: p.HL7, Message: p.Message, Location: hl7.ErrorLocation{
			Segment: p.At.Segment, Sequence: p.At.Sequence, Field: p.At.Field, Component: p.At.Component}}}
	case err != nil:
		return nil, err
	}
	if orderID != 0 {
		out.OrderID = &orderID
	}
	out.Ack = hl7.Ack(h, out.AckCode, ackControlID(id), errs, now)
	if err := s.st.InboxFinish(ctx, id, out); err != nil {
		return nil, err
	}
	return out.Ack, nil
}

// applyInbound reads a message with read and applies it.
func (s *Service) applyInbound(ctx context.Context, id int64, sender string, read func() (interop.Inbound, *interop.Problem), actor int64, now time.Time) (int64, error) {
	in, p := read()
	if p != nil {
		return 0, p
	}
	switch {
	case in.Order != nil:
		return s.applyOrder(ctx, id, sender, in.Order, actor, now)
	case in.Patient != nil:
		return 0, s.applyPatient(ctx, id, sender, in.Patient, actor, now)
	}
	return 0, &interop.Problem{Code: "unsupported_message", HL7: "200", Message: "nothing to apply"}
}

// applyPatient records an ADT update. A new weight for a patient with an
// open weight-based order changes that order: the preparation is
// recomputed as a new version and one already in progress is held for a
// pharmacist.
func (s *Service) applyPatient(ctx context.Context, id int64, sender string, u *interop.PatientUpdate, actor int64, now time.Time) error {
	pu := store.PatientUpdate{MRN: u.Patient.MRN, Name: u.Patient.Name, Location: u.Patient.Location, Discharged: u.Discharged, At: now}
	if u.Patient.BirthDate != "" {
		if t, err := time.Parse("2006-01-02", u.Patient.BirthDate); err == nil {
			pu.BirthDate = &t
		}
	}
	var weight *calc.Quantity
	if u.Patient.Weight != "" {
		q, err := calc.Parse(u.Patient.Weight)
		if err != nil {
			return &interop.Problem{Code: "invalid_weight", HL7: "102", At: u.Where["patient.weight"], Message: err.Error()}
		}
		weight = &q
		unit := q.Unit.String()
		pu.WeightValue, pu.WeightUnit = &q.Value, &unit
	}
	if u.Patient.Height != "" {
		q, err := calc.Parse(u.Patient.Height)
		if err != nil {
			return &interop.Problem{Code: "invalid_height", HL7: "102", At: u.Where["patient.height"], Message: err.Error()}
		}
		unit := q.Unit.String()
		pu.HeightValue, pu.HeightUnit = &q.Value, &unit
	}
	if err := s.st.UpsertPatient(ctx, pu); err != nil {
		return err
	}
	if weight == nil {
		return nil
	}
	ids, err := s.st.OpenOrdersOfPatient(ctx, u.Patient.MRN)
	if err != nil {
		return err
	}
	for _, oid := range ids {
		if err := s.reweigh(ctx, id, oid, *weight, actor, now); err != nil {
			return err
		}
	}
	return nil
}

// reweigh changes a weight-based order whose weight differs from w.
func (s *Service) reweigh(ctx context.Context, inboxID, orderID int64, w calc.Quantity, actor int64, now time.Time) error {
	o, err := s.orders.Order(ctx, orderID)
	if err != nil {
		return err
	}
	if !perBody(o.Dose) || o.Patient.Weight == nil {
		return nil
	}
	if c, err := o.Patient.Weight.Cmp(w); err != nil || c == 0 {
		return nil
	}
	// An order already held for a change has been replaced: its new
	// version is the one to look at.
	if held, err := s.st.OrderHeld(ctx, orderID); err != nil || held {
		return err
	}
	old := o.Patient.Weight.String()
	o.Patient.Weight = &w
	step := fmt.Sprintf("reweigh:%d", orderID)
	newID, _, err := s.orders.Create(ctx, o, actor, now, s.key(inboxID, step+":create"))
	if err != nil {
		return s.problemOf(err, nil)
	}
	if ext, err := s.st.ExternalOrderOf(ctx, orderID); err == nil {
		inbox := inboxID
		if err := s.st.LinkExternalOrder(ctx, store.ExternalOrder{Sender: ext.Sender, Placer: ext.Placer, Version: ext.Version + 1,
			OrderID: newID, InboxID: &inbox, CreatedAt: now}); err != nil {
			return err
		}
		if err := s.st.SetExternalOrderState(ctx, orderID, "stopped"); err != nil {
			return err
		}
	} else if !isNotFound(err) {
		return err
	}
	repl, err := s.st.FirstPreparationOf(ctx, newID)
	if err != nil {
		return err
	}
	reason := fmt.Sprintf("WEIGHT CHANGED from %s to %s: the dose of %s is per body size", old, w.String(), o.Dose.String())
	if err := s.orders.Stop(ctx, orderID, StopWeightChanged, reason, repl, actor, now, s.key(inboxID, step+":stop")); err != nil {
		return s.problemOf(err, nil)
	}
	return nil
}

// perBody reports whether a dose is per kg or per m2.
func perBody(q calc.Quantity) bool {
	u := q.Unit.String()
	return strings.Contains(u, "/kg") || strings.Contains(u, "/m2")
}

// Replay applies a stored message again, after a pharmacist fixed what
// made it fail (a code mapping, a recipe). Its new acknowledgment replaces
// the old, so a resend by the sender gets the new one.
func (s *Service) Replay(ctx context.Context, id, by int64) (store.InboxMessage, error) {
	msg, err := s.st.InboxMessageByID(ctx, id)
	if err != nil {
		return msg, err
	}
	if msg.Status == "applied" {
		return msg, &interop.Problem{Code: "already_applied", Message: fmt.Sprintf("message %d was applied already; it is never applied twice", id)}
	}
	now := s.opt.Now()
	if err := s.st.InboxMarkReplayed(ctx, id, by, now); err != nil {
		return msg, err
	}
	if err := s.reapply(ctx, msg, by, now); err != nil {
		return msg, err
	}
	return s.st.InboxMessageByID(ctx, id)
}

// reapply applies a stored message by its channel.
func (s *Service) reapply(ctx context.Context, msg store.InboxMessage, actor int64, now time.Time) error {
	switch msg.Channel {
	case ChannelHL7:
		m, err := hl7.Parse(msg.Body)
		if err != nil {
			return &interop.Problem{Code: "unreadable", Message: "the message still cannot be read: " + err.Error()}
		}
		_, err = s.applyHL7(ctx, msg.ID, m, now)
		return err
	case ChannelFHIR:
		_, err := s.applyFHIRStored(ctx, msg, actor, now)
		return err
	}
	return fmt.Errorf("inbox message %d: unknown channel %q", msg.ID, msg.Channel)
}

// Recover applies every message stored but never finished, as after the
// server stopped between storing a message and acknowledging it. Each is
// applied exactly once: what was done before the stop is replayed from
// its idempotency keys, not done again.
func (s *Service) Recover(ctx context.Context) (int, error) {
	n := 0
	for {
		ids, err := s.st.InboxPending(ctx, 100)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			msg, err := s.st.InboxMessageByID(ctx, id)
			if err != nil {
				return n, err
			}
			if err := s.reapply(ctx, msg, 0, s.opt.Now()); err != nil {
				var p *interop.Problem
				if !errors.As(err, &p) {
					return n, err
				}
				// Still unreadable: mark it rejected so it is not retried forever.
				if err := s.st.InboxFinish(ctx, id, store.InboxOutcome{Status: "rejected", AckCode: hl7.AR, ErrorCode: p.Code, ErrorMessage: p.Message, At: s.opt.Now()}); err != nil {
					return n, err
				}
			}
			n++
		}
	}
}
