package compounding

import (
	"context"

	"github.com/laminar-rx/laminar/internal/workflow"
)

// Exceptions is a preparation's exceptions summary (see
// workflow.Preparation.Exceptions), with the overrides of its dose limits
// and its paper record read from the store.
func (s *Service) Exceptions(ctx context.Context, p *workflow.Preparation) ([]workflow.Exception, error) {
	f := workflow.ExceptionFacts{Location: s.loc}
	if len(p.Worksheet.Holds) > 0 {
		ovs, err := s.st.Overrides(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, o := range ovs {
			f.Overrides = append(f.Overrides, workflow.OverrideFact{By: o.UserName, At: o.At, Reason: o.Reason})
		}
	}
	rec, err := s.st.DowntimeRecord(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	f.Downtime = rec != nil
	return p.Exceptions(f), nil
}
