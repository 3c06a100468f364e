package opstest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// kill -9 of the private cluster's postmaster under a running server: the
// server restarts it (crash recovery), is ready again with everything
// committed before the kill, and SIGTERM then stops the restarted cluster.
func TestKill9OfThePostmaster(t *testing.T) {
	s, data, tech, prepID := demoWithAClaim(t)
	pgDir := filepath.Join(data, "pg")
	pid := postmasterPID(t, pgDir)
	t0 := time.Now()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Poll readiness: 503 database_unavailable while the cluster is down
	// (how long that lasts is up to the machine), then 200.
	var saw503 bool
	for {
		code, ecode, err := readyz(s.URL)
		if err != nil {
			t.Fatal(err)
		}
		if code == 200 && (saw503 || postmasterPID(t, pgDir) != pid) {
			break
		}
		if code == 503 {
			if ecode != "database_unavailable" {
				t.Fatalf("readyz while down: 503 %q", ecode)
			}
			saw503 = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("kill -9 to ready again: %s (503 seen: %v)", time.Since(t0).Round(time.Millisecond), saw503)
	if got := postmasterPID(t, pgDir); got == pid {
		t.Fatal("the same postmaster after the kill")
	}
	// The session (a row in the database) and the claim survived.
	if st := tech.status(prepID); st != "in_progress" {
		t.Fatalf("after the restart the claimed preparation is %q", st)
	}
	if !strings.Contains(s.logText(), "restarted after crash recovery") {
		t.Fatalf("no restart in the log:\n%s", s.logText())
	}
	restarted := postmasterPID(t, pgDir)
	s.stop()
	if _, err := os.Stat(filepath.Join(pgDir, "postmaster.pid")); err == nil {
		t.Fatal("the restarted cluster still runs after SIGTERM")
	}
	if err := syscall.Kill(restarted, 0); err == nil {
		t.Fatalf("postmaster %d still alive after SIGTERM", restarted)
	}
}

// postmasterPID reads the running postmaster's pid (0 while none).
func postmasterPID(t *testing.T, pgDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pgDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// demoWithAClaim starts `laminar serve --demo` on a data folder of its own
// and has tech1 claim the first preparation of the demo queue: the server,
// its data folder, tech1 and the claimed preparation.
func demoWithAClaim(t *testing.T) (s *server, data string, tech *client, prepID int64) {
	t.Helper()
	dir := serveDir(t)
	data = filepath.Join(dir, "data")
	s = startServe(t, dir, map[string]string{"LAMINAR_DATA_DIR": data}, "--demo")
	tech = login(t, s.URL, "tech1")
	ids := tech.queued()
	if len(ids) == 0 {
		t.Fatal("the demo queue is empty")
	}
	if code := tech.do("POST", "/api/v1/preparations/"+strconv.FormatInt(ids[0], 10)+"/claim", map[string]any{}, nil); code != 200 {
		t.Fatalf("claim = %d", code)
	}
	return s, data, tech, ids[0]
}
