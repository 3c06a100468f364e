package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestQueriesPrepare(t *testing.T) {
	st := testdb.New(t)
	for name, q := range audit.QueryNames() {
		t.Run(name, func(t *testing.T) {
			stmt, err := st.DB.PreparexContext(context.Background(), q)
			if err != nil {
				t.Fatalf("prepare %s: %v", name, err)
			}
			stmt.Close()
		})
	}
}

func TestAppendChainsEvents(t *testing.T) {
	st := testdb.New(t)
	// A caller's clock may lead the database's; it may not go back before
	// the last event (TestBackDatingIsRefused).
	given := time.Now().Add(time.Hour).Truncate(time.Second).Add(123456789).In(time.FixedZone("CDT", -5*3600))
	first := appendOne(t, st, audit.Event{Type: "test.first", PreparationID: ptr(42), Payload: json.RawMessage(`{"b": 2, "a": 1}`)})
	second := appendOne(t, st, audit.Event{Type: "test.second", At: given})

	if first.ID != 1 || second.ID != 2 {
		t.Fatalf("ids %d, %d; want 1, 2", first.ID, second.ID)
	}
	if first.PrevHash != audit.GenesisHash {
		t.Fatalf("first prev_hash %q; want the genesis hash", first.PrevHash)
	}
	if second.PrevHash != first.Hash {
		t.Fatalf("second prev_hash %q; want the first's hash %q", second.PrevHash, first.Hash)
	}
	if string(first.Payload) != `{"a":1,"b":2}` {
		t.Fatalf("payload stored as %s; want the canonical form", first.Payload)
	}
	if string(second.Payload) != `{}` {
		t.Fatalf("empty payload stored as %s", second.Payload)
	}
	if time.Since(first.At) > time.Minute || first.At.Location() != time.UTC {
		t.Fatalf("At %v: want the database clock, in UTC", first.At)
	}
	if want := given.UTC().Truncate(time.Microsecond); !second.At.Equal(want) {
		t.Fatalf("At %v; want the given time to the microsecond %v", second.At, want)
	}
	if audit.Hash(second) != second.Hash {
		t.Fatal("the returned event does not hash to its own hash")
	}
	rows, err := audit.List(context.Background(), st.DB, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Hash != first.Hash || rows[1].Hash != second.Hash || !rows[1].At.Equal(second.At) {
		t.Fatalf("stored rows %+v differ from what Append returned", rows)
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 2 {
		t.Fatalf("verify = %+v", rep)
	}
}

func TestAppendRefusesBadInput(t *testing.T) {
	st := testdb.New(t)
	cases := []struct {
		name string
		e    audit.Event
		want string
	}{
		{"empty type", audit.Event{}, "type"},
		{"upper-case type", audit.Event{Type: "Auth.Login"}, "type"},
		{"type with spaces", audit.Event{Type: "auth login"}, "type"},
		{"array payload", audit.Event{Type: "a.b", Payload: json.RawMessage(`[1]`)}, "payload"},
		{"unknown actor", audit.Event{Type: "a.b", ActorID: ptr(999)}, "actor_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := st.InTx(context.Background(), func(tx *sqlx.Tx) error {
				_, err := audit.Append(context.Background(), tx, c.e)
				return err
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v; want one naming %s", err, c.want)
			}
		})
	}
	if _, err := audit.Append(context.Background(), nil, audit.Event{Type: "a.b"}); err == nil {
		t.Fatal("append without a transaction succeeded")
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 0 {
		t.Fatalf("refused appends left events: %+v", rep)
	}
}

// A rolled-back change takes its event with it, and the chain carries on
// without a gap.
func TestRollbackTakesTheEventWithIt(t *testing.T) {
	st := testdb.New(t)
	appendOne(t, st, audit.Event{Type: "test.kept"})
	err := st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		if _, err := audit.Append(context.Background(), tx, audit.Event{Type: "test.rolled_back"}); err != nil {
			return err
		}
		return fmt.Errorf("the change failed")
	})
	if err == nil {
		t.Fatal("InTx did not fail")
	}
	e := appendOne(t, st, audit.Event{Type: "test.after"})
	if e.ID != 2 {
		t.Fatalf("id after a rollback = %d; want 2 (no gap)", e.ID)
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 2 {
		t.Fatalf("verify = %+v", rep)
	}
}

