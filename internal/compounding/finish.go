package compounding

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Complete closes compounding: every draw must carry the dose evidence its
// worksheet requires (422 dose_evidence_missing naming the step), every
// step must be done (and the last weight of each weigh step passed); the
// BUD is computed from the real start and the lots used, and stored; label
// 1 is issued.
func (s *Service) Complete(ctx context.Context, id int64, actor workflow.Actor, now time.Time, key *Key) (Done[State], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := working(ctx, tx, id, workflow.ActComplete, actor)
		if err != nil {
			return outcome[State]{}, err
		}
		prog, err := tx.Progress(ctx, id)
		if err != nil {
			return outcome[State]{}, err
		}
		// Dose evidence first: its refusal names the missing weight or photo.
		if err := p.Worksheet.MissingDoseEvidence(prog); err != nil {
			return outcome[State]{}, err
		}
		if err := p.Worksheet.Incomplete(prog); err != nil {
			return outcome[State]{}, err
		}
		start := p.Start(now)
		rv, err := tx.BUDRuleVersionAt(ctx, start)
		if err != nil {
			return outcome[State]{}, err
		}
		uses, err := tx.ContainersOf(ctx, p.ID)
		if err != nil {
			return outcome[State]{}, err
		}
		comps := components(p, uses, start)
		result, err := workflow.ComputeBUD(rv.Rules, &p.Worksheet, start, comps, s.loc)
		if err != nil {
			return outcome[State]{}, err
		}
		events := p.Complete(actor, result, len(comps), now)
		return completed(ctx, tx, p, events, actor, now)
	})
}

// components turns the containers a preparation used into BUD components.
func components(p *workflow.Preparation, uses []store.ContainerUse, start time.Time) []bud.Component {
	names := productNames(&p.Worksheet)
	var out []bud.Component
	for _, r := range uses {
		if r.ProductID == nil || r.ExpiresAt == nil {
			// Without an expiry (a linear barcode) the lot cannot limit the BUD.
			continue
		}
		c := budComponent(names[*r.ProductID], r.Lot, *r.ExpiresAt)
		// A container opened before this preparation started is checked
		// against its in-use limit at the start.
		if r.OpenedAt != nil && r.OpenedAt.Before(start) && r.First != nil && *r.First != p.ID {
			o := *r.OpenedAt
			c.OpenedAt = &o
		}
		out = append(out, c)
	}
	return out
}

// budComponent is one lot of a product as a BUD component (a container of
// unknown kind counts as single-dose).
func budComponent(prod workflow.Product, lot string, expires time.Time) bud.Component {
	c := bud.Component{Name: prod.Label() + " lot " + lot, ExpiresAt: expires, Container: prod.Container,
		Hazardous: prod.Hazardous, InUseLimit: prod.InUseLimit}
	if c.Container == "" {
		c.Container = bud.ContainerSingleDose
	}
	return c
}

// LabelView is a preparation's current label with the names printed on it.
type LabelView struct {
	Preparation *workflow.Preparation
	Seq         int
	PreparedBy  string
	VerifiedBy  string
}

// CurrentLabel returns the label that releases a completed preparation
// now. It issues nothing: showing or printing a label again never changes
// which one is current (409 no_label when none was issued).
func (s *Service) CurrentLabel(ctx context.Context, id int64) (LabelView, error) {
	p, err := s.st.Preparation(ctx, id)
	if err != nil {
		return LabelView{}, err
	}
	seq, err := p.CurrentLabel()
	if err != nil {
		return LabelView{}, err
	}
	return LabelView{Preparation: p, Seq: seq, PreparedBy: s.st.UserName(ctx, p.PreparedBy),
		VerifiedBy: s.st.UserName(ctx, p.VerifiedBy)}, nil
}

// LabelIssued is a new label: it supersedes the one before it, whose
// printouts can no longer release the preparation.
type LabelIssued struct {
	PreparationID int64  `json:"preparation_id"`
	LabelSeq      int    `json:"label_seq"`
	LabelData     string `json:"label_data"`
	Supersedes    string `json:"supersedes,omitempty"`
}

// IssueLabel issues the next label of a completed preparation (a label
// lost or damaged is replaced by a new number, never reprinted as the
// same): audited as a reprint, the old label superseded.
func (s *Service) IssueLabel(ctx context.Context, id int64, format string, actor workflow.Actor, now time.Time, key *Key) (Done[LabelIssued], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[LabelIssued], error) {
		p, err := tx.LockPreparation(ctx, id)
		if err != nil {
			return outcome[LabelIssued]{}, err
		}
		old := p.LabelSeq
		events, err := issueLabel(ctx, tx, p, format, actor, now)
		if err != nil {
			return outcome[LabelIssued]{}, err
		}
		if err := tx.SavePreparation(ctx, p); err != nil {
			return outcome[LabelIssued]{}, err
		}
		out := LabelIssued{PreparationID: p.ID, LabelSeq: p.LabelSeq, LabelData: workflow.LabelData(p.ID, p.LabelSeq)}
		if old > 0 {
			out.Supersedes = workflow.LabelData(p.ID, old)
		}
		return outcome[LabelIssued]{value: out, events: events}, nil
	})
}

// issueLabel issues p's next label and records it; the caller saves p.
func issueLabel(ctx context.Context, tx *store.Tx, p *workflow.Preparation, format string, actor workflow.Actor, now time.Time) ([]workflow.Event, error) {
	data, events, err := p.IssueLabel(actor, format)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertLabel(ctx, p.ID, p.LabelSeq, data, format, actor.UserID, now); err != nil {
		return nil, err
	}
	return events, nil
}

