package workflow

import (
	"slices"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
)

// Event is something that happened to an order or a preparation, as the
// compounding log records it. The domain says what happened; the service
// appends it to the log in the transaction that made it happen.
type Event struct {
	Type string
	// Actor is the user who acted (0 for none).
	Actor int64
	// PreparationID is the preparation concerned (0 for none).
	PreparationID int64
	Payload       map[string]any
}

// The event types of the compounding log written by the workflow.
const (
	EvRecipeCreated     = "recipe.created"
	EvOrderCreated      = "order.created"
	EvOrderCancelled    = "order.cancelled"
	EvPrepQueued        = "preparation.queued"
	EvPrepClaimed       = "preparation.claimed"
	EvPrepClaimReleased = "preparation.claim_released"
	EvScanAccepted      = "preparation.scan_accepted"
	EvScanRefused       = "preparation.scan_refused"
	EvWeight            = "preparation.weight_recorded"
	EvStepDone          = "preparation.step_done"
	EvPhoto             = "preparation.photo_added"
	EvCompleted         = "preparation.completed"
	EvLabelPrinted      = "preparation.label_printed"
	EvLabelReprinted    = "preparation.label_reprinted"
	EvVerified          = "preparation.verified"
	EvFirstCheck        = "preparation.first_check"
	EvRejected          = "preparation.rejected"
	EvWaste             = "preparation.waste_recorded"
	EvRemakeQueued      = "preparation.remake_queued"
	EvReleased          = "preparation.released"
	EvCancelled         = "preparation.cancelled"
	EvOverridden        = "preparation.pharmacist_override"
)

// InitialStatus is the status a new preparation starts in: held for a
// pharmacist when its worksheet found the dose outside its limits.
func InitialStatus(ws *Worksheet) Status {
	if len(ws.Holds) > 0 {
		return StatusNeedsOverride
	}
	return StatusQueued
}

// Override releases a held preparation to the queue on a pharmacist's
// decision; the reason is required and goes into the log with the limits
// overridden. The caller has re-authenticated the pharmacist.
func (p *Preparation) Override(actor Actor, reason string, now time.Time) ([]Event, error) {
	if err := p.Status.Allows(ActOverride); err != nil {
		return nil, err
	}
	if reason == "" {
		e := apperr.WithCode(apperr.Invalid, "reason_required", "a reason is required to override the dose limits")
		e.Field = "reason"
		return nil, e
	}
	holds := make([]map[string]any, 0, len(p.Worksheet.Holds))
	for _, h := range p.Worksheet.Holds {
		holds = append(holds, map[string]any{"code": h.Code, "message": h.Message, "limit": h.Limit, "value": h.Value})
	}
	p.Status = p.Status.Next(ActOverride)
	return []Event{p.event(EvOverridden, actor.UserID, map[string]any{
		"reason": reason, "holds": holds, "at": now.UTC(), "reauthenticated": true})}, nil
}

// NewEvent is an event of the compounding log.
func NewEvent(typ string, actor, prepID int64, payload map[string]any) Event {
	if payload == nil {
		payload = map[string]any{}
	}
	return Event{Type: typ, Actor: actor, PreparationID: prepID, Payload: payload}
}

func (p *Preparation) event(typ string, actor int64, payload map[string]any) Event {
	return NewEvent(typ, actor, p.ID, payload)
}

// CheckWorking reports whether actor may take action a on the preparation
// now: the status must allow it and, for a technician's step (holderOnly),
// the actor must hold the claim (403 not_claimant).
func (p *Preparation) CheckWorking(a Action, actor Actor, holderOnly bool) error {
	if err := p.Status.Allows(a); err != nil {
		return err
	}
	if holderOnly && (p.ClaimedBy == nil || *p.ClaimedBy != actor.UserID) {
		return apperr.WithCode(apperr.Forbidden, "not_claimant",
			"preparation %d is claimed by someone else; only the technician holding the claim may work it", p.ID)
	}
	return nil
}

// Claim gives a queued preparation to the actor. Claiming again what the
// actor already holds changes nothing and returns no event; a preparation
// in progress under someone else is 409 claimed_elsewhere.
func (p *Preparation) Claim(actor Actor, now time.Time) ([]Event, error) {
	if p.Status == StatusInProgress && p.ClaimedBy != nil {
		if *p.ClaimedBy == actor.UserID {
			return nil, nil
		}
		return nil, apperr.WithCode(apperr.Conflict, "claimed_elsewhere",
			"preparation %d is already claimed by another technician", p.ID)
	}
	if err := p.Status.Allows(ActClaim); err != nil {
		return nil, err
	}
	t := now.UTC()
	p.Status, p.ClaimedBy, p.ClaimedAt = p.Status.Next(ActClaim), &actor.UserID, &t
	if p.StartedAt == nil {
		p.StartedAt = &t
	}
	return []Event{p.event(EvPrepClaimed, actor.UserID, nil)}, nil
}

