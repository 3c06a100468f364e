package devices

import (
	"context"
	"database/sql"
	"errors"
	"regexp"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Live reads a balance once without waiting for it to settle: the tablet's
// live display. It never records anything.
func (s *Service) Live(ctx context.Context, id int64) (balance.Reading, error) {
	b, err := s.activeBalance(ctx, id)
	if err != nil {
		return balance.Reading{}, err
	}
	rd, err := s.client(b).Immediate(ctx)
	s.heard(b.ID, rd, err)
	return rd, err
}

// StepInput names a weigh step of a preparation, the balance and who acts.
type StepInput struct {
	BalanceID     int64
	PreparationID int64
	StepID        string
	Actor         workflow.Actor
}

// TareResult is the answer to a tare.
type TareResult struct {
	TareID    int64  `json:"tare_id"`
	BalanceID int64  `json:"balance_id"`
	StepID    string `json:"step_id"`
	// Tare is the weight the balance took off ("15.5 g"), when it says.
	Tare string `json:"tare,omitempty"`
	Raw  string `json:"raw,omitempty"`
}

// weighStep checks the preparation is being prepared by the actor and the
// step is one of its weigh steps.
func (s *Service) weighStep(ctx context.Context, in StepInput) error {
	p, err := s.preps.Preparation(ctx, in.PreparationID)
	if err != nil {
		return err
	}
	if p.Status != workflow.StatusInProgress || p.ClaimedBy == nil || *p.ClaimedBy != in.Actor.UserID {
		return apperr.WithCode(apperr.Conflict, "not_claimed", "preparation %d is not being prepared by you: claim it first", p.ID)
	}
	st, ok := p.Worksheet.Step(in.StepID)
	if !ok {
		return apperr.InvalidField("step_id", "%q is not a step of this preparation", in.StepID)
	}
	if st.Kind != workflow.StepWeigh {
		return apperr.InvalidField("step_id", "step %s is a %s step, not a weigh step", st.ID, st.Kind)
	}
	return nil
}

// Tare tares the balance at the start of a weigh step (the empty container
// on the pan) and records it: a reading of the step is taken only after.
func (s *Service) Tare(ctx context.Context, in StepInput) (TareResult, error) {
	b, err := s.activeBalance(ctx, in.BalanceID)
	if err != nil {
		return TareResult{}, err
	}
	if err := s.weighStep(ctx, in); err != nil {
		return TareResult{}, err
	}
	rd, err := s.client(b).Tare(ctx)
	s.heard(b.ID, rd, err)
	if err != nil {
		return TareResult{}, err
	}
	out := TareResult{BalanceID: b.ID, StepID: in.StepID, Raw: rd.Raw}
	if rd.Raw != "" {
		out.Tare = rd.Weight()
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &out.TareID, query("tare-insert"), b.ID, in.PreparationID, in.StepID, in.Actor.UserID, rd.Raw, s.now()); err != nil {
			return nil, err
		}
		return []audit.Event{event(EvTared, in.Actor.UserID, in.PreparationID, map[string]any{
			"tare_id": out.TareID, "balance_id": b.ID, "balance": b.Name, "step_id": in.StepID, "tare": out.Tare, "raw": rd.Raw})}, nil
	})
	return out, err
}

// Reading is a stable weight the server read from a balance for a weigh
// step: what the weight record keeps as its evidence.
type Reading struct {
	BalanceID   int64  `json:"balance_id"`
	Balance     string `json:"balance"`
	Measured    string `json:"measured"`
	Raw         string `json:"raw"`
	Readability string `json:"readability"`
	Simulated   bool   `json:"simulated,omitempty"`
}

// Weigh reads a stable weight for a weigh step from the balance. It
// refuses when the balance was not tared for this step since its last
// weight (422 tare_required) and when the balance does not settle; the
// number never comes from the client.
func (s *Service) Weigh(ctx context.Context, in StepInput) (Reading, error) {
	b, err := s.activeBalance(ctx, in.BalanceID)
	if err != nil {
		return Reading{}, err
	}
	if err := s.weighStep(ctx, in); err != nil {
		return Reading{}, err
	}
	var tare int64
	err = s.db.GetContext(ctx, &tare, query("tare-since-last-weight"), in.PreparationID, in.StepID, b.ID)
	if errors.Is(err, sql.ErrNoRows) {
		e := apperr.WithCode(apperr.Refused, "tare_required",
			"Tare the balance first: put the empty container on %s and press Tare, then weigh.", b.Name)
		e.Field = "balance_id"
		return Reading{}, e
	}
	if err != nil {
		return Reading{}, err
	}
	rd, err := s.client(b).Stable(ctx)
	s.heard(b.ID, rd, err)
	if err != nil {
		return Reading{}, err
	}
	return Reading{BalanceID: b.ID, Balance: b.Name, Measured: rd.Weight(), Raw: rd.Raw, Readability: b.Readability, Simulated: b.Simulated}, nil
}

// Simulate sends one of the simulator's own commands ("W 12.345", "U 3s")
// to a balance registered as simulated: the demo's stand-in for putting
// something on the pan. A real balance is never sent one.
func (s *Service) Simulate(ctx context.Context, id int64, command string) error {
	b, err := s.activeBalance(ctx, id)
	if err != nil {
		return err
	}
	if !b.Simulated {
		return apperr.WithCode(apperr.Forbidden, "not_simulated", "balance %s is a real balance: put the item on its pan", b.Name)
	}
	if len(command) > 40 || !simCommand.MatchString(command) {
		return apperr.InvalidField("command", "%q is not a simulator command such as \"W 12.345\", \"U 3s\", \"U off\", \"O on\"", command)
	}
	return s.client(b).Simulate(ctx, command)
}

var simCommand = regexp.MustCompile(`^(W -?[0-9]{1,6}(\.[0-9]{1,6})?|U ([0-9]{1,3}(ms|s)|on|off)|N [0-9](\.[0-9]{1,6})?|O (on|off))$`)
