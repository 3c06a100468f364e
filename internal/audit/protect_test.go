package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// The attack: someone holding the server's own database role (its password
// file, or code running inside it) tries to switch the log's protections
// off, run a program on the database server, or rewrite the head. Every
// attempt is refused, and the server can still append.
func TestServerRoleCannotTamperWithTheLog(t *testing.T) {
	st, _ := testdb.NewApp(t)
	first := appendOne(t, st, audit.Event{Type: "test.one", Payload: json.RawMessage(`{"a":1}`)})
	appendOne(t, st, audit.Event{Type: "test.two"})
	for _, sql := range []string{
		`ALTER TABLE audit_events DISABLE TRIGGER USER`,
		`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
		`ALTER TABLE audit_head DISABLE TRIGGER ALL`,
		`DROP TRIGGER audit_events_append_only ON audit_events`,
		`COPY (SELECT 1) TO PROGRAM 'id'`,
		`COPY audit_events FROM PROGRAM 'echo'`,
		`UPDATE audit_head SET last_id = 1, last_hash = '` + first.Hash + `', events = 1`,
		`INSERT INTO audit_events (id, type, at, payload_text, prev_hash, hash) VALUES (3, 'x', now(), '{}', 'a', 'b')`,
		`DELETE FROM audit_events WHERE id = 2`,
		`CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`,
		`ALTER FUNCTION audit_append(timestamptz, text, text, text, text, bigint, bigint, text) SECURITY INVOKER`,
		`SET session_replication_role = replica`,
		`CREATE TABLE audit_shadow (id int)`,
		`ALTER ROLE CURRENT_USER SUPERUSER`,
	} {
		t.Run(sql, func(t *testing.T) {
			if _, err := st.DB.Exec(sql); err == nil {
				t.Fatalf("the server's role ran %s", sql)
			}
		})
	}
	appendOne(t, st, audit.Event{Type: "test.three"})
	if rep := verify(t, st); !rep.OK || rep.Checked != 3 {
		t.Fatalf("verify = %+v", rep)
	}
}

// The attack: delete the tail (as a superuser, triggers off) and move the
// head back over it. The head's own trigger refuses the move unless it too
// is switched off, which only a superuser or the owner can do.
func TestHeadOnlyMovesForward(t *testing.T) {
	st, admin := testdb.NewApp(t)
	first := appendOne(t, st, audit.Event{Type: "test.one"})
	second := appendOne(t, st, audit.Event{Type: "test.two"})
	appendOne(t, st, audit.Event{Type: "test.three"})
	for _, sql := range []string{
		`UPDATE audit_head SET last_id = 1, last_hash = '` + first.Hash + `', events = 1`,
		`UPDATE audit_head SET last_id = 4, last_hash = '` + second.Hash + `', events = 4`,
		`UPDATE audit_head SET events = 7`,
	} {
		if _, err := admin.Exec(sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Fatalf("%s as superuser with triggers on: %v; want the append-only refusal", sql, err)
		}
	}
}

// The attack: call audit_append directly with a time long before the last
// event, to slip in an event that seems to have happened earlier. The event
// is dated no earlier than the one before it.
func TestBackDatingThroughAppendIsRefused(t *testing.T) {
	st, admin := testdb.NewApp(t)
	last := appendOne(t, st, audit.Event{Type: "test.one"})
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	back := appendOne(t, st, audit.Event{Type: "test.back_dated", At: past})
	if back.At.Before(last.At) {
		t.Fatalf("an event appended after %v is dated %v", last.At, back.At)
	}
	var at time.Time
	err := admin.QueryRowContext(context.Background(),
		`SELECT event_at FROM audit_append('2020-01-01T00:00:00Z', '', '', '', 'test.raw', NULL, NULL, '{}')`).Scan(&at)
	if err != nil {
		t.Fatal(err)
	}
	if at.Before(back.At) {
		t.Fatalf("audit_append called directly dated its event %v, before the previous %v", at, back.At)
	}
}
