package store

import (
	"context"
	"weak"
)

// HasWorkflowState reports whether a store's workflow state is still kept.
func HasWorkflowState(p weak.Pointer[Store]) bool {
	_, ok := wfStates.Load(p)
	return ok
}

// WorkflowPrepared reports whether the store prepared its hot statements.
func (s *Store) WorkflowPrepared(ctx context.Context) bool {
	return s.hot(ctx, nil, "wf-accepted-scans") != nil
}
