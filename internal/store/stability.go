package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

// AuditStabilityChanged is logged when an admin changes a drug's
// stability entries; it carries the entries before and after.
const AuditStabilityChanged = "formulary.stability_changed"

// stabilityAudit is one entry as the log records it.
type stabilityAudit struct {
	Presentation string  `json:"presentation"`
	Diluent      string  `json:"diluent"`
	Phase        string  `json:"phase"`
	Storage      string  `json:"storage"`
	LimitHours   *string `json:"limit_hours"`
	Note         string  `json:"note"`
	SourceURL    string  `json:"source_url"`
}

func stabilityForAudit(es []formulary.StabilityEntry) []stabilityAudit {
	out := make([]stabilityAudit, len(es))
	for i, e := range es {
		out[i] = stabilityAudit{Presentation: e.Presentation, Diluent: e.Diluent, Phase: string(e.Phase), Storage: string(e.Storage),
			Note: e.Note, SourceURL: e.SourceURL}
		if e.LimitHours != nil {
			h := e.LimitHours.String()
			out[i].LimitHours = &h
		}
	}
	return out
}

// ReplaceStability replaces a drug's stability entries with es, each
// validated (a field of entry i is named "stability[i].field"), and logs
// the entries before and after in the same transaction.
func (s *Store) ReplaceStability(ctx context.Context, drugID int64, es []formulary.StabilityEntry, actor *int64) error {
	for i, e := range es {
		e.Drug.ID = drugID
		if err := e.Validate(); err != nil {
			ae := apperr.From(err)
			return apperr.InvalidField(fmt.Sprintf("stability[%d].%s", i, ae.Field), "%s", ae.Message)
		}
	}
	before, err := s.Stability(ctx, drugID)
	if err != nil {
		return err
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.DeleteStabilityByDrug, drugID); err != nil {
			return Translate(err)
		}
		for _, e := range es {
			var limit decimal.NullDecimal
			if e.LimitHours != nil {
				limit = decimal.NullDecimal{Decimal: *e.LimitHours, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, s.q.InsertStability, drugID, e.Presentation, e.Diluent, string(e.Phase),
				string(e.Storage), limit, e.Note, e.SourceURL); err != nil {
				return Translate(err)
			}
		}
		_, err := audit.Append(ctx, tx, audit.Event{Type: AuditStabilityChanged, ActorID: actor,
			Payload: auditPayload(map[string]any{"drug_id": drugID, "before": stabilityForAudit(before), "after": stabilityForAudit(es)})})
		return err
	})
}