func TestTriggersRefuseChange(t *testing.T) {
	st := testdb.New(t)
	appendOne(t, st, audit.Event{Type: "test.one", Payload: json.RawMessage(`{"a":1}`)})
	for _, sql := range []string{
		`UPDATE audit_events SET payload_text = '{"a":2}' WHERE id = 1`,
		`UPDATE audit_events SET type = 'test.other'`,
		`DELETE FROM audit_events WHERE id = 1`,
		`TRUNCATE audit_events`,
		`DELETE FROM audit_head`,
		`TRUNCATE audit_head`,
	} {
		t.Run(sql, func(t *testing.T) {
			_, err := st.DB.Exec(sql)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: err = %v; want the append-only refusal", sql, err)
			}
		})
	}
	if rep := verify(t, st); !rep.OK || rep.Checked != 1 {
		t.Fatalf("verify = %+v", rep)
	}
}

func TestVerifyNamesTheFirstBadEvent(t *testing.T) {
	cases := []struct {
		name   string
		sql    string
		badID  int64
		reason string
	}{
		{"payload altered", `UPDATE audit_events SET payload_text = '{"n":4,"step":"weigh","measured":"99 g"}' WHERE id = 4`, 4, "altered"},
		{"actor altered", `UPDATE audit_events SET actor_id = NULL, preparation_id = 1 WHERE id = 6`, 6, "altered"},
		{"time altered", `UPDATE audit_events SET at = at + interval '1 second' WHERE id = 3`, 3, "altered"},
		{"event rehashed", `UPDATE audit_events SET payload_text = '{}', hash = 'x' WHERE id = 5`, 5, "altered"},
		{"middle removed", `DELETE FROM audit_events WHERE id = 5`, 6, "events 5 to 5 are missing"},
		{"two removed", `DELETE FROM audit_events WHERE id IN (3, 4)`, 5, "events 3 to 4 are missing"},
		{"first removed", `DELETE FROM audit_events WHERE id = 1`, 2, "before it were removed"},
		{"last removed", `DELETE FROM audit_events WHERE id = 10`, 10, "removed from the end"},
		{"all removed", `DELETE FROM audit_events`, 10, "removed from the end"},
		{"ids renumbered", `UPDATE audit_events SET id = id + 100 WHERE id >= 8`, 108, "altered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := testdb.New(t)
			bulkChain(t, st, 10)
			if rep := verify(t, st); !rep.OK || rep.Checked != 10 {
				t.Fatalf("intact chain: %+v", rep)
			}
			tamper(t, st, c.sql)
			rep := verify(t, st)
			if rep.OK || rep.FirstBad == nil {
				t.Fatalf("tampered chain verified: %+v", rep)
			}
			if rep.FirstBad.ID != c.badID || !strings.Contains(rep.FirstBad.Reason, c.reason) {
				t.Fatalf("first bad = %+v; want event %d, reason containing %q", rep.FirstBad, c.badID, c.reason)
			}
		})
	}
}

