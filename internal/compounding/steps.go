package compounding

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// State is the short answer to a change of a preparation's state.
type State struct {
	ID        int64           `json:"id"`
	Status    workflow.Status `json:"status"`
	Version   int             `json:"version"`
	ClaimedBy *int64          `json:"claimed_by,omitempty"`
	BUD       *bud.Result     `json:"bud,omitempty"`
}

func stateOf(p *workflow.Preparation) State {
	return State{ID: p.ID, Status: p.Status, Version: p.Version, ClaimedBy: p.ClaimedBy, BUD: p.BUD}
}

// change runs a change of one preparation: lock it, let the domain decide
// (do returns the events; none means nothing changed), save it when it
// changed, and answer with its state.
func (s *Service) change(ctx context.Context, id int64, key *Key, do func(p *workflow.Preparation) ([]workflow.Event, error)) (Done[State], error) {
	return s.changePrep(ctx, id, key, false, do)
}

// changeUnheld is change for a preparation that must not be on hold.
func (s *Service) changeUnheld(ctx context.Context, id int64, key *Key, do func(p *workflow.Preparation) ([]workflow.Event, error)) (Done[State], error) {
	return s.changePrep(ctx, id, key, true, do)
}

// changePrep is change, refusing a preparation on hold when unheld is set.
func (s *Service) changePrep(ctx context.Context, id int64, key *Key, unheld bool, do func(p *workflow.Preparation) ([]workflow.Event, error)) (Done[State], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := tx.LockPreparation(ctx, id)
		if err != nil {
			return outcome[State]{}, err
		}
		if unheld {
			if err := refuseHeld(ctx, tx, id); err != nil {
				return outcome[State]{}, err
			}
		}
		events, err := do(p)
		if err != nil {
			return outcome[State]{}, err
		}
		if len(events) > 0 {
			if err := tx.SavePreparation(ctx, p); err != nil {
				return outcome[State]{}, err
			}
		}
		return outcome[State]{value: stateOf(p), events: events}, nil
	})
}

// Claim gives a queued preparation to one technician. A concurrent or
// later claim by anyone else is a 409 claimed_elsewhere; claiming again
// what one already holds is not an error.
func (s *Service) Claim(ctx context.Context, id int64, actor workflow.Actor, now time.Time, key *Key) (Done[State], error) {
	return s.changeUnheld(ctx, id, key, func(p *workflow.Preparation) ([]workflow.Event, error) {
		if p.Status.Allows(workflow.ActClaim) == nil {
			// A new claim: the person must hold the competencies the
			// preparation's category and hazard need (422 competency_lapsed).
			ws := &p.Worksheet
			if err := s.qualified.CheckClaim(ctx, actor.UserID, string(ws.Category), ws.Hazardous, now); err != nil {
				return nil, err
			}
		}
		return p.Claim(actor, now)
	})
}

// ReleaseClaim puts a preparation back in the queue; its recorded steps
// stay. Only the holder or an admin may.
func (s *Service) ReleaseClaim(ctx context.Context, id int64, actor workflow.Actor, key *Key) (Done[State], error) {
	return s.change(ctx, id, key, func(p *workflow.Preparation) ([]workflow.Event, error) {
		return p.ReleaseClaim(actor)
	})
}

// Release sends a verified preparation to the floor when the scanned label
// is its current one (see workflow.Preparation.Release).
func (s *Service) Release(ctx context.Context, id int64, labelData string, actor workflow.Actor, now time.Time, key *Key) (Done[State], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := tx.LockPreparation(ctx, id)
		if err != nil {
			return outcome[State]{}, err
		}
		if err := refuseHeld(ctx, tx, id); err != nil {
			return outcome[State]{}, err
		}
		events, err := p.Release(actor, labelData, now)
		if err != nil {
			return outcome[State]{}, err
		}
		if err := tx.SavePreparation(ctx, p); err != nil {
			return outcome[State]{}, err
		}
		if err := s.closed(ctx, tx, p.ID, "dispense", "", now); err != nil {
			return outcome[State]{}, err
		}
		return outcome[State]{value: stateOf(p), events: events}, nil
	})
}

