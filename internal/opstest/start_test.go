package opstest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/pgcluster"
)

// A clone in root's home (mode 0700), or any 0700 directory, is where a
// newcomer runs `make run`: the server must start there with its default
// data directory ./.laminar, say in one log line where its database went
// when PostgreSQL's user cannot enter, and stop that database on SIGTERM.
func TestStartFromPrivateDirectory(t *testing.T) {
	home, err := os.MkdirTemp("", "lmhome") // 0700, like /root
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	clone := filepath.Join(home, "laminar")
	if err := os.Mkdir(clone, 0o755); err != nil {
		t.Fatal(err)
	}
	requested := filepath.Join(clone, ".laminar", "pg")
	moved := pgcluster.MovedDir("", requested)
	t.Cleanup(func() { os.RemoveAll(filepath.Dir(moved)) })

	backups := filepath.Join(home, "backups")
	s := startServe(t, clone, map[string]string{"LAMINAR_BACKUP_DIR": backups, "LAMINAR_BACKUP_EVERY": "1s"}, "--demo")
	if code, _, err := readyz(s.URL); err != nil || code != 200 {
		t.Fatalf("readyz = %d, %v", code, err)
	}
	c := login(t, s.URL, "tech1")
	if len(c.queued()) == 0 {
		t.Fatal("the demo queue is empty")
	}
	pgDir := requested
	if os.Geteuid() == 0 {
		pgDir = moved
		var lines []string
		for _, l := range strings.Split(s.logText(), "\n") {
			if strings.Contains(l, moved) {
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], "cannot enter") || !strings.Contains(lines[0], requested) {
			t.Fatalf("want one log line saying where the database went and why; got %q", lines)
		}
	}
	if _, err := os.Stat(filepath.Join(pgDir, "PG_VERSION")); err != nil {
		t.Fatalf("no cluster in %s: %v", pgDir, err)
	}
	// A one-off command on the same data directory finds the running
	// database wherever it is.
	if out, err := laminar(t, clone, map[string]string{}, "audit", "verify"); err != nil || !strings.Contains(out, `"ok": true`) {
		t.Fatalf("audit verify while serving: %s %v", out, err)
	}
	// A scheduled backup of the private database, wherever it went.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if files, _ := filepath.Glob(filepath.Join(backups, "laminar-*.backup")); len(files) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scheduled backup within a minute:\n%s", s.logText())
		}
	}
	// The health check of containers and systemd.
	if _, err := laminar(t, clone, map[string]string{}, "healthcheck", s.URL+"/readyz"); err != nil {
		t.Fatal(err)
	}
	s.stop()
	if _, err := laminar(t, clone, map[string]string{}, "healthcheck", s.URL+"/readyz"); err == nil {
		t.Fatal("healthcheck passed with the server stopped")
	}
	if _, err := os.Stat(filepath.Join(pgDir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the cluster still runs after SIGTERM")
	}
	// And the next start finds the same database.
	s2 := startServe(t, clone, map[string]string{})
	if len(login(t, s2.URL, "tech1").queued()) == 0 {
		t.Fatal("the demo data is gone after a restart")
	}
}
