package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
)

// kill -9 of the private cluster's postmaster: the server answers 503
// database_unavailable (readiness and API alike) until the cluster is
// back, restarts it with crash recovery, is ready again with every
// committed row, and still stops the restarted cluster on shutdown.
func TestKilledClusterIsRestarted(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "lms")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, release := make(chan struct{}), make(chan struct{})
	a, err := app.Start(ctx, embeddedConfig(t, dir), quiet, app.Options{BeforeRestart: func() {
		close(found)
		<-release
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	if err := a.Store.SetMeta(ctx, "committed", "before the crash"); err != nil {
		t.Fatal(err)
	}
	pid := a.Cluster.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-found
	// While the cluster is down: 503 database_unavailable, not 500.
	for _, r := range []struct{ method, path string }{{"GET", "/readyz"}, {"POST", "/api/v1/login"}, {"GET", "/api/v1/queue"}} {
		code, body := call(t, r.method, a.URL()+r.path)
		if code != http.StatusServiceUnavailable || !strings.Contains(body, `"database_unavailable"`) {
			t.Errorf("%s %s while the database is down = %d %s", r.method, r.path, code, body)
		}
	}
	if code, _ := call(t, "GET", a.URL()+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz while the database is down = %d; the process is alive", code)
	}
	close(release)
	waitReady(t, a.URL())
	if a.Cluster.PID() == pid {
		t.Fatal("the same postmaster pid after a restart")
	}
	if v, err := a.Store.Meta(ctx, "committed"); err != nil || v != "before the crash" {
		t.Fatalf("after the restart: %q, %v", v, err)
	}
	code, body := call(t, "GET", a.URL()+"/metrics")
	if code != 200 || !strings.Contains(body, "laminar_database_restarts_total 1") {
		t.Fatalf("metrics do not count the restart: %d", code)
	}
	pgDir := a.Cluster.Dir()
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pgDir + "/postmaster.pid"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the restarted cluster is still running after Shutdown")
	}
}

func call(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitReady polls /readyz until it answers 200 (the restart's own limit
// ends a restart that never succeeds; the test's deadline ends the rest).
func waitReady(t *testing.T, base string) {
	t.Helper()
	for {
		code, body := call(t, "GET", base+"/readyz")
		if code == http.StatusOK {
			return
		}
		var env struct {
			Error struct{ Code string } `json:"error"`
		}
		if json.Unmarshal([]byte(body), &env) != nil || env.Error.Code != "database_unavailable" {
			t.Fatalf("readyz during a restart = %d %s", code, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
