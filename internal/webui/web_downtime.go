package webui

import (
	"context"
	"fmt"

	"github.com/laminar-rx/laminar/web"
)

// downtimeEvidence is the paper record of a preparation for the evidence
// page, or nil when Laminar guided its making.
func (w *webUI) downtimeEvidence(ctx context.Context, prepID int64, nm *names) (*web.DowntimeEvidence, error) {
	rec, err := w.api.Compounding.DowntimeRecord(ctx, prepID)
	if err != nil || rec == nil {
		return nil, err
	}
	loc := w.api.Config.Location
	const when = "2006-01-02 15:04"
	ev := &web.DowntimeEvidence{MadeBy: nm.of(&rec.MadeBy), CheckedBy: rec.CheckedBy, RecordedBy: nm.of(&rec.RecordedBy),
		Started: rec.StartedAt.In(loc).Format(when), Completed: rec.CompletedAt.In(loc).Format(when),
		Recorded: rec.RecordedAt.In(loc).Format(when), Note: rec.Note}
	for _, c := range rec.Components {
		ev.Components = append(ev.Components, fmt.Sprintf("%d × %s, lot %s, expires %s", c.Count, c.Product, c.Lot, c.ExpiresAt.In(loc).Format("2006-01-02")))
	}
	for _, x := range rec.Weights {
		verdict := "within tolerance"
		if !x.Pass {
			verdict = "OUT OF TOLERANCE"
		}
		ev.Weights = append(ev.Weights, fmt.Sprintf("Weight %s (expected %s, %s): %s", x.Measured, x.Expected, x.Deviation, verdict))
	}
	return ev, nil
}