// An inserted forged event with a correct hash still breaks the link to
// the event after it.
func TestVerifyCatchesAForgedInsert(t *testing.T) {
	st := testdb.New(t)
	bulkChain(t, st, 3)
	tamper(t, st, `UPDATE audit_events SET id = id + 1 WHERE id = 3`)
	var prev string
	if err := st.DB.Get(&prev, `SELECT hash FROM audit_events WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	forged := audit.Event{ID: 3, Type: "test.forged", At: time.Now().UTC().Truncate(time.Microsecond), Payload: json.RawMessage(`{}`), PrevHash: prev}
	forged.Hash = audit.Hash(forged)
	if _, err := st.DB.Exec(`INSERT INTO audit_events (id, type, at, payload_text, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6)`,
		forged.ID, forged.Type, forged.At, "{}", forged.PrevHash, forged.Hash); err != nil {
		t.Fatal(err)
	}
	rep := verify(t, st)
	if rep.OK || rep.FirstBad.ID != 4 {
		t.Fatalf("forged insert: %+v; want event 4 named", rep)
	}
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	st := testdb.New(t)
	const workers = 50
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- st.InTx(context.Background(), func(tx *sqlx.Tx) error {
				_, err := audit.Append(context.Background(), tx, audit.Event{
					Type: "test.concurrent", Payload: json.RawMessage(fmt.Sprintf(`{"worker":%d}`, i)),
				})
				return err
			})
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	rep := verify(t, st)
	if !rep.OK || rep.Checked != workers {
		t.Fatalf("after %d concurrent appends: %+v", workers, rep)
	}
	var distinctPrev int
	if err := st.DB.Get(&distinctPrev, `SELECT count(DISTINCT prev_hash) FROM audit_events`); err != nil {
		t.Fatal(err)
	}
	if distinctPrev != workers {
		t.Fatalf("%d distinct prev_hash values for %d events: the chain forked", distinctPrev, workers)
	}
}

func TestVerifyHundredThousand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-event log")
	}
	st := testdb.New(t)
	const n = 100_000
	t0 := time.Now()
	bulkChain(t, st, n)
	built := time.Since(t0)
	t1 := time.Now()
	rep := verify(t, st)
	took := time.Since(t1)
	if !rep.OK || rep.Checked != n {
		t.Fatalf("intact chain of %d: %+v", n, rep)
	}
	t.Logf("built %d events in %v; verified in %v (%.0f events/s)", n, built, took, float64(n)/took.Seconds())
	// Appending after a bulk load continues the same chain.
	e := appendOne(t, st, audit.Event{Type: "test.after_bulk"})
	if e.ID != n+1 {
		t.Fatalf("next id %d; want %d", e.ID, n+1)
	}
}

func TestListFilters(t *testing.T) {
	st := testdb.New(t)
	ctx := context.Background()
	var uid int64
	if err := st.DB.Get(&uid, `INSERT INTO users (username, roles) VALUES ('pharm1', '{pharmacist}') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	for i := range 6 {
		e := audit.Event{Type: "test.a", At: t0.Add(time.Duration(i) * time.Hour)}
		if i%2 == 1 {
			e.Type, e.ActorID = "test.b", &uid
		}
		if i >= 4 {
			e.PreparationID = ptr(77)
		}
		appendOne(t, st, e)
	}
	ids := func(es []audit.Entry) string {
		var s []string
		for _, e := range es {
			s = append(s, fmt.Sprint(e.ID))
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"all", audit.Filter{}, "1,2,3,4,5,6"},
		{"from", audit.Filter{From: t0.Add(2 * time.Hour)}, "3,4,5,6"},
		{"to is exclusive", audit.Filter{To: t0.Add(2 * time.Hour)}, "1,2"},
		{"actor id", audit.Filter{ActorID: &uid}, "2,4,6"},
		{"actor name", audit.Filter{ActorName: "PHARM1"}, "2,4,6"},
		{"type", audit.Filter{Types: []string{"test.a"}}, "1,3,5"},
		{"preparation", audit.Filter{PreparationID: ptr(77)}, "5,6"},
		{"combined", audit.Filter{PreparationID: ptr(77), Types: []string{"test.b"}}, "6"},
		{"page", audit.Filter{Limit: 2}, "1,2"},
		{"next page", audit.Filter{Limit: 2, Cursor: 2}, "3,4"},
		{"newest first", audit.Filter{Newest: true, Limit: 2}, "6,5"},
		{"newest next page", audit.Filter{Newest: true, Limit: 2, Cursor: 5}, "4,3"},
		{"nothing", audit.Filter{Types: []string{"test.none"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := audit.List(ctx, st.DB, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != c.want {
				t.Fatalf("ids %s; want %s", ids(got), c.want)
			}
		})
	}
	got, _ := audit.List(ctx, st.DB, audit.Filter{ActorID: &uid, Limit: 1})
	if len(got) != 1 || got[0].Actor != "pharm1" {
		t.Fatalf("actor name not joined: %+v", got)
	}
	b, _ := json.Marshal(got[0])
	for _, k := range []string{`"id":2`, `"type":"test.b"`, `"actor":"pharm1"`, `"at":"2026-02-01T13:00:00Z"`, `"payload":{}`, `"hash":"`} {
		if !strings.Contains(string(b), k) {
			t.Fatalf("JSON %s lacks %s", b, k)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	st := testdb.New(b)
	ctx := context.Background()
	payload := json.RawMessage(`{"step":"weigh","measured":"12.5 g","expected":"12.4 g"}`)
	b.ResetTimer()
	for b.Loop() {
		err := st.InTx(ctx, func(tx *sqlx.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Event{Type: "bench.append", PreparationID: ptr(1), Payload: payload})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkVerify(b *testing.B) {
	st := testdb.New(b)
	const n = 20_000
	bulkChain(b, st, n)
	b.ResetTimer()
	for b.Loop() {
		rep, err := audit.Verify(context.Background(), st.DB)
		if err != nil || !rep.OK {
			b.Fatalf("%+v %v", rep, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkAppendParallel is the throughput of many transactions appending
// at once, as several technicians' tablets do; the chain-head lock
// serialises them.
func BenchmarkAppendParallel(b *testing.B) {
	st := testdb.New(b)
	ctx := context.Background()
	payload := json.RawMessage(`{"step":"weigh","measured":"12.5 g","expected":"12.4 g"}`)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			err := st.InTx(ctx, func(tx *sqlx.Tx) error {
				_, err := audit.Append(ctx, tx, audit.Event{Type: "bench.append", PreparationID: ptr(1), Payload: payload})
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