// ReleaseClaim puts the preparation back in the queue; its recorded steps
// stay. Only the holder or an admin may.
func (p *Preparation) ReleaseClaim(actor Actor) ([]Event, error) {
	if err := p.CheckWorking(ActReleaseClaim, actor, !actor.Admin); err != nil {
		return nil, err
	}
	holder := *p.ClaimedBy
	p.Status, p.ClaimedBy, p.ClaimedAt = p.Status.Next(ActReleaseClaim), nil, nil
	return []Event{p.event(EvPrepClaimReleased, actor.UserID, map[string]any{"holder": holder})}, nil
}

// Complete closes compounding with the BUD computed from the real start
// and the components used (nComponents of them). The caller has checked
// CheckWorking(ActComplete) and that no step is left.
func (p *Preparation) Complete(actor Actor, result bud.Result, nComponents int, now time.Time) []Event {
	t := now.UTC()
	p.Status, p.PreparedBy, p.CompletedAt = p.Status.Next(ActComplete), &actor.UserID, &t
	p.ClaimedBy, p.ClaimedAt = nil, nil
	p.BUD = &result
	p.Worksheet.BUD, p.Worksheet.BUDProvisional = &result, false
	return []Event{p.event(EvCompleted, actor.UserID, map[string]any{
		"bud": result.BUD.UTC(), "limited_by": result.LimitedBy, "rules_version": result.RulesVersion,
		"components": nComponents})}
}

// Start is when compounding started (now when it has not).
func (p *Preparation) Start(now time.Time) time.Time {
	if p.StartedAt != nil {
		return *p.StartedAt
	}
	return now
}

// Cancel cancels the preparation because its order was cancelled. A
// preparation already closed (released, rejected, cancelled) is left as
// it is and returns no event.
func (p *Preparation) Cancel(actor int64, reason string) []Event {
	if !p.Status.Open() || p.Status.Allows(ActCancel) != nil {
		return nil
	}
	from := p.Status
	p.Status, p.ClaimedBy, p.ClaimedAt = p.Status.Next(ActCancel), nil, nil
	return []Event{p.event(EvCancelled, actor, map[string]any{"order_id": p.OrderID, "from": from, "reason": reason})}
}

// CompletionLabel is the format recorded for the label issued with
// completion: issued, not yet printed by anyone.
const CompletionLabel = ""

// IssueLabel issues the next label of a completed preparation: every
// label gets the next sequence number and supersedes the earlier ones;
// every label after the first is a reprint. Completing a preparation
// issues label 1 (format CompletionLabel); a person issues the next one
// (POST …/labels), never a page or a printer showing the current one.
func (p *Preparation) IssueLabel(actor Actor, format string) (data string, events []Event, err error) {
	if err := p.Status.Allows(ActLabel); err != nil {
		return "", nil, err
	}
	p.LabelSeq++
	data = LabelData(p.ID, p.LabelSeq)
	typ := EvLabelPrinted
	if p.LabelSeq > 1 {
		typ = EvLabelReprinted
	}
	return data, []Event{p.event(typ, actor.UserID, map[string]any{"seq": p.LabelSeq, "label_data": data, "format": format})}, nil
}

// CurrentLabel is the sequence number of the label that releases the
// preparation now: 409 not_completed before completion, 409 no_label when
// none has been issued.
func (p *Preparation) CurrentLabel() (int, error) {
	if err := p.Status.Allows(ActLabel); err != nil {
		return 0, err
	}
	if p.LabelSeq == 0 {
		return 0, apperr.WithCode(apperr.Conflict, "no_label",
			"no label has been issued for preparation %d yet: print a new one (POST /api/v1/preparations/%d/labels)", p.ID, p.ID)
	}
	return p.LabelSeq, nil
}

// Decision is a pharmacist's verdict on a completed preparation.
type Decision string

// The decisions of a verification.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Hands is who had a hand in a preparation, as the service finds it in
// what was recorded.
type Hands struct {
	// Made maps everyone who performed a step of the preparation (claimed
	// it, scanned, weighed, tared, marked a step, took a photo, completed
	// it, printed its label, made it during downtime) to the first thing
	// they did, in words ("scanned a component").
	Made map[int64]string
	// Approved lists the pharmacists who have approved it so far: the
	// first check of a preparation waiting for its second.
	Approved []int64
}

// DoubleCheck reports whether the site requires an independent double
// check of this preparation: two different pharmacists approve it.
func (p *Preparation) DoubleCheck() bool {
	return p.Worksheet.HighAlert != nil && p.Worksheet.HighAlert.DoubleCheck
}

// Independent reports nil when actor may verify the preparation: nobody
// who had a hand in making it may (403 self_verification), and the second
// check of a double-checked preparation is never made by the pharmacist
// who made the first (403 double_check_not_independent).
func (p *Preparation) Independent(actor Actor, hands Hands) error {
	what, made := hands.Made[actor.UserID]
	if !made && p.PreparedBy != nil && *p.PreparedBy == actor.UserID {
		what, made = "completed it", true
	}
	if made {
		return apperr.WithCode(apperr.Forbidden, "self_verification",
			"you %s: someone who had no hand in making preparation %d must verify it", what, p.ID)
	}
	if p.Status == StatusSecondCheck && slices.Contains(hands.Approved, actor.UserID) {
		return apperr.WithCode(apperr.Forbidden, "double_check_not_independent",
			"you made the first check of preparation %d: a second, different pharmacist must make the independent double check", p.ID)
	}
	return nil
}

