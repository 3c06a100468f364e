package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// auditDB is a fresh migrated database holding n chained events.
func auditDB(t *testing.T, n int) (url string, db *sqlx.DB) {
	t.Helper()
	url = testdb.NewURL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if n <= 1000 {
		// The real path, one Append per event.
		for i := 1; i <= n; i++ {
			prep := int64(i % 7)
			if _, err := audit.Append(ctx, tx, audit.Event{Type: "test.step", PreparationID: &prep, Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		// COPY with the hashes computed as Append does: 100,000 in seconds.
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn("audit_events", "id", "type", "at", "preparation_id", "payload_text", "prev_hash", "hash"))
		if err != nil {
			t.Fatal(err)
		}
		prev, base := audit.GenesisHash, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := 1; i <= n; i++ {
			prep := int64(i % 7)
			e := audit.Event{ID: int64(i), Type: "test.step", At: base.Add(time.Duration(i) * time.Millisecond), PreparationID: &prep,
				Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i)), PrevHash: prev}
			e.Hash = audit.Hash(e)
			if _, err := stmt.ExecContext(ctx, e.ID, e.Type, e.At, prep, string(e.Payload), e.PrevHash, e.Hash); err != nil {
				t.Fatal(err)
			}
			prev = e.Hash
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			t.Fatal(err)
		}
		stmt.Close()
		if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_id = $1, last_hash = $2, events = $1`, n, prev); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Seal(ctx, db); err != nil {
		t.Fatal(err)
	}
	return url, db
}

// tamperSQL changes the log behind the triggers' back, as a superuser can.
func tamperSQL(t *testing.T, db *sqlx.DB, sql string) {
	t.Helper()
	for _, s := range []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`, sql, `ALTER TABLE audit_events ENABLE TRIGGER USER`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func verifyCmd(t *testing.T, url string) (audit.Report, error) {
	t.Helper()
	out, stderr, err := runCmd(t, map[string]string{"DATABASE_URL": url}, "", "audit", "verify")
	var rep audit.Report
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		t.Fatalf("stdout %q is not the report (stderr %q, err %v)", out, stderr, err)
	}
	return rep, err
}

func TestAuditVerifyCommand(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		badID  int64
		reason string
	}{
		{"intact", "", 0, ""},
		{"payload altered", `UPDATE audit_events SET payload_text = '{"n":99}' WHERE id = 7`, 7, "altered"},
		{"middle deleted", `DELETE FROM audit_events WHERE id = 10`, 11, "events 10 to 10 are missing"},
		{"tail deleted", `DELETE FROM audit_events WHERE id = 20`, 20, "removed from the end"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			url, db := auditDB(t, 20)
			if c.tamper != "" {
				tamperSQL(t, db, c.tamper)
			}
			rep, err := verifyCmd(t, url)
			if c.badID == 0 {
				if err != nil || !rep.OK || rep.Checked != 20 || rep.FirstBad != nil {
					t.Fatalf("intact log: %+v, %v", rep, err)
				}
				return
			}
			var quiet *silentExit
			if !errors.As(err, &quiet) {
				t.Fatalf("a broken chain exits with %v; want exit 1", err)
			}
			if rep.OK || rep.FirstBad == nil || rep.FirstBad.ID != c.badID || !strings.Contains(rep.FirstBad.Reason, c.reason) {
				t.Fatalf("report %+v; want event %d named, reason with %q", rep, c.badID, c.reason)
			}
		})
	}
}

func TestAuditVerifyCommandHundredThousand(t *testing.T) {
	const n = 100_000
	t0 := time.Now()
	url, _ := auditDB(t, n)
	built := time.Since(t0)
	t1 := time.Now()
	rep, err := verifyCmd(t, url)
	took := time.Since(t1)
	if err != nil || !rep.OK || rep.Checked != n {
		t.Fatalf("%+v, %v", rep, err)
	}
	t.Logf("inserted %d events in %v; `laminar audit verify` took %v (%.0f events/s)", n, built, took, n/took.Seconds())
}

func TestAuditCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"audit"}, {"audit", "check"}, {"audit", "verify", "extra"}} {
		if _, _, err := runCmd(t, nil, "", args...); err == nil || !strings.Contains(err.Error(), "verify") {
			t.Fatalf("%v: err = %v; want one naming the verify subcommand", args, err)
		}
	}
}
