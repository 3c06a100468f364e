package exchange

import (
	"context"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
)

// Records are the interfaces' records as the screens and the API read and
// keep them: the inbox, the outbox and the drug code map. They need no
// running interface service (a server without interfaces still shows what
// was received), so they stand apart from Service.
type Records struct {
	st *store.Store
}

// NewRecords returns the records on st.
func NewRecords(st *store.Store) *Records { return &Records{st: st} }

// The rows and filters of the records, named here so that a handler needs
// no import of the store.
type (
	// InboxMessage is one received message and what became of it.
	InboxMessage = store.InboxMessage
	// InboxFilter narrows the inbox listing.
	InboxFilter = store.InboxFilter
	// OutboxItem is one outgoing message and its delivery.
	OutboxItem = store.OutboxItem
	// CodeMapping maps a site's drug code to a formulary drug.
	CodeMapping = store.CodeMapping
)

// Inbox lists received messages, newest first.
func (r *Records) Inbox(ctx context.Context, f InboxFilter) ([]InboxMessage, error) {
	return r.st.Inbox(ctx, f)
}

// InboxCounts counts the inbox's messages by status.
func (r *Records) InboxCounts(ctx context.Context) (map[string]int, error) {
	return r.st.InboxCounts(ctx)
}

// InboxMessage returns one received message with its body and answer.
func (r *Records) InboxMessage(ctx context.Context, id int64) (InboxMessage, error) {
	return r.st.InboxMessageByID(ctx, id)
}

// Outbox lists the newest outgoing messages, at most limit of them.
func (r *Records) Outbox(ctx context.Context, limit int) ([]OutboxItem, error) {
	return r.st.Outbox(ctx, limit)
}

// CodeMappings lists the drug code map.
func (r *Records) CodeMappings(ctx context.Context) ([]CodeMapping, error) {
	return r.st.CodeMappings(ctx)
}

// RecipeDrugs lists every drug that has a master formulation record: the
// drugs a code may be mapped to.
func (r *Records) RecipeDrugs(ctx context.Context) ([]string, error) {
	return r.st.RecipeDrugs(ctx)
}

// SaveCodeMapping checks a code mapping and stores it for actor: the code
// and the drug are required, and the drug must have a master formulation
// record.
func (r *Records) SaveCodeMapping(ctx context.Context, m CodeMapping, actor int64) error {
	switch {
	case m.Code == "" || len(m.Code) > 100:
		return apperr.InvalidField("code", "is required: the sender's drug code (at most 100 characters)")
	case len(m.System) > 200:
		return apperr.InvalidField("system", "is longer than 200 characters")
	case m.Drug == "":
		return apperr.InvalidField("drug", "is required: the formulary drug the code stands for, e.g. \"cefazolin\"")
	}
	drugs, err := r.st.RecipeDrugs(ctx)
	if err != nil {
		return err
	}
	known := false
	for _, d := range drugs {
		known = known || d == m.Drug
	}
	if !known {
		return apperr.WithCode(apperr.Refused, "no_recipe", "%q has no master formulation record; map codes only to drugs Laminar can prepare", m.Drug)
	}
	return r.st.PutCodeMapping(ctx, m, actor)
}

// DeleteCodeMapping removes a mapping.
func (r *Records) DeleteCodeMapping(ctx context.Context, system, code string) error {
	return r.st.DeleteCodeMapping(ctx, system, code)
}
