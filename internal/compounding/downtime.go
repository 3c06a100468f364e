package compounding

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// DowntimeInput is a pharmacist's transcription of a preparation made on
// paper while Laminar was down.
type DowntimeInput struct {
	PreparationID int64          `json:"-"`
	Actor         workflow.Actor `json:"-"`
	Now           time.Time      `json:"-"`
	// MadeBy is the username of who compounded it.
	MadeBy      string              `json:"made_by"`
	CheckedBy   string              `json:"checked_by"`
	StartedAt   string              `json:"started_at"`
	CompletedAt string              `json:"completed_at"`
	Components  []DowntimeComponent `json:"components"`
	Weights     []DowntimeWeight    `json:"weights"`
	Note        string              `json:"note"`
}

// DowntimeComponent is one line of components on the paper worksheet.
type DowntimeComponent struct {
	StepID    string `json:"step_id"`
	ProductID int64  `json:"product_id"`
	Lot       string `json:"lot"`
	// Expiry is as printed: a date, a month ("2027-03": its end) or a time.
	Expiry string `json:"expiry"`
	Count  int    `json:"count"`
}

// DowntimeWeight is one weight written on the paper worksheet.
type DowntimeWeight struct {
	StepID   string `json:"step_id"`
	Measured string `json:"measured"`
}

// RecordDowntime completes a queued or in-progress preparation from its
// paper worksheet: the components and weights are checked like scans and
// weights (allowed products, expiry, tolerance), the BUD is computed from
// the times and lots written, and the preparation goes to verification
// marked as made during downtime (an event of its own in the log). Who
// made it is its preparer; a competency they lacked at the time is kept
// with the record, for the safety officer.
func (s *Service) RecordDowntime(ctx context.Context, in DowntimeInput, key *Key) (Done[State], error) {
	makerID, err := s.st.UserIDByName(ctx, strings.TrimSpace(in.MadeBy))
	if err != nil {
		return Done[State]{}, apperr.InvalidField("made_by", "%q is not a user", in.MadeBy)
	}
	maker, err := s.st.UserByID(ctx, makerID)
	if err != nil || !maker.Active || !slices.ContainsFunc(maker.Roles, func(r string) bool { return r == "technician" || r == "pharmacist" }) {
		return Done[State]{}, apperr.InvalidField("made_by", "%q is not an active technician or pharmacist", in.MadeBy)
	}
	rec := &workflow.DowntimeRecord{MadeBy: maker.ID, MadeByName: maker.Username, CheckedBy: strings.TrimSpace(in.CheckedBy),
		Note: strings.TrimSpace(in.Note), RecordedBy: in.Actor.UserID, RecordedAt: in.Now.UTC()}
	if rec.StartedAt, err = time.Parse(time.RFC3339, strings.TrimSpace(in.StartedAt)); err != nil {
		return Done[State]{}, apperr.InvalidField("started_at", "%q is not an RFC 3339 time", in.StartedAt)
	}
	if rec.CompletedAt, err = time.Parse(time.RFC3339, strings.TrimSpace(in.CompletedAt)); err != nil {
		return Done[State]{}, apperr.InvalidField("completed_at", "%q is not an RFC 3339 time", in.CompletedAt)
	}
	if len(in.Components) == 0 {
		return Done[State]{}, apperr.InvalidField("components", "list the components written on the worksheet")
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[State], error) {
		p, err := tx.LockPreparation(ctx, in.PreparationID)
		if err != nil {
			return outcome[State]{}, err
		}
		if err := p.Status.Allows(workflow.ActRecordDowntime); err != nil {
			return outcome[State]{}, err
		}
		ws := &p.Worksheet
		if err := s.transcribe(ws, in, rec); err != nil {
			return outcome[State]{}, err
		}
		if err := ws.CheckDowntime(rec, p.CreatedAt, in.Now); err != nil {
			return outcome[State]{}, err
		}
		if lapse := s.qualified.CheckClaim(ctx, maker.ID, string(ws.Category), ws.Hazardous, rec.StartedAt); lapse != nil {
			rec.Note = strings.TrimSpace(rec.Note + "\nCompetency when made: " + lapse.Error())
		}
		rv, err := tx.BUDRuleVersionAt(ctx, rec.StartedAt)
		if err != nil {
			return outcome[State]{}, err
		}
		result, err := workflow.ComputeBUD(rv.Rules, ws, rec.StartedAt, s.downtimeComponents(ws, rec), s.loc)
		if err != nil {
			return outcome[State]{}, err
		}
		events, err := p.RecordDowntime(in.Actor, rec, result)
		if err != nil {
			return outcome[State]{}, err
		}
		if err := tx.InsertDowntimeRecord(ctx, p.ID, rec); err != nil {
			return outcome[State]{}, err
		}
		return completed(ctx, tx, p, events, in.Actor, in.Now)
	})
}

// transcribe turns the paper lines into the record: expiries read in the
// site's zone, products named, weights judged against their steps.
func (s *Service) transcribe(ws *workflow.Worksheet, in DowntimeInput, rec *workflow.DowntimeRecord) error {
	names := productNames(ws)
	for i, c := range in.Components {
		exp, err := bud.ParseExpiry(strings.TrimSpace(c.Expiry), s.loc)
		if err != nil {
			return apperr.InvalidField(fmt.Sprintf("components[%d].expiry", i), "%q is not an expiry (YYYY-MM-DD, YYYY-MM or RFC 3339)", c.Expiry)
		}
		if c.Count < 0 || c.Count > 50 {
			return apperr.InvalidField(fmt.Sprintf("components[%d].count", i), "must be 1 to 50")
		}
		rec.Components = append(rec.Components, workflow.DowntimeComponent{StepID: c.StepID, ProductID: c.ProductID,
			Product: names[c.ProductID].Label(), Lot: strings.TrimSpace(c.Lot), ExpiresAt: exp, Count: max(c.Count, 1)})
	}
	for i, w := range in.Weights {
		chk, err := workflow.CheckWeight(ws, w.StepID, w.Measured)
		if err != nil {
			var e *apperr.Error
			if errors.As(err, &e) && (e.Field == "step_id" || e.Field == "measured") {
				e.Field = fmt.Sprintf("weights[%d].%s", i, e.Field)
			}
			return err
		}
		rec.Weights = append(rec.Weights, workflow.DowntimeWeight{StepID: w.StepID, Measured: chk.Measured.String(),
			Expected: calc.Display(chk.Result.Expected), Deviation: plainDec(chk.Result.Deviation) + "%", Pass: chk.Result.Pass})
	}
	return nil
}

// productNames maps every product a worksheet may use to the product.
func productNames(ws *workflow.Worksheet) map[int64]workflow.Product {
	names := map[int64]workflow.Product{ws.Product.ID: ws.Product}
	for _, list := range [][]workflow.Product{ws.AllowedProducts, ws.AllowedDiluents} {
		for _, p := range list {
			names[p.ID] = p
		}
	}
	if ws.Diluent != nil {
		names[ws.Diluent.ID] = *ws.Diluent
	}
	return names
}

// downtimeComponents are the record's lots as BUD components.
func (s *Service) downtimeComponents(ws *workflow.Worksheet, rec *workflow.DowntimeRecord) []bud.Component {
	names := productNames(ws)
	out := make([]bud.Component, 0, len(rec.Components))
	for _, c := range rec.Components {
		out = append(out, budComponent(names[c.ProductID], c.Lot, c.ExpiresAt))
	}
	return out
}
