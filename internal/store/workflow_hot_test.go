package store_test

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// The workflow's per-store state (prepared statements) is
// never shared between stores and goes with its store.
func TestWorkflowStatePerStore(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.NewDSN(t)
	open := func() *store.Store {
		st, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := open(), open()
	if !a.WorkflowPrepared(ctx) || !b.WorkflowPrepared(ctx) {
		t.Fatal("the hot statements were not prepared")
	}
	wa := weak.Make(a)
	if !store.HasWorkflowState(wa) {
		t.Fatal("no state kept for a store in use")
	}
	_ = a.Close()
	a = nil
	deadline := time.Now().Add(5 * time.Second)
	for store.HasWorkflowState(wa) {
		if time.Now().After(deadline) {
			t.Fatal("the state of a collected store is still kept")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	// The other store is unaffected.
	if !b.WorkflowPrepared(ctx) {
		t.Fatal("dropping one store's state touched another's")
	}
	_ = b.Close()
}
