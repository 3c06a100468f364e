package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// QueueItem is one preparation in a technician's or pharmacist's queue.
type QueueItem struct {
	PreparationID int64     `json:"preparation_id" db:"id"`
	OrderID       int64     `json:"order_id" db:"order_id"`
	Drug          string    `json:"drug" db:"drug"`
	Dose          string    `json:"dose" db:"dose"`
	DoseDisplay   string    `json:"dose_display" db:"dose_display"`
	DueAt         time.Time `json:"due_at" db:"due_at"`
	Priority      Priority  `json:"priority" db:"priority"`
	Status        Status    `json:"status" db:"status"`
	BatchKey      string    `json:"batch_key" db:"batch_key"`
	Location      string    `json:"location" db:"location"`
	Hazardous     bool      `json:"hazardous" db:"hazardous"`
	// Route, Diluent and FinalVolume describe the bag on a queue card
	// (filled by the queue screen's window, empty elsewhere).
	Route       string `json:"route,omitempty" db:"route"`
	Diluent     string `json:"diluent,omitempty" db:"diluent"`
	FinalVolume string `json:"final_volume,omitempty" db:"final_volume"`
	// HighAlert is the high-alert category, "" for none.
	HighAlert   string     `json:"high_alert,omitempty" db:"high_alert"`
	ClaimedBy   *int64     `json:"claimed_by,omitempty" db:"claimed_by"`
	PreparedBy  *int64     `json:"prepared_by,omitempty" db:"prepared_by"`
	CompletedAt *time.Time `json:"completed_at,omitempty" db:"completed_at"`
	RemakeOf    *int64     `json:"remake_of,omitempty" db:"remake_of"`
	// RemakeReason is why the pharmacist rejected the preparation this
	// one remakes: the technician reads it before starting again.
	RemakeReason string `json:"remake_reason,omitempty" db:"remake_reason"`
	// FirstCheckBy is the pharmacist who made the first check of a
	// preparation awaiting its second (verification queue only).
	FirstCheckBy *int64 `json:"first_check_by,omitempty" db:"first_check_by"`
}

// Group is a set of identical preparations that can be made as a batch.
type Group struct {
	BatchKey       string  `json:"batch_key"`
	Drug           string  `json:"drug"`
	Dose           string  `json:"dose"`
	Count          int     `json:"count"`
	PreparationIDs []int64 `json:"preparation_ids"`
}

// SortQueue orders a queue: priority first (STAT, first dose, routine),
// then the earliest due time, then the oldest preparation. Priority wins
// over due time because a STAT dose is wanted now whatever time the order
// happened to carry.
func SortQueue(items []QueueItem) {
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if ra, rb := a.Priority.Rank(), b.Priority.Rank(); ra != rb {
			return ra < rb
		}
		if !a.DueAt.Equal(b.DueAt) {
			return a.DueAt.Before(b.DueAt)
		}
		return a.PreparationID < b.PreparationID
	})
}

// BatchKey identifies identical preparations: the same recipe version,
// the same computed dose, the same base solution and volume.
func BatchKey(ws *Worksheet) string {
	h := sha256.New()
	parts := []string{
		ws.Drug, itoa(ws.RecipeID), ws.Quantities["dose"].Value, ws.DiluentName,
		ws.Quantities["base_volume"].Value, ws.Route, itoa(ws.Product.ID),
	}
	h.Write([]byte(strings.Join(parts, "\x1f")))
	return "b" + hex.EncodeToString(h.Sum(nil))[:12]
}

// Groups summarises the batches of more than one preparation, in queue order.
func Groups(items []QueueItem) []Group {
	idx := map[string]int{}
	var out []Group
	for _, it := range items {
		if it.Status != StatusQueued {
			continue
		}
		i, ok := idx[it.BatchKey]
		if !ok {
			i = len(out)
			idx[it.BatchKey] = i
			out = append(out, Group{BatchKey: it.BatchKey, Drug: it.Drug, Dose: it.Dose})
		}
		out[i].Count++
		out[i].PreparationIDs = append(out[i].PreparationIDs, it.PreparationID)
	}
	kept := out[:0]
	for _, g := range out {
		if g.Count > 1 {
			kept = append(kept, g)
		}
	}
	return kept
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