// Verify records a pharmacist's decision, through the state table: a
// rejection is reject; an approval is first_check when the site requires
// an independent double check and none has been made yet, else approve.
// Nobody who had a hand in the preparation may verify it, and the second
// check is never made by the first checker (see Independent). A
// rejection's waste and remake are recorded by the caller.
func (p *Preparation) Verify(actor Actor, d Decision, reason string, now time.Time, hands Hands) ([]Event, error) {
	if err := p.Status.Allows(ActVerify); err != nil {
		return nil, err
	}
	if err := p.Independent(actor, hands); err != nil {
		return nil, err
	}
	a, typ := ActApprove, EvVerified
	switch {
	case d == Reject:
		a, typ = ActReject, EvRejected
	case p.DoubleCheck() && p.Status == StatusCompleted:
		a, typ = ActFirstCheck, EvFirstCheck
	}
	payload := map[string]any{"reason": reason}
	if p.Status == StatusSecondCheck && len(hands.Approved) > 0 {
		payload["first_check_by"] = hands.Approved[0]
	}
	if a == ActFirstCheck {
		payload["second_check_required"] = true
	} else {
		t := now.UTC()
		p.VerifiedBy, p.VerifiedAt = &actor.UserID, &t
	}
	p.Status = p.Status.Next(a)
	return []Event{p.event(typ, actor.UserID, payload)}, nil
}

// Release sends a verified preparation to the floor when labelData is its
// current label: another preparation's label is wrong_label, an older or
// superseded print of its own is stale_label.
func (p *Preparation) Release(actor Actor, labelData string, now time.Time) ([]Event, error) {
	if err := p.Status.Allows(ActRelease); err != nil {
		return nil, err
	}
	pid, seq, err := ParseLabelData(labelData)
	if err != nil {
		return nil, err
	}
	switch {
	case pid != p.ID:
		return nil, apperr.WithCode(apperr.Refused, "wrong_label",
			"this label belongs to preparation %d, not %d: check the bag", pid, p.ID)
	case p.LabelSeq == 0:
		return nil, apperr.WithCode(apperr.Refused, "stale_label", "no label has been printed for preparation %d", p.ID)
	case seq != p.LabelSeq:
		return nil, apperr.WithCode(apperr.Refused, "stale_label",
			"this is label %d of preparation %d, but label %d superseded it: relabel the bag with the current label", seq, p.ID, p.LabelSeq)
	}
	t := now.UTC()
	p.Status, p.ReleasedBy, p.ReleasedAt = p.Status.Next(ActRelease), &actor.UserID, &t
	return []Event{p.event(EvReleased, actor.UserID, map[string]any{"label_data": labelData})}, nil
}

// MarkStep checks that stepID is a step done by hand (or a photo step) and
// returns the event of marking it done.
func (p *Preparation) MarkStep(actor Actor, stepID string) (Event, error) {
	st, ok := p.Worksheet.Step(stepID)
	if !ok {
		return Event{}, apperr.New(apperr.NotFound, "preparation %d has no step %q", p.ID, stepID)
	}
	if st.Kind == StepPhoto && st.EvidenceFor != "" {
		e := apperr.WithCode(apperr.Refused, "photo_required",
			"step %s is the photo of the syringe that proves the dose: it is done by taking the photo, not by hand", st.ID)
		e.Field = "step_id"
		return Event{}, e
	}
	if !st.Kind.IsManual() && st.Kind != StepPhoto {
		return Event{}, apperr.WithCode(apperr.Invalid, "not_manual",
			"step %s is a %s step: it is done by %s, not by hand", st.ID, st.Kind, doneBy(st.Kind))
	}
	return p.event(EvStepDone, actor.UserID, map[string]any{"step_id": stepID, "kind": st.Kind}), nil
}

func doneBy(k StepKind) string {
	if k == StepWeigh {
		return "recording a weight"
	}
	return "scanning"
}

// WasteItems lists what a rejected preparation used: every accepted scan,
// then the compounded preparation itself.
func (p *Preparation) WasteItems(prog Progress) []map[string]any {
	items := []map[string]any{}
	for _, sc := range prog.Scans {
		if !sc.Accepted {
			continue
		}
		items = append(items, map[string]any{"step_id": sc.StepID, "product_id": sc.ProductID, "gtin": sc.GTIN,
			"lot": sc.Lot, "serial": sc.Serial})
	}
	items = append(items, map[string]any{"what": "compounded preparation", "drug": p.Worksheet.Drug,
		"dose": p.Worksheet.Quantities["delivered_dose"].Value, "volume": p.Worksheet.Quantities["volume"].Value})
	return items
}
