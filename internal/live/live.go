// Package live fans preparation state changes out to the screens that show
// them. A Hub reads notifications from a Source (in production the
// PostgreSQL LISTEN connection of package pglisten, in tests a channel) and
// hands each to every subscriber (the server-sent-event streams of open
// browsers). The hub never waits for a subscriber: one that falls behind
// has its backlog replaced by a single resync event.
package live

import (
	"encoding/json"
	"log/slog"
	"sync"
)

// Event is one status change. An Event with PreparationID 0 means "events
// may have been missed" (the source lost its connection, or the subscriber
// fell behind): subscribers should reload everything they show.
type Event struct {
	PreparationID int64  `json:"id"`
	Status        string `json:"status"`
	Old           string `json:"old,omitempty"`
}

// Resync reports whether the event asks subscribers to reload everything.
func (e Event) Resync() bool { return e.PreparationID == 0 }

// Notification is one message from a Source: a JSON payload naming a
// status change, or Lost when messages may have been missed (for example
// after a reconnection).
type Notification struct {
	Payload string
	Lost    bool
}

// Source delivers notifications. Its channel closes when the source ends,
// at the latest after Close.
type Source interface {
	Notifications() <-chan Notification
	Close() error
}

// Hub fans the events of one Source out to its subscribers.
type Hub struct {
	log *slog.Logger
	src Source

	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
	done   chan struct{}
}

// subscriberBuffer is how many events a slow subscriber may lag behind
// before it is sent a resync instead: the screens reload their list on any
// event, so coalescing loses nothing.
const subscriberBuffer = 16

// New starts fanning out the notifications of src. Close the hub to stop;
// it closes src.
func New(src Source, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{log: log, src: src, subs: map[chan Event]struct{}{}, done: make(chan struct{})}
	go h.run()
	return h
}

func (h *Hub) run() {
	defer close(h.done)
	for n := range h.src.Notifications() {
		h.broadcast(h.event(n))
	}
	h.closeSubscribers()
}

// event reads a notification; anything unreadable becomes a resync, so a
// screen reloads rather than misses a change.
func (h *Hub) event(n Notification) Event {
	if n.Lost {
		return Event{}
	}
	var ev Event
	if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil || ev.PreparationID <= 0 {
		h.log.Warn("live updates: unreadable notification", "payload_len", len(n.Payload))
		return Event{}
	}
	return ev
}

// broadcast hands ev to every subscriber without ever waiting. Only the hub
// sends on a subscriber's channel, and only under h.mu; the subscriber may
// receive at any moment, so the drain of a full channel must not block
// either (a receive on a channel the reader just emptied would wait for
// ever while holding h.mu).
func (h *Hub) broadcast(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
			continue
		default:
		}
		// Full: replace the backlog with one resync.
	drain:
		for {
			select {
			case <-ch:
			default:
				break drain
			}
		}
		select {
		case ch <- Event{}:
		default: // unreachable: the drain made room and no one else sends
		}
	}
}

// Subscribe returns a channel of events and a function that ends the
// subscription. The channel is closed when the hub closes.
func (h *Hub) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, subscriberBuffer)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(ch)
		return ch, func() {}
	}
	h.subs[ch] = struct{}{}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if _, ok := h.subs[ch]; ok {
				delete(h.subs, ch)
				close(ch)
			}
		})
	}
}

// Subscribers counts the open subscriptions.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

func (h *Hub) closeSubscribers() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for ch := range h.subs {
		delete(h.subs, ch)
		close(ch)
	}
}

// Close closes every subscription, which ends the event streams so that a
// graceful shutdown does not wait on them, then closes the source and waits
// for the fan-out to end.
func (h *Hub) Close() error {
	h.closeSubscribers()
	err := h.src.Close()
	<-h.done
	return err
}
