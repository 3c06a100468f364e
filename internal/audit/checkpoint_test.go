package audit_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// anchored is a log with a signing key and a checkpoint file.
type anchored struct {
	st              *store.Store // a superuser's connection: the attacker's
	key             ed25519.PrivateKey
	file, pub, kdir string
}

func newAnchored(t *testing.T, events int) *anchored {
	t.Helper()
	dir := t.TempDir()
	a := &anchored{st: testdb.New(t), file: filepath.Join(dir, "audit-checkpoints.jsonl"), pub: filepath.Join(dir, "audit.pub"), kdir: dir}
	var err error
	if a.key, err = audit.LoadOrCreateKey(filepath.Join(dir, "audit.key"), a.pub); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= events; i++ {
		appendOne(t, a.st, audit.Event{Type: "test.step", Payload: json.RawMessage(fmt.Sprintf(`{"n":%d,"dose":"%d mg"}`, i, 100*i))})
	}
	return a
}

func (a *anchored) checkpoint(t *testing.T) audit.Checkpoint {
	t.Helper()
	c, err := audit.TakeCheckpoint(context.Background(), a.st.DB, a.key, a.file, false)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (a *anchored) verify(t *testing.T) audit.Report {
	t.Helper()
	an, err := audit.LoadAnchors(a.file, a.pub)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyAgainst(context.Background(), a.st.DB, an)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// superuser runs statements with every trigger of the log switched off,
// as a database administrator can.
func superuser(t *testing.T, st *store.Store, fn func(tx *sqlx.Tx) error) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		for _, s := range []string{`ALTER TABLE audit_events DISABLE TRIGGER USER`, `ALTER TABLE audit_head DISABLE TRIGGER USER`} {
			if _, err := tx.Exec(s); err != nil {
				return err
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		for _, s := range []string{`ALTER TABLE audit_events ENABLE TRIGGER USER`, `ALTER TABLE audit_head ENABLE TRIGGER USER`} {
			if _, err := tx.Exec(s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// rechain recomputes the hash of every event from id on, and the head, so
// that the chain alone checks out again.
func rechain(t *testing.T, tx *sqlx.Tx, from int64) {
	t.Helper()
	es, err := audit.List(context.Background(), tx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	prev := audit.GenesisHash
	for _, e := range es {
		if e.ID < from {
			prev = e.Hash
			continue
		}
		ev := e.Event
		ev.PrevHash = prev
		ev.Hash = audit.Hash(ev)
		if _, err := tx.Exec(`UPDATE audit_events SET prev_hash = $2, hash = $3 WHERE id = $1`, ev.ID, ev.PrevHash, ev.Hash); err != nil {
			t.Fatal(err)
		}
		prev = ev.Hash
	}
	last := es[len(es)-1]
	if _, err := tx.Exec(`UPDATE audit_head SET last_id = $1, last_hash = $2, events = $3`, last.ID, prev, len(es)); err != nil {
		t.Fatal(err)
	}
}

// The attack: a superuser changes a dose in event 3 and recomputes every
// later hash and the head. The chain alone verifies; the checkpoint signed
// before names the contradiction.
func TestCheckpointCatchesARewrittenChain(t *testing.T) {
	a := newAnchored(t, 5)
	a.checkpoint(t)
	appendOne(t, a.st, audit.Event{Type: "test.after"})
	superuser(t, a.st, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`UPDATE audit_events SET payload_text = '{"dose":"900 mg","n":3}' WHERE id = 3`); err != nil {
			return err
		}
		rechain(t, tx, 3)
		return nil
	})
	if rep := verify(t, a.st); !rep.OK {
		t.Fatalf("the rewrite is not a complete one (the chain alone catches it): %+v", rep.FirstBad)
	}
	rep := a.verify(t)
	if rep.OK || rep.FirstBad.ID != 5 || rep.FirstBad.Checkpoint != 1 || !strings.Contains(rep.FirstBad.Reason, "rewritten") {
		t.Fatalf("verify against the checkpoint = %+v %+v; want event 5 of checkpoint 1 named", rep, rep.FirstBad)
	}
}

// The attack: a superuser deletes the last events and moves the head back
// to the new end; the chain alone verifies.
func TestCheckpointCatchesARemovedTail(t *testing.T) {
	a := newAnchored(t, 3)
	a.checkpoint(t)
	appendOne(t, a.st, audit.Event{Type: "test.four"})
	appendOne(t, a.st, audit.Event{Type: "test.five"})
	a.checkpoint(t)
	superuser(t, a.st, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`DELETE FROM audit_events WHERE id >= 4`); err != nil {
			return err
		}
		rechain(t, tx, 1)
		return nil
	})
	if rep := verify(t, a.st); !rep.OK || rep.Checked != 3 {
		t.Fatalf("the chain alone: %+v", rep)
	}
	rep := a.verify(t)
	if rep.OK || rep.FirstBad.ID != 5 || rep.FirstBad.Checkpoint != 2 || !strings.Contains(rep.FirstBad.Reason, "removed from the end") {
		t.Fatalf("verify against the checkpoints = %+v %+v; want event 5 of checkpoint 2", rep, rep.FirstBad)
	}
}

// The attack: after a checkpoint, a superuser adds an event dated last
// year, chained properly (as audit_append would if told that time).
func TestCheckpointCatchesABackDatedEvent(t *testing.T) {
	a := newAnchored(t, 3)
	a.checkpoint(t)
	superuser(t, a.st, func(tx *sqlx.Tx) error {
		var prev string
		if err := tx.Get(&prev, `SELECT last_hash FROM audit_head`); err != nil {
			return err
		}
		e := audit.Event{ID: 4, Type: "test.back_dated", At: time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC), Payload: json.RawMessage(`{}`), PrevHash: prev}
		e.Hash = audit.Hash(e)
		if _, err := tx.Exec(`INSERT INTO audit_events (id, type, at, payload_text, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
			e.ID, e.Type, e.At, string(e.Payload), e.PrevHash, e.Hash); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE audit_head SET last_id = 4, last_hash = $1, events = 4`, e.Hash)
		return err
	})
	if rep := verify(t, a.st); !rep.OK {
		t.Fatalf("the chain alone: %+v", rep.FirstBad)
	}
	rep := a.verify(t)
	if rep.OK || rep.FirstBad.ID != 4 || !strings.Contains(rep.FirstBad.Reason, "back-dated") {
		t.Fatalf("verify against the checkpoint = %+v %+v; want event 4 named back-dated", rep, rep.FirstBad)
	}
}

// The attack on the anchor itself: edit a checkpoint line to agree with a
// rewritten log. The signature no longer matches.
func TestForgedCheckpointIsNamed(t *testing.T) {
	a := newAnchored(t, 2)
	c := a.checkpoint(t)
	b, err := os.ReadFile(a.file)
	if err != nil {
		t.Fatal(err)
	}
	forged := strings.Replace(string(b), c.LastHash, strings.Repeat("ab", 32), 1)
	if err := os.WriteFile(a.file, []byte(forged), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := a.verify(t)
	if rep.OK || rep.FirstBad.Checkpoint != 1 || !strings.Contains(rep.FirstBad.Reason, "not signed") {
		t.Fatalf("verify = %+v %+v; want checkpoint 1 named unsigned", rep, rep.FirstBad)
	}
}

// An untouched log agrees with all its checkpoints, and a periodic
// checkpoint of an unchanged head writes nothing.
func TestCheckpointsOfAnHonestLog(t *testing.T) {
	a := newAnchored(t, 0)
	a.checkpoint(t) // of the empty log
	for range 3 {
		appendOne(t, a.st, audit.Event{Type: "test.step"})
		a.checkpoint(t)
	}
	if c, err := audit.TakeCheckpoint(context.Background(), a.st.DB, a.key, a.file, true); err != nil || c.LastID != 0 {
		t.Fatalf("a checkpoint of an unchanged head was written: %+v, %v", c, err)
	}
	rep := a.verify(t)
	if !rep.OK || rep.Checked != 3 || rep.Checkpoints != 4 {
		t.Fatalf("verify = %+v %+v", rep, rep.FirstBad)
	}
}

// A key file that others can read is refused: they could sign.
func TestReadableKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	if _, err := audit.LoadOrCreateKey(key, filepath.Join(dir, "audit.pub")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(key)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("a new key has mode %v (%v); want 0600", st.Mode().Perm(), err)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadOrCreateKey(key, filepath.Join(dir, "audit.pub")); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable key: %v", err)
	}
}
