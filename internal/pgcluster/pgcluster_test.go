package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestStartStopReuse starts a cluster, writes a row, stops it, starts it
// again on the same directory and finds the row.
func TestStartStopReuse(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")
	c, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	execSQL(t, c, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`)

	// A second server on the same directory is refused, with a clear message.
	if _, err := Start(ctx, Options{Dir: dir}); !errors.Is(err, ErrInUse) {
		t.Fatalf("second Start on a live directory = %v, want ErrInUse", err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("postmaster.pid left behind after a clean stop: %v", err)
	}

	c2, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	var v string
	db := open(t, c2)
	if err := db.QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != "still here" {
		t.Fatalf("after restart: %q, %v", v, err)
	}
}

func TestStaleLockIsNotInUse(t *testing.T) {
	dir := filepath.Join(shortTempDir(t), "pg")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A pid file left by a crash names a process that is gone.
	if err := os.WriteFile(filepath.Join(dir, "postmaster.pid"), []byte("999999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, running := runningPID(dir); running {
		t.Fatal("a dead pid was taken for a running server")
	}
}

func shortTempDir(t *testing.T) string {
	t.Helper()
	// Unix socket paths are limited to 107 bytes, so stay short.
	d, err := os.MkdirTemp("/tmp", "lmn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	// The server runs as a non-root user when the tests run as root.
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func open(t *testing.T, c *Cluster) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func execSQL(t *testing.T, c *Cluster, q string) {
	t.Helper()
	if _, err := open(t, c).Exec(q); err != nil {
		t.Fatal(err)
	}
}