// working locks a preparation for a technician's step: the status must
// allow action a and the actor must hold the claim.
func working(ctx context.Context, tx *store.Tx, id int64, a workflow.Action, actor workflow.Actor) (*workflow.Preparation, error) {
	p, err := tx.LockPreparation(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, mayWork(ctx, tx, p, a, actor, true)
}

// mayWork refuses a step on a locked preparation whose status does not
// allow action a, whose claim the actor does not hold, or which is on
// hold; maybeHeld false says the caller has read that it has no open hold.
func mayWork(ctx context.Context, tx *store.Tx, p *workflow.Preparation, a workflow.Action, actor workflow.Actor, maybeHeld bool) error {
	if err := p.CheckWorking(a, actor, true); err != nil {
		return err
	}
	if maybeHeld {
		return refuseHeld(ctx, tx, p.ID)
	}
	return nil
}

// WeightInput is one weight check of a weigh step.
type WeightInput struct {
	PreparationID int64
	StepID        string
	Measured      string
	Actor         workflow.Actor
	Now           time.Time
	// Balance is set when the server read Measured from a balance itself.
	Balance *BalanceReading
	// Typed is the reason and witness of a weight typed by hand (one
	// without Balance); its Source is set here.
	Typed workflow.Entry
}

// BalanceReading is where a weight read from a balance came from: kept
// with the weight as its evidence.
type BalanceReading struct {
	BalanceID int64
	// Raw is the balance's own reply line ("S S      10.420 g").
	Raw string
	// Readability is the balance's smallest step ("0.001 g").
	Readability string
}

// WeightResult is the answer to a weight check.
type WeightResult struct {
	ID        int64    `json:"id"`
	StepID    string   `json:"step_id"`
	Pass      bool     `json:"pass"`
	Measured  string   `json:"measured"`
	Expected  string   `json:"expected"`
	Deviation string   `json:"deviation"`
	Tolerance string   `json:"tolerance"`
	Steps     []string `json:"steps"`
	// BalanceID and Raw are set when the weight was read from a balance.
	BalanceID   int64  `json:"balance_id,omitempty"`
	Raw         string `json:"raw,omitempty"`
	Readability string `json:"readability,omitempty"`
	// Entry says whether the weight was read from a balance or typed.
	workflow.Entry
}

// RecordWeight records a weight check; a failed one is recorded (pass
// false) and blocks completion until a later weight of the step passes.
func (s *Service) RecordWeight(ctx context.Context, in WeightInput, key *Key) (Done[WeightResult], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[WeightResult], error) {
		p, err := working(ctx, tx, in.PreparationID, workflow.ActWeigh, in.Actor)
		if err != nil {
			return outcome[WeightResult]{}, err
		}
		// A weight not read from a balance was typed: it needs a reason,
		// and a witness where the site requires one.
		entry := workflow.Entry{Source: workflow.SourceBalance}
		if in.Balance == nil {
			entry = in.Typed
			entry.Source = workflow.SourceTyped
		}
		w, err := workflow.CheckWeight(&p.Worksheet, in.StepID, in.Measured)
		if err != nil {
			return outcome[WeightResult]{}, err
		}
		if err := p.Worksheet.CheckTyped(entry, in.Actor.UserID); err != nil {
			return outcome[WeightResult]{}, err
		}
		row := store.WeightRow{PreparationID: p.ID, StepID: in.StepID, UserID: in.Actor.UserID, Check: w, At: in.Now, Entry: entry}
		if b := in.Balance; b != nil {
			g, err := readabilityGrams(b.Readability)
			if err != nil {
				return outcome[WeightResult]{}, err
			}
			row.Balance = &store.WeightBalance{ID: b.BalanceID, Raw: b.Raw, ReadabilityG: g}
		}
		id, err := tx.InsertWeight(ctx, row)
		if err != nil {
			return outcome[WeightResult]{}, err
		}
		out := WeightResult{ID: id, StepID: in.StepID, Pass: w.Result.Pass, Expected: w.Result.Expected.String(),
			Deviation: plainDec(w.Result.Deviation) + "%", Measured: w.Measured.String(),
			Tolerance: plainDec(w.Tolerance) + "%", Steps: w.Result.Steps, Entry: entry}
		payload := map[string]any{
			"weight_id": id, "step_id": in.StepID, "measured": out.Measured, "expected": out.Expected,
			"deviation": out.Deviation, "tolerance": out.Tolerance, "pass": out.Pass}
		entry.Payload(payload)
		if b := in.Balance; b != nil {
			out.BalanceID, out.Raw, out.Readability = b.BalanceID, b.Raw, b.Readability
			payload["balance_id"], payload["raw"], payload["readability"] = b.BalanceID, b.Raw, b.Readability
		}
		return outcome[WeightResult]{value: out, events: []workflow.Event{workflow.NewEvent(workflow.EvWeight, in.Actor.UserID, p.ID, payload)}}, nil
	})
}

