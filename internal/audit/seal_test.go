package audit_test

import (
	"context"
	"testing"

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
	rows, err := audit.List(ctx, st.DB, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
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
	rows, err := audit.List(ctx, st.DB, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
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
