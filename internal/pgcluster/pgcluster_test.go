package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// psqlAs runs psql as another OS user with no password at hand (-w: never
// prompt) and returns its output and whether it connected.
func psqlAs(t *testing.T, osUser, conninfo string) (string, bool) {
	t.Helper()
	cmd := exec.Command("runuser", "-u", osUser, "--", "psql", "-w", "-X", "-At", "-d", conninfo, "-c", "SELECT current_user")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/"}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// The attack: any other account on the machine (here nobody) points psql
// at the cluster's socket or its loopback port and logs in as the
// superuser or the server's role without a password.
func TestOtherOSUsersCannotConnect(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to the nobody user and must run as root (make test does)")
	}
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")
	c, err := Start(ctx, Options{Dir: dir, DieWithParent: true, TCP: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if tcpListeners(t, c.PID()) == 0 {
		t.Fatal("asked for TCP, yet the postmaster listens on no TCP socket")
	}
	for _, role := range []string{Superuser, AppRole, "postgres"} {
		for _, host := range []string{c.SocketDir(), "127.0.0.1"} {
			conn := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", host, c.Port(), role)
			if out, ok := psqlAs(t, "nobody", conn); ok {
				t.Errorf("nobody connected as %s via %s without a password: %s", role, host, out)
			}
		}
	}
	// With the password (which only the starting user can read) it works.
	if out, ok := psqlAs(t, "root", c.AppDSN("postgres")); !ok || strings.TrimSpace(out) != AppRole {
		t.Fatalf("the server's role with its password: %q, %v", out, ok)
	}
}

// Without TCP asked for, the cluster listens on its socket only.
func TestSocketOnlyByDefault(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")
	c, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	var listen string
	if err := open(t, c).QueryRow(`SHOW listen_addresses`).Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != "" {
		t.Fatalf("listen_addresses = %q; want none (socket only)", listen)
	}
	if n := tcpListeners(t, c.PID()); n != 0 {
		t.Fatalf("the postmaster holds %d listening TCP sockets", n)
	}
	// The superuser is a superuser, the server's role is not.
	app, err := sql.Open("postgres", c.AppDSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var super bool
	if err := app.QueryRow(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil || super {
		t.Fatalf("the server's role is a superuser (%v, %v)", super, err)
	}
}

// The data directory, the passwords and the server's log are private: no
// other account can list or read them.
func TestFilesNotReadableByOthers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test switches to the nobody user and must run as root (make test does)")
	}
	ctx := context.Background()
	parent := shortTempDir(t)
	dir := filepath.Join(parent, "pg")
	c, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	for _, p := range []string{dir, filepath.Join(dir, SecretsFile), filepath.Join(parent, "postgres.log")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v; want nothing for group and others", p, st.Mode().Perm())
		}
	}
	for _, args := range [][]string{
		{"cat", filepath.Join(dir, SecretsFile)},
		{"cat", filepath.Join(parent, "postgres.log")},
		{"ls", dir},
	} {
		out, err := exec.Command("runuser", append([]string{"-u", "nobody", "--"}, args...)...).CombinedOutput()
		if err == nil {
			t.Errorf("nobody ran %v: %s", args, out)
		}
	}
}

// A cluster created by an older Laminar trusted every local connection and
// kept no passwords: starting it gives it passwords and requires them.
func TestLegacyTrustingClusterIsLockedOnStart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(shortTempDir(t), "pg")
	c, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	// Turn it back into what an older version left behind.
	if err := os.Remove(filepath.Join(dir, SecretsFile)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "pg_hba.conf"), []byte("local all all trust\nhost all all 127.0.0.1/32 trust\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c2, err := Start(ctx, Options{Dir: dir, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Stop()
	b, err := os.ReadFile(filepath.Join(dir, "pg_hba.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "trust") {
		t.Fatalf("pg_hba.conf still trusts:\n%s", b)
	}
	wrong := strings.Replace(c2.DSN("postgres"), "password=", "password=x", 1)
	db, err := sql.Open("postgres", wrong)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Ping(); err == nil {
		t.Fatal("a wrong superuser password was accepted after the upgrade")
	}
	if err := open(t, c2).Ping(); err != nil {
		t.Fatalf("the right password: %v", err)
	}
}

// tcpListeners counts the listening TCP sockets among pid's open files.
func tcpListeners(t *testing.T, pid int) int {
	t.Helper()
	listening := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 9 && fields[3] == "0A" { // state LISTEN
				listening["socket:["+fields[9]+"]"] = true
			}
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && listening[target] {
			n++
		}
	}
	return n
}
