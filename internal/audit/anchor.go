package audit

import (
	"sort"
	"time"
)

// anchorCheck compares the events Verify reads, in id order, with the
// signed checkpoints.
type anchorCheck struct {
	bad func(id int64, cp int, format string, args ...any)
	// byID are the validly signed checkpoints by the event they name, each
	// with its 1-based line.
	byID map[int64][]numbered
	// order are the same checkpoints sorted by LastID, for the time rule.
	order []numbered
	next  int // the first of order not yet passed
	// floor is the latest checkpoint passed: no later event may be dated
	// before its LastAt.
	floor  *numbered
	prevAt time.Time
}

type numbered struct {
	Checkpoint
	n int
}

func newAnchorCheck(an Anchors, bad func(id int64, cp int, format string, args ...any)) *anchorCheck {
	a := &anchorCheck{bad: bad, byID: map[int64][]numbered{}}
	for i, c := range an.Checkpoints {
		nc := numbered{c, i + 1}
		if !an.checkSignature(c) {
			bad(c.LastID, nc.n, "%s is not signed by the audit key (fingerprint %s): it was forged or altered", c.Label(nc.n), c.Key)
			continue
		}
		a.byID[c.LastID] = append(a.byID[c.LastID], nc)
		a.order = append(a.order, nc)
	}
	sort.SliceStable(a.order, func(i, j int) bool { return a.order[i].LastID < a.order[j].LastID })
	return a
}

// event checks one event (the count-th read) against the checkpoints.
func (a *anchorCheck) event(id int64, at time.Time, hash string, count int64) {
	for a.next < len(a.order) && a.order[a.next].LastID < id {
		a.floor = &a.order[a.next]
		a.next++
	}
	if a.floor != nil {
		if at.Before(a.floor.LastAt) {
			a.bad(id, a.floor.n, "event %d is dated %s, before %s which signed the log up to event %d at %s: it was back-dated or inserted later",
				id, at.UTC().Format(time.RFC3339Nano), a.floor.Label(a.floor.n), a.floor.LastID, a.floor.LastAt.UTC().Format(time.RFC3339Nano))
		} else if at.Before(a.prevAt) {
			a.bad(id, a.floor.n, "event %d is dated %s, before the event before it (%s): times went backwards after %s",
				id, at.UTC().Format(time.RFC3339Nano), a.prevAt.UTC().Format(time.RFC3339Nano), a.floor.Label(a.floor.n))
		}
	}
	a.prevAt = at
	for _, c := range a.byID[id] {
		switch {
		case c.LastHash != hash:
			a.bad(id, c.n, "%s says event %d had hash %s; the log's event %d has %s: the log was rewritten from event %d on or before",
				c.Label(c.n), id, c.LastHash, id, hash, id)
		case !c.LastAt.IsZero() && !c.LastAt.Equal(at):
			a.bad(id, c.n, "%s says event %d was dated %s; the log says %s: the event was rewritten",
				c.Label(c.n), id, c.LastAt.UTC().Format(time.RFC3339Nano), at.UTC().Format(time.RFC3339Nano))
		case c.Events != count:
			a.bad(id, c.n, "%s says the log held %d events up to event %d; it now holds %d: events were removed or inserted before it",
				c.Label(c.n), c.Events, id, count)
		}
	}
	delete(a.byID, id)
}

// end reports the checkpoints naming events the log no longer has.
func (a *anchorCheck) end(lastID int64) {
	var missing []numbered
	for _, cs := range a.byID {
		missing = append(missing, cs...)
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].LastID < missing[j].LastID })
	for _, c := range missing {
		if c.LastID == 0 {
			continue // a checkpoint of the empty log names no event
		}
		a.bad(c.LastID, c.n, "%s says the log held event %d (hash %s); the log ends at event %d: events were removed from the end and the head moved back",
			c.Label(c.n), c.LastID, c.LastHash, lastID)
	}
}
