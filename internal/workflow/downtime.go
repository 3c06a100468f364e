package workflow

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
)

// EvDowntimeRecorded is the log event of a preparation made on paper
// during downtime and recorded afterwards.
const EvDowntimeRecorded = "preparation.downtime_recorded"

// ActRecordDowntime records a preparation made on paper: it completes a
// queued or in-progress preparation without the guided steps.
const ActRecordDowntime Action = "record_downtime"

// DowntimeComponent is one component written on the paper worksheet.
type DowntimeComponent struct {
	StepID    string    `json:"step_id"`
	ProductID int64     `json:"product_id"`
	Product   string    `json:"product"`
	Lot       string    `json:"lot"`
	ExpiresAt time.Time `json:"expires_at"`
	Count     int       `json:"count"`
}

// DowntimeWeight is one weight written on the paper worksheet, judged
// against the weigh step's expectation.
type DowntimeWeight struct {
	StepID    string `json:"step_id"`
	Measured  string `json:"measured"`
	Expected  string `json:"expected"`
	Deviation string `json:"deviation"`
	Pass      bool   `json:"pass"`
}

// DowntimeRecord is a preparation made during downtime, transcribed from
// its paper worksheet by a pharmacist.
type DowntimeRecord struct {
	MadeBy      int64               `json:"made_by"`
	MadeByName  string              `json:"made_by_name"`
	CheckedBy   string              `json:"checked_by"`
	StartedAt   time.Time           `json:"started_at"`
	CompletedAt time.Time           `json:"completed_at"`
	Components  []DowntimeComponent `json:"components"`
	Weights     []DowntimeWeight    `json:"weights"`
	Note        string              `json:"note"`
	RecordedBy  int64               `json:"recorded_by"`
	RecordedAt  time.Time           `json:"recorded_at"`
}

// CheckDowntime checks a paper record against the worksheet: the times are
// in order and past, every scan step has its containers of an allowed
// product, none expired when compounding started, and every weigh step a
// passing weight. The error names the field.
func (ws *Worksheet) CheckDowntime(r *DowntimeRecord, created, now time.Time) error {
	if r.StartedAt.IsZero() || r.CompletedAt.IsZero() {
		return apperr.InvalidField("started_at", "started_at and completed_at are required (RFC 3339)")
	}
	if r.CompletedAt.Before(r.StartedAt) {
		return apperr.InvalidField("completed_at", "is before started_at")
	}
	if r.CompletedAt.After(now) {
		return apperr.InvalidField("completed_at", "is in the future; record a preparation once it is made")
	}
	if r.StartedAt.Before(created) {
		return apperr.InvalidField("started_at", "is before the preparation was ordered (%s)", created.UTC().Format(time.RFC3339))
	}
	for _, st := range ws.Steps {
		if !strings.HasPrefix(string(st.Kind), "scan") || len(st.Expects.ProductIDs) == 0 {
			continue
		}
		n := 0
		for i, c := range r.Components {
			if c.StepID != st.ID {
				continue
			}
			field := fmt.Sprintf("components[%d]", i)
			if !slices.Contains(st.Expects.ProductIDs, c.ProductID) {
				return refusal("wrong_product", field+".product_id", "product %d is not one step %q allows (%s)", c.ProductID, st.ID, strings.Join(st.Expects.Products, "; "))
			}
			if strings.TrimSpace(c.Lot) == "" {
				return apperr.InvalidField(field+".lot", "the lot written on the worksheet is required")
			}
			if !c.ExpiresAt.After(r.StartedAt) {
				return refusal("expired", field+".expires_at", "lot %s expired %s, before compounding started", c.Lot, c.ExpiresAt.UTC().Format("2006-01-02"))
			}
			n += max(c.Count, 1)
		}
		if want := max(st.Expects.Count, 1); n < want {
			return refusal("missing_component", "components", "step %q (%s) needs %d container(s); the record lists %d", st.ID, st.Instruction, want, n)
		}
	}
	for _, st := range ws.Steps {
		if st.Kind != StepWeigh {
			continue
		}
		i := slices.IndexFunc(r.Weights, func(w DowntimeWeight) bool { return w.StepID == st.ID })
		if i < 0 {
			return refusal("missing_weight", "weights", "step %q (%s) needs the weight written on the worksheet", st.ID, st.Instruction)
		}
		if !r.Weights[i].Pass {
			return refusal("weight_out_of_tolerance", fmt.Sprintf("weights[%d].measured", i),
				"%s is outside the tolerance of %s (%s): a dose with a failed weight is not recorded as made", r.Weights[i].Measured, r.Weights[i].Expected, r.Weights[i].Deviation)
		}
	}
	for i, c := range r.Components {
		if _, ok := ws.Step(c.StepID); !ok {
			return apperr.InvalidField(fmt.Sprintf("components[%d].step_id", i), "%q is not a step of this preparation", short(c.StepID))
		}
	}
	return nil
}

func refusal(code, field, format string, args ...any) error {
	e := apperr.WithCode(apperr.Refused, code, format, args...)
	e.Field = field
	return e
}

// RecordDowntime completes the preparation from its paper record: the
// preparer is who made it, its times are those written, the BUD is
// computed from them; any claim is dropped. The event marks it as made
// during downtime.
func (p *Preparation) RecordDowntime(actor Actor, r *DowntimeRecord, result bud.Result) ([]Event, error) {
	if err := p.Status.Allows(ActRecordDowntime); err != nil {
		return nil, err
	}
	started, done := r.StartedAt.UTC(), r.CompletedAt.UTC()
	p.Status = p.Status.Next(ActRecordDowntime)
	p.PreparedBy, p.StartedAt, p.CompletedAt = &r.MadeBy, &started, &done
	p.ClaimedBy, p.ClaimedAt = nil, nil
	p.BUD = &result
	p.Worksheet.BUD, p.Worksheet.BUDProvisional = &result, false
	return []Event{p.event(EvDowntimeRecorded, actor.UserID, map[string]any{
		"downtime": true, "made_by": r.MadeBy, "checked_by": r.CheckedBy,
		"started_at": started, "completed_at": done, "components": r.Components, "weights": r.Weights,
		"note": r.Note, "bud": result.BUD.UTC(), "limited_by": result.LimitedBy, "rules_version": result.RulesVersion,
	})}, nil
}
