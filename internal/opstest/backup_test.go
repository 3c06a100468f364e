package opstest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/pgcluster"
)

// `laminar backup` while `laminar serve` runs on the same data directory,
// `laminar restore` into a fresh one: the compounding log verifies, every
// table holds the same rows, and the checkpoint file and public key are
// back. A second restore over restored data is refused.
func TestBackupWhileServingAndRestore(t *testing.T) {
	dir := serveDir(t)
	src := filepath.Join(dir, "src")
	s := startServe(t, dir, map[string]string{"LAMINAR_DATA_DIR": src}, "--demo")
	key, checkpoints, pub := claimAndCheckpoint(t, s, src)

	file := filepath.Join(dir, "backups", "one.backup")
	srcDigests := backupWhileServing(t, s, dir, src, file, key)

	dst := filepath.Join(dir, "dst")
	dstDigests := restoreIntoEmptyDataDir(t, dir, dst, file, checkpoints, pub)
	extDigests := restoreIntoExternalDatabase(t, dir, dst, file)
	compareTableDigests(t, srcDigests, dstDigests, extDigests)
	refuseRestoreOverDataAndDamagedBackup(t, dir, dst, file)
}

// claimAndCheckpoint claims two preparations on the serving s and takes a
// signed checkpoint of the log, as `laminar audit checkpoint` does. It
// returns the signing key, the checkpoint file and the public key file.
func claimAndCheckpoint(t *testing.T, s *server, src string) (ed25519.PrivateKey, []byte, []byte) {
	tech := login(t, s.URL, "tech1")
	ids := tech.queued()
	if len(ids) < 2 {
		t.Fatalf("queue: %v", ids)
	}
	for _, id := range ids[:2] {
		if code := tech.do("POST", "/api/v1/preparations/"+strconv.FormatInt(id, 10)+"/claim", map[string]any{}, nil); code != 200 {
			t.Fatalf("claim %d = %d", id, code)
		}
	}
	// A signed checkpoint of the log, as `laminar audit checkpoint` takes.
	key, err := audit.LoadOrCreateKey(filepath.Join(src, "audit.key"), filepath.Join(src, "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	srcDB, err := sqlx.Open("postgres", attachDSN(t, src))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srcDB.Close() })
	if _, err := audit.TakeCheckpoint(context.Background(), srcDB, key, filepath.Join(src, "audit-checkpoints.jsonl"), false); err != nil {
		t.Fatal(err)
	}
	checkpoints, err := os.ReadFile(filepath.Join(src, "audit-checkpoints.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(filepath.Join(src, "audit.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return key, checkpoints, pub
}

// backupWhileServing takes `laminar backup` of src into file while s serves;
// the backup names the signing key's fingerprint but never holds the key. It
// returns the digest of every table, taken after the backup, and stops s.
func backupWhileServing(t *testing.T, s *server, dir, src, file string, key ed25519.PrivateKey) map[string]string {
	out, err := laminar(t, dir, map[string]string{"LAMINAR_DATA_DIR": src}, "backup", file)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Bytes        int64    `json:"bytes"`
		TookMS       int64    `json:"took_ms"`
		Fingerprints []string `json:"audit_key_fingerprints"`
	}
	want := audit.Fingerprint(key.Public().(ed25519.PublicKey))
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Fingerprints) != 1 || rep.Fingerprints[0] != want {
		t.Fatalf("backup said %s (%v); want the key %s", out, err, want)
	}
	// The signing key itself is never in a backup.
	if b, _ := os.ReadFile(file); bytes.Contains(b, key.Seed()) || bytes.Contains(b, []byte("audit.key")) {
		t.Fatal("the backup holds the signing key")
	}
	t.Logf("backup of the demo data while serving: %d bytes in %d ms", rep.Bytes, rep.TookMS)
	// The server kept serving throughout.
	if code, _, _ := readyz(s.URL); code != 200 {
		t.Fatalf("readyz after the backup = %d", code)
	}
	srcDigests := tableDigests(t, attachDSN(t, src))
	s.stop()
	return srcDigests
}

// restoreIntoEmptyDataDir restores file into the empty data directory dst:
// the log verifies, the checkpoint file and public key are back, and the
// restored data directory serves. It returns the restored table digests.
func restoreIntoEmptyDataDir(t *testing.T, dir, dst, file string, checkpoints, pub []byte) map[string]string {
	out, err := laminar(t, dir, map[string]string{"LAMINAR_DATA_DIR": dst}, "restore", file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"ok": true`) {
		t.Fatalf("restore: %s", out)
	}
	var took struct {
		TookMS int64 `json:"took_ms"`
	}
	_ = json.Unmarshal([]byte(out), &took)
	t.Logf("restore into an empty data directory: %d ms", took.TookMS)
	if out, err := laminar(t, dir, map[string]string{"LAMINAR_DATA_DIR": dst}, "audit", "verify"); err != nil || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("audit verify after restore: %s %v", out, err)
	}
	for name, want := range map[string][]byte{"audit-checkpoints.jsonl": checkpoints, "audit.pub": pub} {
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%s after restore: %q, %v", name, got, err)
		}
	}
	// The restored data directory serves (its roles and grants in place).
	restored := startServe(t, dir, map[string]string{"LAMINAR_DATA_DIR": dst})
	dstDigests := tableDigests(t, attachDSN(t, dst))
	if len(login(t, restored.URL, "tech1").queued()) == 0 {
		t.Fatal("the restored server shows an empty queue")
	}
	restored.stop()
	return dstDigests
}

// restoreIntoExternalDatabase restores the same backup into an empty
// external database (DATABASE_URL), on a cluster started in dst, and returns
// its table digests.
func restoreIntoExternalDatabase(t *testing.T, dir, dst, file string) map[string]string {
	c, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: filepath.Join(dst, "pg"), Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.EnsureDatabase(context.Background(), "external"); err != nil {
		t.Fatal(err)
	}
	ext := map[string]string{"DATABASE_URL": c.URL("external"), "LAMINAR_DATA_DIR": filepath.Join(dir, "ext")}
	if out, err := laminar(t, dir, ext, "restore", file); err != nil || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("restore into an external database: %s %v", out, err)
	}
	if out, err := laminar(t, dir, ext, "audit", "verify"); err != nil || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("audit verify of the external database: %s %v", out, err)
	}
	extDigests := tableDigests(t, c.DSN("external"))
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	return extDigests
}

// compareTableDigests: both restores hold every table of the source with the
// same rows, and no table more.
func compareTableDigests(t *testing.T, srcDigests, dstDigests, extDigests map[string]string) {
	for name, d := range srcDigests {
		if extDigests[name] != d {
			t.Errorf("external restore, table %s: %s before, %s after", name, d, extDigests[name])
		}
	}
	if len(srcDigests) < 20 {
		t.Fatalf("only %d tables compared", len(srcDigests))
	}
	for name, d := range srcDigests {
		if dstDigests[name] != d {
			t.Errorf("table %s: %s before, %s after the restore", name, d, dstDigests[name])
		}
	}
	for name := range dstDigests {
		if _, ok := srcDigests[name]; !ok {
			t.Errorf("table %s appeared in the restore", name)
		}
	}
}

// refuseRestoreOverDataAndDamagedBackup: a restore over restored data, and a
// restore of a damaged backup, are refused before anything is touched.
func refuseRestoreOverDataAndDamagedBackup(t *testing.T, dir, dst, file string) {
	// Restoring again over the restored data is refused.
	if _, err := laminar(t, dir, map[string]string{"LAMINAR_DATA_DIR": dst}, "restore", file); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("restore over data = %v", err)
	}
	// A damaged backup is refused before anything is touched.
	b, _ := os.ReadFile(file)
	b[len(b)/2] ^= 0xff // inside the dump, which is most of the file
	bad := filepath.Join(dir, "bad.backup")
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := laminar(t, dir, map[string]string{"LAMINAR_DATA_DIR": filepath.Join(dir, "other")}, "restore", bad); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore of a damaged backup = %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other", "pg")); err == nil {
		t.Fatal("a damaged backup started a database")
	}
}

// attachDSN connects to the cluster a running server uses for dataDir.
func attachDSN(t *testing.T, dataDir string) string {
	t.Helper()
	c, err := pgcluster.Attach(context.Background(), pgcluster.Options{Dir: filepath.Join(dataDir, "pg")})
	if err != nil {
		t.Fatal(err)
	}
	return c.DSN("laminar")
}
