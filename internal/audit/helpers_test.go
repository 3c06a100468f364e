package audit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// appendOne appends an event in its own transaction and returns it as the
// commit sealed it into the chain (the last event of the log).
func appendOne(t testing.TB, st *store.Store, e audit.Event) audit.Event {
	t.Helper()
	err := st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		_, err := audit.Append(context.Background(), tx, e)
		return err
	})
	if err != nil {
		t.Fatalf("append %s: %v", e.Type, err)
	}
	var out audit.Event
	var payload string
	if err := st.DB.QueryRowContext(context.Background(), `SELECT id, type, actor_id, at, preparation_id, payload_text, prev_hash, hash
		FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&out.ID, &out.Type, &out.ActorID, &out.At, &out.PreparationID, &payload, &out.PrevHash, &out.Hash); err != nil {
		t.Fatalf("read back %s: %v", e.Type, err)
	}
	out.At, out.Payload = out.At.UTC(), json.RawMessage(payload)
	return out
}

// bulkChain writes n chained events in one transaction with COPY, computing
// the hashes as Append would; it is how a large log is built quickly.
func bulkChain(t testing.TB, st *store.Store, n int) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var lastID, events int64
		var prev string
		if err := tx.QueryRowContext(ctx, `SELECT last_id, last_hash, events FROM audit_head FOR UPDATE`).Scan(&lastID, &prev, &events); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn("audit_events", "id", "type", "actor_id", "at", "preparation_id", "payload_text", "prev_hash", "hash"))
		if err != nil {
			return err
		}
		for i := 1; i <= n; i++ {
			prep := int64(i%97 + 1)
			e := audit.Event{
				ID: lastID + int64(i), Type: "preparation.step_done", At: base.Add(time.Duration(i) * time.Millisecond),
				PreparationID: &prep, PrevHash: prev,
				Payload: json.RawMessage(fmt.Sprintf(`{"n":%d,"step":"weigh","measured":"12.5 g"}`, i)),
			}
			e.Payload, _ = audit.CanonicalPayload(e.Payload)
			e.Hash = audit.Hash(e)
			if _, err := stmt.ExecContext(ctx, e.ID, e.Type, nil, e.At, prep, string(e.Payload), e.PrevHash, e.Hash); err != nil {
				return err
			}
			prev = e.Hash
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			return err
		}
		if err := stmt.Close(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2, events = $3`, lastID+int64(n), prev, events+int64(n))
		return err
	})
	if err != nil {
		t.Fatalf("bulk chain of %d: %v", n, err)
	}
}

// tamper runs sql with the append-only triggers disabled, as a superuser
// with direct database access could.
func tamper(t *testing.T, st *store.Store, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, s := range []string{
			`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
			`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate`,
		} {
			if _, err := tx.ExecContext(ctx, s); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, sql, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("tamper %q changed nothing", sql)
		}
		_, err = tx.ExecContext(ctx, `ALTER TABLE audit_events ENABLE TRIGGER ALL`)
		return err
	})
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
}

func verify(t testing.TB, st *store.Store) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), st.DB)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func ptr(v int64) *int64 { return &v }

// chain lists the log's events (up to 1,000), oldest first.
func chain(t testing.TB, st *store.Store) []audit.Entry {
	t.Helper()
	rows, err := audit.List(context.Background(), st.DB, audit.Filter{Limit: 1000})
	if err != nil {
		t.Fatalf("list the log: %v", err)
	}
	return rows
}

// sealedLog seals what is queued, as an answered change does, and lists
// the chain.
func sealedLog(t testing.TB, st *store.Store) []audit.Entry {
	t.Helper()
	if err := st.SealLog(context.Background()); err != nil {
		t.Fatalf("seal: %v", err)
	}
	return chain(t, st)
}
