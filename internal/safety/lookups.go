package safety

import (
	"context"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/logwords"
	"github.com/laminar-rx/laminar/internal/store"
)

// LotUses answers a recall: every preparation the lot went into, narrowed
// to one product when productID is not 0.
func (s *Service) LotUses(ctx context.Context, lot string, productID int64) ([]store.LotUse, error) {
	lot = strings.TrimSpace(lot)
	if lot == "" {
		return nil, apperr.InvalidField("lot", "give the lot number as printed on the container")
	}
	if len(lot) > 40 {
		return nil, apperr.InvalidField("lot", "a lot number has at most 40 characters (GS1 AI 10 allows 20)")
	}
	uses, err := s.st.LotUses(ctx, lot)
	if err != nil || productID == 0 {
		return uses, err
	}
	out := []store.LotUse{}
	for _, u := range uses {
		if u.ProductID != nil && *u.ProductID == productID {
			out = append(out, u)
		}
	}
	return out, nil
}

// Overrides lists every pharmacist override of the period.
func (s *Service) Overrides(ctx context.Context, p Period) ([]store.OverrideRow, error) {
	return s.st.OverridesBetween(ctx, p.From, p.To)
}

// Event is one event of the log in plain words, with the raw form beside.
type Event struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	Type          string    `json:"type"`
	Name          string    `json:"name"`
	What          string    `json:"what"`
	Outcome       string    `json:"outcome"`
	Caught        string    `json:"caught,omitempty"`
	Actor         string    `json:"actor"`
	PreparationID *int64    `json:"preparation_id"`
	Drug          string    `json:"drug,omitempty"`
	Dose          string    `json:"dose,omitempty"`
	PatientName   string    `json:"patient_name,omitempty"`
	PatientMRN    string    `json:"patient_mrn,omitempty"`
}

// Readable describes a listed event in plain words.
func Readable(e audit.Entry) Event {
	d := logwords.Describe(e.Type, e.Payload)
	return Event{ID: e.ID, At: e.At, Type: e.Type, Name: d.Name, What: d.What, Outcome: d.Outcome, Caught: d.Caught,
		Actor: e.Actor, PreparationID: e.PreparationID, Drug: e.Drug, Dose: e.Dose, PatientName: e.PatientName, PatientMRN: e.PatientMRN}
}

// maxActivity caps the events of one person's shift: a shift is hours,
// not months.
const maxActivity = 5000

// Activity lists everything one person did in the period, oldest first.
func (s *Service) Activity(ctx context.Context, username string, p Period) ([]Event, error) {
	username = strings.TrimSpace(username)
	if username == "" {
		return nil, apperr.InvalidField("user", "give the person's username")
	}
	if _, err := s.st.UserIDByName(ctx, username); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return nil, apperr.InvalidField("user", "no one has the username %q", username)
		}
		return nil, err
	}
	if p.To.Sub(p.From) > 31*24*time.Hour {
		return nil, apperr.InvalidField("to", "a shift look-up covers at most 31 days; use the log's filters or its export for more")
	}
	entries, err := audit.List(ctx, s.st.DB, audit.Filter{ActorName: username, From: p.From, To: p.To, Limit: maxActivity})
	if err != nil {
		return nil, err
	}
	out := make([]Event, len(entries))
	for i, e := range entries {
		out[i] = Readable(e)
	}
	return out, nil
}
