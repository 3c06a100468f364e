package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/audit"
)

// The attack, end to end through the commands: after `laminar audit
// checkpoint`, a superuser rewrites an event and every later hash and the
// head. The chain alone verifies; `laminar audit verify` names the
// checkpoint the log contradicts and exits 1.
func TestAuditCheckpointCommandCatchesARewrite(t *testing.T) {
	url, db := auditDB(t, 20)
	dir := t.TempDir()
	env := map[string]string{"DATABASE_URL": url, "LAMINAR_DATA_DIR": dir, "LAMINAR_LOG_LEVEL": "error"}
	out, stderr, err := runCmd(t, env, "", "audit", "checkpoint")
	if err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, stderr)
	}
	var c audit.Checkpoint
	if err := json.Unmarshal([]byte(out), &c); err != nil || c.LastID != 20 || c.Events != 20 || c.Signature == "" {
		t.Fatalf("checkpoint printed %q (%v)", out, err)
	}
	if st, err := os.Stat(filepath.Join(dir, "audit.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the key file: %v, %v", st, err)
	}
	for _, f := range []string{"audit.pub", "audit-checkpoints.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}

	tamperSQL(t, db, `UPDATE audit_events SET payload_text = '{"n":99}' WHERE id = 7`)
	rows, err := db.Queryx(`SELECT id, type, actor_id, at, preparation_id, payload_text FROM audit_events WHERE id >= 7 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var prev string
	if err := db.Get(&prev, `SELECT hash FROM audit_events WHERE id = 6`); err != nil {
		t.Fatal(err)
	}
	var rewritten []audit.Event
	for rows.Next() {
		var e audit.Event
		var payload string
		if err := rows.Scan(&e.ID, &e.Type, &e.ActorID, &e.At, &e.PreparationID, &payload); err != nil {
			t.Fatal(err)
		}
		e.Payload, e.PrevHash = json.RawMessage(payload), prev
		e.Hash = audit.Hash(e)
		prev = e.Hash
		rewritten = append(rewritten, e)
	}
	rows.Close()
	for _, e := range rewritten {
		tamperSQL(t, db, `UPDATE audit_events SET prev_hash = '`+e.PrevHash+`', hash = '`+e.Hash+`' WHERE id = `+itoa(e.ID))
	}
	for _, s := range []string{`ALTER TABLE audit_head DISABLE TRIGGER USER`, `UPDATE audit_head SET last_hash = '` + prev + `'`, `ALTER TABLE audit_head ENABLE TRIGGER USER`} {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	// The chain alone no longer sees anything.
	if rep, err := verifyCmd(t, url); err != nil || !rep.OK {
		t.Fatalf("the rewrite is incomplete: %+v %v", rep.FirstBad, err)
	}
	out, _, err = runCmd(t, env, "", "audit", "verify")
	var rep audit.Report
	if jerr := json.Unmarshal([]byte(out), &rep); jerr != nil {
		t.Fatalf("stdout %q: %v", out, jerr)
	}
	var quiet *silentExit
	if !errors.As(err, &quiet) || rep.OK || rep.Checkpoints != 1 || rep.FirstBad == nil || rep.FirstBad.ID != 20 || rep.FirstBad.Checkpoint != 1 ||
		!strings.Contains(rep.FirstBad.Reason, "checkpoint 1") {
		t.Fatalf("verify with the checkpoint: %+v %+v, %v; want exit 1 naming checkpoint 1 at event 20", rep, rep.FirstBad, err)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
