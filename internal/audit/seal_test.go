package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// The attack on throughput: a transaction that has appended its event but
// not yet committed (its client is still talking to the server) must not
// hold the chain head, or every other change waits for it. NOWAIT makes
// the check immediate: it fails at once when the head is locked. The
// waiting change's event still enters the chain, after the one that
// committed first.
func TestAppendDoesNotHoldTheHeadUntilCommit(t *testing.T) {
	t.Parallel()
	st := testdb.New(t)
	ctx := context.Background()
	slow, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	if _, err := audit.Append(ctx, slow, audit.Event{Type: "test.slow"}); err != nil {
		t.Fatal(err)
	}
	probe, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := probe.ExecContext(ctx, `SELECT 1 FROM audit_head FOR UPDATE NOWAIT`); err != nil {
		t.Fatalf("an uncommitted append holds the chain head: %v", err)
	}
	if err := probe.Rollback(); err != nil {
		t.Fatal(err)
	}
	fast := appendOne(t, st, audit.Event{Type: "test.fast"})
	if fast.ID != 1 {
		t.Fatalf("the event committed first has id %d, want 1", fast.ID)
	}
	var pending int
	if err := st.DB.GetContext(ctx, &pending, `SELECT count(*) FROM audit_pending`); err != nil || pending != 0 {
		t.Fatalf("%d events left unsealed after a commit (%v)", pending, err)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	last := appendOne(t, st, audit.Event{Type: "test.last"})
	if last.ID != 3 {
		t.Fatalf("last id %d, want 3: the slow transaction's event is not in the chain", last.ID)
	}
	rows := chain(t, st)
	var types []string
	for _, r := range rows {
		types = append(types, r.Type)
	}
	if len(rows) != 3 || rows[0].Type != "test.fast" || rows[1].Type != "test.slow" || rows[2].Type != "test.last" {
		t.Fatalf("chain order %v, want commit order: test.fast, test.slow, test.last", types)
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 3 {
		t.Fatalf("verify = %+v", rep)
	}
}

// Several events of one transaction are sealed in the order they were
// appended, one after another in the chain.
func TestSealKeepsTheOrderOfATransaction(t *testing.T) {
	t.Parallel()
	st := testdb.New(t)
	ctx := context.Background()
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	want := []string{"test.a", "test.b", "test.c", "test.d"}
	for _, typ := range want {
		if _, err := audit.Append(ctx, tx, audit.Event{Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rows := sealedLog(t, st)
	for i, r := range rows {
		if i >= len(want) || r.Type != want[i] || r.ID != int64(i+1) {
			t.Fatalf("row %d = %d %s, want %d %s", i, r.ID, r.Type, i+1, want[min(i, len(want)-1)])
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	if rep := verify(t, st); !rep.OK {
		t.Fatalf("verify = %+v", rep)
	}
}

// The attack on throughput at commit: while something holds the chain
// head (another server's seal in the middle of its WAL flush, say), a
// change that logged an event must still commit at once; only its seal
// waits. When the head was sealed inside each commit, this commit waited
// for the head and failed on the lock timeout.
func TestCommitDoesNotWaitForTheChainHead(t *testing.T) {
	t.Parallel()
	st := testdb.New(t)
	ctx := context.Background()
	holder, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	if _, err := holder.ExecContext(ctx, `SELECT 1 FROM audit_head FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '1s'`); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Append(ctx, tx, audit.Event{Type: "test.while_head_held"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("a change waited for the chain head at its commit: %v", err)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	rows := sealedLog(t, st)
	if len(rows) != 1 || rows[0].Type != "test.while_head_held" || rows[0].ID != 1 {
		t.Fatalf("log after the seal: %+v", rows)
	}
}

// A server that stopped between its commit and its seal leaves its events
// queued; the next seal of any change chains them first, and nothing is
// left behind.
func TestEventsLeftQueuedAreSealedByTheNextChange(t *testing.T) {
	t.Parallel()
	st := testdb.New(t)
	ctx := context.Background()
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{"test.left_1", "test.left_2"} {
		if _, err := audit.Append(ctx, tx, audit.Event{Type: typ}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil { // and the server stops: no seal
		t.Fatal(err)
	}
	var queued int
	if err := st.DB.GetContext(ctx, &queued, `SELECT count(*) FROM audit_pending`); err != nil || queued != 2 {
		t.Fatalf("%d events queued before the next change, want 2 (%v)", queued, err)
	}
	next := appendOne(t, st, audit.Event{Type: "test.next"})
	if next.ID != 3 {
		t.Fatalf("the next change's event has id %d, want 3 after the two left queued", next.ID)
	}
	if err := st.DB.GetContext(ctx, &queued, `SELECT count(*) FROM audit_pending`); err != nil || queued != 0 {
		t.Fatalf("%d events still queued (%v)", queued, err)
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 3 {
		t.Fatalf("verify = %+v", rep)
	}
	if n, err := audit.Seal(ctx, st.DB); err != nil || n != 0 {
		t.Fatalf("a seal of an empty queue chained %d (%v)", n, err)
	}
}

// Concurrent transactions of several events each: one chain, and each
// transaction's events stand together in the order they were appended.
func TestConcurrentTransactionsKeepTheirEventsTogether(t *testing.T) {
	t.Parallel()
	st := testdb.New(t)
	ctx := context.Background()
	const workers, each = 20, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- st.InTx(ctx, func(tx *sqlx.Tx) error {
				for k := range each {
					if _, err := audit.Append(ctx, tx, audit.Event{Type: "test.group",
						Payload: json.RawMessage(fmt.Sprintf(`{"w":%d,"k":%d}`, w, k))}); err != nil {
						return err
					}
				}
				return nil
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows := chain(t, st)
	if len(rows) != workers*each {
		t.Fatalf("%d events, want %d", len(rows), workers*each)
	}
	for i := 0; i < len(rows); i += each {
		var first struct{ W, K int }
		for k := range each {
			var got struct{ W, K int }
			if err := json.Unmarshal(rows[i+k].Payload, &got); err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				first = got
			}
			if got.W != first.W || got.K != k {
				t.Fatalf("event %d is worker %d step %d; a transaction's events are split or reordered", rows[i+k].ID, got.W, got.K)
			}
		}
	}
	if rep := verify(t, st); !rep.OK {
		t.Fatalf("verify = %+v", rep)
	}
}
