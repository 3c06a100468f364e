package audit

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Filter selects events for List and Each. Zero fields do not filter.
type Filter struct {
	From, To      time.Time // From inclusive, To exclusive
	ActorID       *int64
	ActorName     string // the actor's username
	Types         []string
	PreparationID *int64
	// Cursor is the id of the last event already seen: the page starts
	// after it, in the order asked for.
	Cursor int64
	// Newest lists the most recent events first.
	Newest bool
	// Limit caps the number of events (0: no cap).
	Limit int
}

// Entry is a listed event with its actor's username and, for a
// preparation's event, what was ordered and for whom. Only Event is hashed;
// the rest is read beside it.
type Entry struct {
	Event
	Actor string
	// Drug and Dose are the order's ("cefazolin", "2 g"); PatientName and
	// PatientMRN whom it is for. All "" for an event of no preparation.
	Drug, Dose, PatientName, PatientMRN string
}

// MarshalJSON writes an entry for the API: ids, RFC 3339 time, the payload as
// JSON and the hashes that let an auditor re-check it.
func (e Entry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID            int64           `json:"id"`
		Type          string          `json:"type"`
		ActorID       *int64          `json:"actor_id"`
		Actor         string          `json:"actor,omitempty"`
		At            time.Time       `json:"at"`
		PreparationID *int64          `json:"preparation_id"`
		Payload       json.RawMessage `json:"payload"`
		PrevHash      string          `json:"prev_hash"`
		Hash          string          `json:"hash"`
	}{e.ID, e.Type, e.ActorID, e.Actor, e.At.UTC(), e.PreparationID, e.Payload, e.PrevHash, e.Hash})
}

// List returns the events matching f.
func List(ctx context.Context, q sqlx.QueryerContext, f Filter) ([]Entry, error) {
	out := []Entry{}
	err := Each(ctx, q, f, func(e Entry) error {
		out = append(out, e)
		return nil
	})
	return out, err
}

// Each streams the events matching f to fn without holding them all, for
// exports of any size.
func Each(ctx context.Context, q sqlx.QueryerContext, f Filter, fn func(Entry) error) error {
	texts, err := sqlText()
	if err != nil {
		return err
	}
	query, args := listSQL(texts.List, f)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e           Entry
			actor, prep sql.NullInt64
			payload     string
		)
		if err := rows.Scan(&e.ID, &e.Type, &actor, &e.Actor, &e.At, &prep, &payload, &e.PrevHash, &e.Hash,
			&e.Drug, &e.Dose, &e.PatientName, &e.PatientMRN); err != nil {
			return fmt.Errorf("read audit event: %w", err)
		}
		e.ActorID, e.PreparationID = nullable(actor), nullable(prep)
		e.At = e.At.UTC()
		e.Payload = json.RawMessage(payload)
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// listSQL appends f's conditions to the base query.
func listSQL(base string, f Filter) (string, []any) {
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.From.IsZero() {
		conds = append(conds, "e.at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "e.at < "+arg(f.To))
	}
	if f.ActorID != nil {
		conds = append(conds, "e.actor_id = "+arg(*f.ActorID))
	}
	if f.ActorName != "" {
		conds = append(conds, "u.username = "+arg(strings.ToLower(f.ActorName)))
	}
	if len(f.Types) > 0 {
		conds = append(conds, "e.type = ANY("+arg(pq.StringArray(f.Types))+")")
	}
	if f.PreparationID != nil {
		conds = append(conds, "e.preparation_id = "+arg(*f.PreparationID))
	}
	order := " ORDER BY e.id"
	if f.Cursor > 0 {
		if f.Newest {
			conds = append(conds, "e.id < "+arg(f.Cursor))
		} else {
			conds = append(conds, "e.id > "+arg(f.Cursor))
		}
	}
	if f.Newest {
		order += " DESC"
	}
	s := base
	if len(conds) > 0 {
		s += " WHERE " + strings.Join(conds, " AND ")
	}
	s += order
	if f.Limit > 0 {
		s += " LIMIT " + arg(f.Limit)
	}
	return s, args
}
