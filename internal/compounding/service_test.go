package compounding_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
	"github.com/laminar-rx/laminar/internal/workflow"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// demo is the service on a fresh database with the demo data, the first
// queued preparation and the demo technician.
func demo(t *testing.T) (*compounding.Service, *store.Store, int64, workflow.Actor) {
	t.Helper()
	ctx := context.Background()
	st := testdb.New(t)
	if _, err := seed.Demo(ctx, st, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now()); err != nil {
		t.Fatal(err)
	}
	svc := compounding.New(st, time.UTC)
	q, err := svc.Queue(ctx)
	if err != nil || len(q) == 0 {
		t.Fatalf("queue: %v (%d items)", err, len(q))
	}
	tech, err := st.UserIDByName(ctx, "tech1")
	if err != nil {
		t.Fatal(err)
	}
	return svc, st, q[0].PreparationID, workflow.Actor{UserID: tech}
}

func key(k, hash string, user int64) *compounding.Key {
	return &compounding.Key{UserID: user, Route: "test", Key: k, RequestHash: hash}
}

func countEvents(t *testing.T, st *store.Store, typ string, prep int64) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM audit_events WHERE type = $1 AND preparation_id = $2`, typ, prep); err != nil {
		t.Fatal(err)
	}
	return n
}

// A repeated key gets the first answer back as the same typed value,
// marked as replayed, without doing the change again; the same key with
// another request is refused.
func TestIdempotentAnswersAreTyped(t *testing.T) {
	svc, st, id, tech := demo(t)
	ctx := context.Background()
	first, err := svc.Claim(ctx, id, tech, time.Now(), key("c1", "h", tech.UserID))
	if err != nil || first.Replayed {
		t.Fatalf("first claim: %+v, %v", first, err)
	}
	again, err := svc.Claim(ctx, id, tech, time.Now(), key("c1", "h", tech.UserID))
	if err != nil || !again.Replayed {
		t.Fatalf("repeated claim: %+v, %v", again, err)
	}
	if !reflect.DeepEqual(first.Value, again.Value) {
		t.Fatalf("replayed %+v, first %+v", again.Value, first.Value)
	}
	if first.Value.Status != workflow.StatusInProgress || first.Value.ClaimedBy == nil || *first.Value.ClaimedBy != tech.UserID {
		t.Fatalf("claim answered %+v", first.Value)
	}
	if n := countEvents(t, st, workflow.EvPrepClaimed, id); n != 1 {
		t.Fatalf("%d claim events, want 1", n)
	}
	_, err = svc.Claim(ctx, id, tech, time.Now(), key("c1", "other", tech.UserID))
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != "idempotency_key_reused" {
		t.Fatalf("reused key: %v", err)
	}
}

// A refused scan is committed with its record; its replay returns the same
// record and the same refusal.
func TestReplayedRefusal(t *testing.T) {
	svc, st, id, tech := demo(t)
	ctx := context.Background()
	if _, err := svc.Claim(ctx, id, tech, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Preparation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var step string
	for _, s := range p.Worksheet.Steps {
		if s.Kind == workflow.StepScanVial {
			step = s.ID
			break
		}
	}
	in := compounding.ScanInput{PreparationID: id, StepID: step, Data: "(01)00312345678906(17)301231(10)X", Actor: tech, Now: time.Now()}
	first, err1 := svc.RecordScan(ctx, in, key("s1", "h", tech.UserID))
	again, err2 := svc.RecordScan(ctx, in, key("s1", "h", tech.UserID))
	if apperr.KindOf(err1) != apperr.Refused || first.Replayed || first.Value.Accepted || first.Value.ID == 0 {
		t.Fatalf("first scan: %+v, %v", first, err1)
	}
	if !again.Replayed || !reflect.DeepEqual(first.Value, again.Value) {
		t.Fatalf("replay %+v, first %+v", again, first)
	}
	var e1, e2 *apperr.Error
	errors.As(err1, &e1)
	errors.As(err2, &e2)
	if e2 == nil || e1.Kind != e2.Kind || e1.Code != e2.Code || e1.Message != e2.Message || e1.Field != e2.Field {
		t.Fatalf("replayed refusal %v, first %v", err2, err1)
	}
	if n := countEvents(t, st, workflow.EvScanRefused, id); n != 1 {
		t.Fatalf("%d refused-scan events, want 1", n)
	}
}

// Concurrent requests with one key make one change; every one gets the
// same answer.
func TestConcurrentKeyMakesOneChange(t *testing.T) {
	svc, st, id, tech := demo(t)
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	answers := make([]compounding.Done[compounding.State], n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = svc.Claim(ctx, id, tech, time.Now(), key("race", "h", tech.UserID))
		}()
	}
	wg.Wait()
	fresh := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if !answers[i].Replayed {
			fresh++
		}
		if !reflect.DeepEqual(answers[i].Value, answers[0].Value) {
			t.Fatalf("answer %d %+v differs from %+v", i, answers[i].Value, answers[0].Value)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d requests made the change, want 1", fresh)
	}
	if c := countEvents(t, st, workflow.EvPrepClaimed, id); c != 1 {
		t.Fatalf("%d claim events, want 1", c)
	}
}
