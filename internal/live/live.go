// Package live carries preparation state changes from PostgreSQL to the
// screens that show them. A trigger NOTIFYs on the channel Channel at every
// status change (migration 00006); each server instance LISTENs on one
// dedicated connection and fans the events out to its subscribers (the
// server-sent-event streams of open browsers). Because the events travel
// through PostgreSQL and not through process memory, a pharmacist connected
// to one instance sees work completed through another.
package live

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Channel is the NOTIFY channel of preparation status changes.
const Channel = "laminar_preparations"

// Event is one status change. An Event with PreparationID 0 means "events
// may have been missed" (the listening connection was re-established):
// subscribers should reload everything they show.
type Event struct {
	PreparationID int64  `json:"id"`
	Status        string `json:"status"`
	Old           string `json:"old,omitempty"`
}

// Resync reports whether the event asks subscribers to reload everything.
func (e Event) Resync() bool { return e.PreparationID == 0 }

// Hub listens on Channel and fans events out to subscribers.
type Hub struct {
	log      *slog.Logger
	listener *pq.Listener

	mu     sync.Mutex
	subs   map[chan Event]struct{}
	closed bool
	done   chan struct{}
}

// subscriberBuffer is how many events a slow subscriber may lag behind
// before it is sent a resync instead: the screens reload their list on any
// event, so coalescing loses nothing.
const subscriberBuffer = 16

// Start connects a listener to dsn and starts fanning out events.
func Start(ctx context.Context, dsn string, log *slog.Logger) (*Hub, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Hub{log: log, subs: map[chan Event]struct{}{}, done: make(chan struct{})}
	h.listener = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("live updates: connecting the listener failed", "err", err)
		case pq.ListenerEventDisconnected:
			log.Warn("live updates: listener disconnected", "err", err)
		case pq.ListenerEventReconnected:
			log.Info("live updates: listener reconnected")
		}
	})
	listenErr := make(chan error, 1)
	go func() { listenErr <- h.listener.Listen(Channel) }()
	select {
	case err := <-listenErr:
		if err != nil {
			_ = h.listener.Close()
			return nil, fmt.Errorf("live updates: LISTEN %s: %w", Channel, err)
		}
	case <-ctx.Done():
		_ = h.listener.Close()
		return nil, fmt.Errorf("live updates: LISTEN %s: %w", Channel, ctx.Err())
	}
	go h.run()
	return h, nil
}

func (h *Hub) run() {
	defer close(h.done)
	ping := time.NewTicker(60 * time.Second)
	defer ping.Stop()
	for {
		select {
		case n, ok := <-h.listener.NotificationChannel():
			if !ok {
				h.closeSubscribers()
				return
			}
			if n == nil {
				// Reconnected: notifications sent meanwhile are lost.
				h.broadcast(Event{})
				continue
			}
			var ev Event
			if err := json.Unmarshal([]byte(n.Extra), &ev); err != nil || ev.PreparationID <= 0 {
				h.log.Warn("live updates: unreadable notification", "payload_len", len(n.Extra))
				ev = Event{}
			}
			h.broadcast(ev)
		case <-ping.C:
			// A silent connection can die unnoticed; a ping finds out and
			// lets the listener reconnect.
			go func() { _ = h.listener.Ping() }()
		}
	}
}

func (h *Hub) broadcast(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- ev:
		default:
			// Full: replace the backlog with one resync.
			for len(ch) > 0 {
				<-ch
			}
			ch <- Event{}
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

// Close stops listening and closes every subscription, which ends the
// event streams so that a graceful shutdown does not wait on them.
func (h *Hub) Close() error {
	h.closeSubscribers()
	err := h.listener.Close()
	<-h.done
	return err
}

// ListenerDSN returns the connection string the listener should use: the
// configured one (the store's own, with its password) when there is one;
// otherwise one built from what the server reports about itself through db,
// which works only where the server needs no password.
func ListenerDSN(ctx context.Context, db *sql.DB, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	var name, user, port, sockets string
	var addr sql.NullString
	err := db.QueryRowContext(ctx, `SELECT current_database(), current_user, current_setting('port'),
		current_setting('unix_socket_directories'), host(inet_server_addr())`).Scan(&name, &user, &port, &sockets, &addr)
	if err != nil {
		return "", fmt.Errorf("live updates: find the database's address: %w", err)
	}
	host := addr.String
	if !addr.Valid || host == "" {
		host = strings.TrimSpace(strings.Split(sockets, ",")[0])
	}
	if host == "" {
		return "", errors.New("live updates: the database reports neither a TCP address nor a socket directory; set DATABASE_URL")
	}
	q := func(s string) string { return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'" }
	return fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", q(host), q(port), q(user), q(name)), nil
}
