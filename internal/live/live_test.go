package live_test

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/live"
)

// hang is how long the tests wait before calling the hub stuck. It bounds
// only waits that a working hub ends at once; nothing is timed.
const hang = 10 * time.Second

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// chanSource is a Source fed by the test. Its channel is unbuffered, so a
// send returns only once the hub has taken the notification: a hub stuck in
// a broadcast is seen at the next send.
type chanSource struct {
	ch   chan live.Notification
	once sync.Once
}

func newSource() *chanSource { return &chanSource{ch: make(chan live.Notification)} }

func (s *chanSource) Notifications() <-chan live.Notification { return s.ch }

func (s *chanSource) Close() error {
	s.once.Do(func() { close(s.ch) })
	return nil
}

func (s *chanSource) send(t *testing.T, n live.Notification) {
	t.Helper()
	select {
	case s.ch <- n:
	case <-time.After(hang):
		t.Fatalf("the hub did not take a notification within %s: it is blocked", hang)
	}
}

func (s *chanSource) status(t *testing.T, id int, status string) {
	t.Helper()
	s.send(t, live.Notification{Payload: fmt.Sprintf(`{"id": %d, "status": %q}`, id, status)})
}

func startHub(t *testing.T) (*live.Hub, *chanSource) {
	t.Helper()
	src := newSource()
	h := live.New(src, quiet())
	t.Cleanup(func() {
		closed := make(chan struct{})
		go func() { h.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(hang):
			t.Errorf("Close did not return within %s: the hub is blocked", hang)
		}
	})
	return h, src
}

func next(t *testing.T, ch <-chan live.Event) live.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		return ev
	case <-time.After(hang):
		t.Fatalf("no event within %s", hang)
	}
	return live.Event{}
}

func TestFanOutAndUnsubscribe(t *testing.T) {
	t.Parallel()
	h, src := startHub(t)
	a, stopA := h.Subscribe()
	b, stopB := h.Subscribe()
	if h.Subscribers() != 2 {
		t.Fatalf("subscribers = %d", h.Subscribers())
	}
	src.status(t, 5, "completed")
	for _, ch := range []<-chan live.Event{a, b} {
		if ev := next(t, ch); ev.PreparationID != 5 || ev.Status != "completed" || ev.Resync() {
			t.Fatalf("event %+v", ev)
		}
	}
	stopA()
	stopA() // twice is harmless
	if _, ok := <-a; ok {
		t.Fatal("unsubscribed channel still open")
	}
	stopB()
	if h.Subscribers() != 0 {
		t.Fatalf("subscribers = %d", h.Subscribers())
	}
}

// Whatever cannot be read, and word that notifications were lost, reach
// the screens as a resync: they reload rather than miss a change.
func TestUnreadableAndLostBecomeResync(t *testing.T) {
	t.Parallel()
	for _, n := range []live.Notification{
		{Payload: "not json"}, {Payload: `{"id": 0, "status": "queued"}`}, {Payload: `{"id": -3}`},
		{Payload: `{"id": "7"}`}, {Payload: ""}, {Lost: true}, {Lost: true, Payload: `{"id": 4, "status": "queued"}`},
	} {
		t.Run(fmt.Sprintf("%+v", n), func(t *testing.T) {
			t.Parallel()
			h, src := startHub(t)
			ch, stop := h.Subscribe()
			defer stop()
			src.send(t, n)
			if ev := next(t, ch); !ev.Resync() {
				t.Fatalf("%+v gave %+v, want a resync", n, ev)
			}
		})
	}
}

// A subscriber that does not read loses nothing it needs: its backlog is
// replaced by one resync, and a subscriber that reads gets every event in
// order. Each event is sent only after the reader has the previous one, so
// the reader never falls behind whatever the machine's load.
func TestSlowSubscriberGetsResyncOthersUnaffected(t *testing.T) {
	t.Parallel()
	h, src := startHub(t)
	slow, stop := h.Subscribe()
	defer stop()
	fast, stopFast := h.Subscribe()
	defer stopFast()
	const n = 40
	for i := 1; i <= n; i++ {
		src.status(t, i, "queued")
		if ev := next(t, fast); ev.PreparationID != int64(i) {
			t.Fatalf("the reading subscriber got %+v as event %d", ev, i)
		}
	}
	h.Subscribers() // the last broadcast has ended: it held the hub's lock
	var got []live.Event
	for len(slow) > 0 {
		got = append(got, <-slow)
	}
	// 16 events fill the buffer; the 17th replaces them with a resync,
	// which 15 more follow; the 33rd overflows again: a resync, then 34–40.
	if len(got) != 8 || !got[0].Resync() {
		t.Fatalf("the slow subscriber holds %+v, want a resync and events 34–40", got)
	}
	for i, ev := range got[1:] {
		if ev.PreparationID != int64(34+i) {
			t.Fatalf("the slow subscriber holds %+v, want a resync and events 34–40", got)
		}
	}
}

// The attack: a subscriber overflows while its reader is emptying it. The
// hub must replace the backlog without waiting; a drain that first looks
// at len(ch) and then receives waits for ever (holding the hub's lock) when
// the reader takes the last event in between, and every live screen
// freezes. Each round fills the buffer, releases a greedy reader and sends
// one more event at the same moment; a blocked hub shows as a send that is
// never taken.
func TestOverflowWhileReadingNeverBlocks(t *testing.T) {
	t.Parallel()
	h, src := startHub(t)
	ch, _ := h.Subscribe() // not ended here: the cleanup closes the hub
	const marker = 1 << 40
	for round := 0; round < 600; round++ {
		for i := 1; i <= cap(ch); i++ {
			src.status(t, i, "queued")
		}
		waitFull(t, ch)
		start, read := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(read)
			<-start
			for {
				select {
				case <-ch:
				default:
					return
				}
			}
		}()
		close(start)
		src.status(t, cap(ch)+1, "queued")
		<-read
		// The marker is taken only by a hub that finished the overflow;
		// reading up to it leaves the channel empty for the next round.
		src.status(t, marker, "queued")
		for ev := next(t, ch); ev.PreparationID != marker; ev = next(t, ch) {
		}
	}
}

// waitFull waits until the hub has delivered a buffer's worth to ch.
func waitFull(t *testing.T, ch <-chan live.Event) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for len(ch) < cap(ch) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub delivered %d of %d events", len(ch), cap(ch))
		}
		time.Sleep(10 * time.Microsecond)
	}
}

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
	late, _ := h.Subscribe()
	if _, ok := <-late; ok {
		t.Fatal("a subscription after Close is open")
	}
}

// When the source ends by itself (its connection is gone for good), the
// streams end too, so that browsers reconnect to a working server.
func TestSourceEndClosesSubscriptions(t *testing.T) {
	t.Parallel()
	src := newSource()
	h := live.New(src, quiet())
	ch, _ := h.Subscribe()
	src.Close()
	select {
	case _, ok := <-ch:
		if ok {
			t.Fatal("an event after the source ended")
		}
	case <-time.After(hang):
		t.Fatal("the subscription stayed open after the source ended")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
}
