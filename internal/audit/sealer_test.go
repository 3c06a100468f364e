package audit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
)

// Callers that arrive while a seal runs share the next seal: one seal per
// wave of changes, not one per change, and none of them is answered by a
// seal that began before it called.
func TestSealerGroupsCallersAndNeverAnswersEarly(t *testing.T) {
	t.Parallel()
	var seals atomic.Int32
	started := make(chan int32, 10)
	release := make(chan struct{}, 10)
	s := audit.NewSealerFunc(func(context.Context) error {
		n := seals.Add(1)
		started <- n
		<-release
		return nil
	})
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- s.Sync(ctx) }()
	if n := <-started; n != 1 {
		t.Fatalf("seal %d started first", n)
	}
	// Seal 1 is running; these callers must wait for seal 2.
	const wave = 30
	var wg sync.WaitGroup
	var answered atomic.Int32
	for range wave {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Sync(ctx); err != nil {
				t.Error(err)
			}
			answered.Add(1)
		}()
	}
	// Let every caller of the wave join before seal 1 ends: a joined
	// caller is waiting on seal 2's round, which only exists once.
	deadline := time.Now().Add(10 * time.Second)
	for s.Waiting() < wave && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if w := s.Waiting(); w != wave {
		t.Fatalf("%d callers joined the next seal, want %d", w, wave)
	}
	release <- struct{}{}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if n := <-started; n != 2 {
		t.Fatalf("seal %d started second", n)
	}
	if a := answered.Load(); a != 0 {
		t.Fatalf("%d callers were answered by the seal that began before they called", a)
	}
	release <- struct{}{}
	wg.Wait()
	if n := seals.Load(); n != 2 {
		t.Fatalf("%d seals for 1 + %d callers, want 2", n, wave)
	}
}

// A failed seal is each waiting caller's error; the next call seals anew.
func TestSealerReportsAFailedSeal(t *testing.T) {
	t.Parallel()
	boom := errors.New("database away")
	var fail atomic.Bool
	fail.Store(true)
	s := audit.NewSealerFunc(func(context.Context) error {
		if fail.Load() {
			return boom
		}
		return nil
	})
	if err := s.Sync(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Sync = %v, want the seal's error", err)
	}
	fail.Store(false)
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("Sync after recovery = %v", err)
	}
}

// A caller whose request ends stops waiting; the seal goes on for the
// others.
func TestSealerCallerMayStopWaiting(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := audit.NewSealerFunc(func(context.Context) error { <-release; return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with an ended request = %v", err)
	}
	other := make(chan error, 1)
	go func() { other <- s.Sync(context.Background()) }()
	close(release)
	if err := <-other; err != nil {
		t.Fatal(err)
	}
}
