package pglisten_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/live"
	"github.com/laminar-rx/laminar/internal/live/pglisten"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func next(t *testing.T, ch <-chan live.Event) live.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5 s")
	}
	return live.Event{}
}

func startHub(t *testing.T) (*live.Hub, func(query string, args ...any)) {
	t.Helper()
	st := testdb.New(t)
	ctx := context.Background()
	dsn, err := pglisten.DSN(ctx, st.DB.DB, st.DSN())
	if err != nil {
		t.Fatal(err)
	}
	h, err := pglisten.Start(ctx, dsn, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := st.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return h, exec
}

// The trigger of migration 00006 announces inserts and status changes, and
// stays silent when an update leaves the status as it was.
func TestTriggerNotifiesStatusChanges(t *testing.T) {
	t.Parallel()
	h, exec := startHub(t)
	ch, stop := h.Subscribe()
	defer stop()
	exec(`INSERT INTO users (id, username, roles) VALUES (7, 'tech7', '{technician}')`)
	exec(`INSERT INTO recipes (id, drug, version, name, body) VALUES (1, 'cefazolin', 1, 'cefazolin 1 g', '{}')`)
	exec(`INSERT INTO orders (id, patient_mrn, patient_name, patient_birth_date, patient_location, drug, dose_value, dose_unit, route, due_at, priority)
	      VALUES (1, '1', 'Doe, J', '1970-01-01', '4W', 'cefazolin', 1, 'g', 'IV', now(), 'routine')`)
	exec(`INSERT INTO preparations (id, order_id, recipe_id, status, batch_key, worksheet) VALUES (42, 1, 1, 'queued', 'k', '{}')`)
	if ev := next(t, ch); ev.PreparationID != 42 || ev.Status != "queued" || ev.Old != "" {
		t.Fatalf("insert event %+v", ev)
	}
	exec(`UPDATE preparations SET batch_key = 'k2' WHERE id = 42`)
	exec(`UPDATE preparations SET status = 'in_progress', claimed_by = 7 WHERE id = 42`)
	if ev := next(t, ch); ev.PreparationID != 42 || ev.Status != "in_progress" || ev.Old != "queued" {
		t.Fatalf("status event %+v (an update that kept the status must not notify)", ev)
	}
}

// Notifications travel from pg_notify through the hub to every subscriber.
func TestFanOutAndUnsubscribe(t *testing.T) {
	t.Parallel()
	h, exec := startHub(t)
	a, stopA := h.Subscribe()
	b, stopB := h.Subscribe()
	if h.Subscribers() != 2 {
		t.Fatalf("subscribers = %d", h.Subscribers())
	}
	exec(`SELECT pg_notify($1, '{"id": 5, "status": "completed"}')`, pglisten.Channel)
	for _, ch := range []<-chan live.Event{a, b} {
		if ev := next(t, ch); ev.PreparationID != 5 || ev.Status != "completed" {
			t.Fatalf("event %+v", ev)
		}
	}
	stopA()
	stopA() // twice is harmless
	if _, ok := <-a; ok {
		t.Fatal("unsubscribed channel still open")
	}
	exec(`SELECT pg_notify($1, 'not json')`, pglisten.Channel)
	if ev := next(t, b); !ev.Resync() {
		t.Fatalf("an unreadable payload gave %+v, want a resync", ev)
	}
	stopB()
	if h.Subscribers() != 0 {
		t.Fatalf("subscribers = %d", h.Subscribers())
	}
}

func TestListenerDSNPrefersConfigured(t *testing.T) {
	t.Parallel()
	got, err := pglisten.DSN(context.Background(), nil, "postgres://u@h/db")
	if err != nil || got != "postgres://u@h/db" {
		t.Fatalf("ListenerDSN = %q, %v", got, err)
	}
}

// Closing the hub ends the LISTEN connection and every subscription.
func TestCloseEndsSubscriptions(t *testing.T) {
	t.Parallel()
	h, _ := startHub(t)
	ch, _ := h.Subscribe()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-ch; ok {
		t.Fatal("subscription still open after Close")
	}
}