// completed finishes the change of a preparation just completed (on the
// tablet or from a downtime record): it issues label 1 when it has none,
// saves it and answers with its state and events.
func completed(ctx context.Context, tx *store.Tx, p *workflow.Preparation, events []workflow.Event, actor workflow.Actor, now time.Time) (outcome[State], error) {
	if p.LabelSeq == 0 {
		label, err := issueLabel(ctx, tx, p, workflow.CompletionLabel, actor, now)
		if err != nil {
			return outcome[State]{}, err
		}
		events = append(events, label...)
	}
	if err := tx.SavePreparation(ctx, p); err != nil {
		return outcome[State]{}, err
	}
	return outcome[State]{value: stateOf(p), events: events}, nil
}

// VerifyInput is a pharmacist's decision.
type VerifyInput struct {
	PreparationID int64
	Actor         workflow.Actor
	Decision      workflow.Decision
	Reason        string
	Now           time.Time
}

// VerifyResult is the outcome of a verification.
type VerifyResult struct {
	PreparationID int64             `json:"preparation_id"`
	Status        workflow.Status   `json:"status"`
	Decision      workflow.Decision `json:"decision"`
	// RemakeID is the new preparation queued after a rejection.
	RemakeID *int64 `json:"remake_id,omitempty"`
}

// Verify records a pharmacist's approval or rejection. Nobody who had a
// hand in making the preparation may verify it (403 self_verification);
// where the site requires an independent double check, the first approval
// leaves it awaiting_second_check for a second, different pharmacist. A
// rejection records the waste (the components used) and queues a remake
// of the same order.
func (s *Service) Verify(ctx context.Context, in VerifyInput, key *Key) (Done[VerifyResult], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[VerifyResult], error) {
		p, err := tx.LockPreparation(ctx, in.PreparationID)
		if err != nil {
			return outcome[VerifyResult]{}, err
		}
		if err := refuseHeld(ctx, tx, p.ID); err != nil {
			return outcome[VerifyResult]{}, err
		}
		hands, err := tx.Hands(ctx, p.ID)
		if err != nil {
			return outcome[VerifyResult]{}, err
		}
		events, err := p.Verify(in.Actor, in.Decision, in.Reason, in.Now, hands)
		if err != nil {
			return outcome[VerifyResult]{}, err
		}
		if err := tx.InsertVerification(ctx, p.ID, in.Actor.UserID, string(in.Decision), in.Reason, in.Now.UTC()); err != nil {
			return outcome[VerifyResult]{}, err
		}
		out := VerifyResult{PreparationID: p.ID, Decision: in.Decision}
		if in.Decision == workflow.Reject {
			remake, evs, err := wasteAndRemake(ctx, tx, p, in)
			if err != nil {
				return outcome[VerifyResult]{}, err
			}
			out.RemakeID = &remake
			events = append(events, evs...)
			if err := s.closed(ctx, tx, p.ID, "waste", in.Reason, in.Now); err != nil {
				return outcome[VerifyResult]{}, err
			}
		}
		if err := tx.SavePreparation(ctx, p); err != nil {
			return outcome[VerifyResult]{}, err
		}
		out.Status = p.Status
		return outcome[VerifyResult]{value: out, events: events}, nil
	})
}

// wasteAndRemake records what a rejected preparation wasted and queues its
// remake.
func wasteAndRemake(ctx context.Context, tx *store.Tx, p *workflow.Preparation, in VerifyInput) (int64, []workflow.Event, error) {
	prog, err := tx.Progress(ctx, p.ID)
	if err != nil {
		return 0, nil, err
	}
	items := p.WasteItems(prog)
	at := *p.VerifiedAt
	if err := tx.InsertWaste(ctx, p.ID, in.Actor.UserID, in.Reason, items, at); err != nil {
		return 0, nil, err
	}
	remake, err := tx.InsertRemake(ctx, p.ID, at)
	if err != nil {
		return 0, nil, err
	}
	return remake, []workflow.Event{
		workflow.NewEvent(workflow.EvWaste, in.Actor.UserID, p.ID, map[string]any{"reason": in.Reason, "items": items}),
		workflow.NewEvent(workflow.EvRemakeQueued, in.Actor.UserID, remake, map[string]any{"remake_of": p.ID, "order_id": p.OrderID}),
	}, nil
}

// plainDec writes a decimal without exponent or trailing zeros.
func plainDec(d decimal.Decimal) string { return calc.Quantity{Value: d}.String() }

// OverrideInput is a pharmacist's override of a held preparation; the
// pharmacist has re-entered the password (the HTTP layer checks it).
type OverrideInput struct {
	PreparationID int64
	Actor         workflow.Actor
	Reason        string
	Now           time.Time
}

// Override releases a preparation held at needs_pharmacist_override to the
// queue, recording who overrode which limits and why.
func (s *Service) Override(ctx context.Context, in OverrideInput, key *Key) (Done[State], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := tx.LockPreparation(ctx, in.PreparationID)
		if err != nil {
			return outcome[State]{}, err
		}
		events, err := p.Override(in.Actor, in.Reason, in.Now)
		if err != nil {
			return outcome[State]{}, err
		}
		if err := tx.InsertOverride(ctx, p.ID, in.Actor.UserID, in.Reason, p.Worksheet.Holds, in.Now.UTC()); err != nil {
			return outcome[State]{}, err
		}
		if err := tx.SavePreparation(ctx, p); err != nil {
			return outcome[State]{}, err
		}
		return outcome[State]{value: stateOf(p), events: events}, nil
	})
}

// Overrides lists a preparation's pharmacist overrides.
func (s *Service) Overrides(ctx context.Context, prepID int64) ([]store.Override, error) {
	return s.st.Overrides(ctx, prepID)
}