// MarkStep marks a manual step (reconstitute, draw, inject, inspect) done.
func (s *Service) MarkStep(ctx context.Context, id int64, stepID string, actor workflow.Actor, now time.Time, key *Key) (Done[State], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := working(ctx, tx, id, workflow.ActStepDone, actor)
		if err != nil {
			return outcome[State]{}, err
		}
		ev, err := p.MarkStep(actor, stepID)
		if err != nil {
			return outcome[State]{}, err
		}
		for _, scan := range p.Worksheet.ScansBefore(stepID) {
			n, err := tx.AcceptedScans(ctx, p.ID, scan.ID)
			if err != nil {
				return outcome[State]{}, err
			}
			if n < max(scan.Expects.Count, 1) {
				return outcome[State]{}, workflow.ScanFirst(stepID, scan)
			}
		}
		if err := tx.InsertMark(ctx, id, stepID, actor.UserID, now); err != nil {
			return outcome[State]{}, err
		}
		return outcome[State]{value: stateOf(p), events: []workflow.Event{ev}}, nil
	})
}

// PhotoInput is a photo of a step.
type PhotoInput struct {
	PreparationID int64
	StepID        string
	ContentType   string
	Data          []byte
	SHA256        string
	Actor         workflow.Actor
	Now           time.Time
}

// PhotoAdded is the answer to a stored photo.
type PhotoAdded struct {
	ID     int64  `json:"id"`
	SHA256 string `json:"sha256"`
	StepID string `json:"step_id"`
}

// AddPhoto stores a photo of a step in the database.
func (s *Service) AddPhoto(ctx context.Context, in PhotoInput, key *Key) (Done[PhotoAdded], error) {
	return write(ctx, s, key, func(tx *store.Tx) (outcome[PhotoAdded], error) {
		p, err := working(ctx, tx, in.PreparationID, workflow.ActPhoto, in.Actor)
		if err != nil {
			return outcome[PhotoAdded]{}, err
		}
		if _, ok := p.Worksheet.Step(in.StepID); !ok {
			return outcome[PhotoAdded]{}, apperr.InvalidField("step_id", "%q is not a step of this preparation", in.StepID)
		}
		id, err := tx.InsertPhoto(ctx, store.PhotoRow{PreparationID: p.ID, StepID: in.StepID, UserID: in.Actor.UserID,
			ContentType: in.ContentType, Data: in.Data, SHA256: in.SHA256, At: in.Now})
		if err != nil {
			return outcome[PhotoAdded]{}, err
		}
		return outcome[PhotoAdded]{value: PhotoAdded{ID: id, SHA256: in.SHA256, StepID: in.StepID},
			events: []workflow.Event{workflow.NewEvent(workflow.EvPhoto, in.Actor.UserID, p.ID, map[string]any{
				"photo_id": id, "step_id": in.StepID, "sha256": in.SHA256, "bytes": len(in.Data)})}}, nil
	})
}

// readabilityGrams reads a balance's readability ("0.001 g") in grams.
func readabilityGrams(s string) (decimal.Decimal, error) {
	q, err := calc.Parse(s)
	if err == nil {
		var g calc.Quantity
		if g, err = q.In("g"); err == nil {
			return g.Value, nil
		}
	}
	return decimal.Decimal{}, apperr.Wrap(err, "balance readability "+s)
}
