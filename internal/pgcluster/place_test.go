package pgcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A data directory inside a 0700 directory (root's home, mktemp -d): as
// root, the server's user cannot enter it, so the cluster moves to a
// directory of its own and says where; as anyone else it runs in place.
func TestStartUnderPrivateDirectory(t *testing.T) {
	ctx := context.Background()
	private, err := os.MkdirTemp("", "lmp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(private) })
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	base := shortTempDir(t)
	requested := filepath.Join(private, ".laminar", "pg")
	c, err := Start(ctx, Options{Dir: requested, MoveBase: base, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	execSQL(t, c, `CREATE TABLE t (v int); INSERT INTO t VALUES (1)`)
	if os.Geteuid() == 0 {
		if c.MovedFrom() != requested || c.Dir() != MovedDir(base, requested) {
			t.Fatalf("as root: dir %s moved from %q, want %s moved from %s", c.Dir(), c.MovedFrom(), MovedDir(base, requested), requested)
		}
		readme, err := os.ReadFile(filepath.Join(filepath.Dir(c.Dir()), "README"))
		if err != nil || !strings.Contains(string(readme), private) {
			t.Fatalf("no note beside the moved cluster: %q, %v", readme, err)
		}
	} else if c.MovedFrom() != "" || c.Dir() != requested {
		t.Fatalf("not root: dir %s moved from %q, want it in place", c.Dir(), c.MovedFrom())
	}
	// The server's log stays in the data directory the user chose.
	if _, err := os.Stat(filepath.Join(private, ".laminar", "postgres.log")); err != nil {
		t.Fatalf("postgres.log not in the data directory: %v", err)
	}
	// Another command on the same data directory finds the running server.
	a, err := Attach(ctx, Options{Dir: requested, MoveBase: base})
	if err != nil {
		t.Fatal(err)
	}
	if a.Dir() != c.Dir() || a.Port() != c.Port() || !a.Attached() {
		t.Fatalf("attached to %s:%d (attached %v), want %s:%d", a.Dir(), a.Port(), a.Attached(), c.Dir(), c.Port())
	}
	var n int
	if err := open(t, a).QueryRow(`SELECT count(*) FROM t`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("through the attached cluster: %d, %v", n, err)
	}
	if err := a.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, running := runningPID(c.Dir()); !running {
		t.Fatal("stopping an attached cluster stopped the server")
	}
}

// When the cluster can neither run in place nor move, the error names the
// directory that blocks and the fix.
func TestUnreachableWithNowhereToGo(t *testing.T) {
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	private := shortTempDir(t)
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(shortTempDir(t), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := place(filepath.Join(private, "data", "pg"), cred, filepath.Join(file, "base"))
	if os.Geteuid() != 0 {
		// Only root has directories that others cannot enter and yet
		// runs the server as another user; here the check itself is tested.
		if b, _ := unreachable(filepath.Join(private, "data"), cred); b != private {
			t.Fatalf("unreachable = %q, want %s", b, private)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), private) || !strings.Contains(err.Error(), "chmod o+x "+private) || !strings.Contains(err.Error(), "LAMINAR_DATA_DIR") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnreachable(t *testing.T) {
	d := shortTempDir(t)
	cred := &syscall.Credential{Uid: 65534, Gid: 65534}
	for _, tc := range []struct {
		mode os.FileMode
		want string
	}{{0o755, ""}, {0o711, ""}, {0o750, d + "/x"}, {0o700, d + "/x"}} {
		x := filepath.Join(d, "x")
		if err := os.MkdirAll(x, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(x, tc.mode); err != nil {
			t.Fatal(err)
		}
		got, err := unreachable(filepath.Join(x, "not", "yet"), cred)
		if err != nil || got != tc.want {
			t.Errorf("mode %o: unreachable = %q, %v; want %q", tc.mode, got, err, tc.want)
		}
	}
}

// kill -9 of the postmaster: Restart brings the cluster back on the same
// port with every committed row.
func TestRestartAfterKill9(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: filepath.Join(shortTempDir(t), "pg"), Durable: true, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	db := open(t, c)
	if _, err := db.Exec(`CREATE TABLE kept (v int); INSERT INTO kept SELECT generate_series(1, 1000)`); err != nil {
		t.Fatal(err)
	}
	// An open connection, as a server's pool has: its backend survives
	// the postmaster for a moment.
	if _, err := db.Exec(`SELECT 1`); err != nil {
		t.Fatal(err)
	}
	port, pid := c.Port(), c.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.Exited()
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Port() != port || c.PID() == pid {
		t.Fatalf("after restart: port %d pid %d; before: port %d pid %d", c.Port(), c.PID(), port, pid)
	}
	var n int
	if err := open(t, c).QueryRow(`SELECT count(*) FROM kept`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after restart: %d rows, %v", n, err)
	}
}

// The server stopped, and someone started one by hand on the directory
// (pg_ctl start, another port): Restart stops that one cleanly and runs
// its own on its port, so the caller's Stop stops what runs there.
func TestRestartTakesOverAServerStartedByHand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Dir: filepath.Join(shortTempDir(t), "pg"), Durable: true, DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	execSQL(t, c, `CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)`)
	port := c.Port()
	if err := syscall.Kill(c.PID(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	<-c.Exited()
	other, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	byHand := exec.Command(filepath.Join(c.BinDir(), "postgres"), "-D", c.Dir(), "-p", strconv.Itoa(other), "-k", c.Dir(), "-h", "")
	byHand.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true, Pdeathsig: syscall.SIGQUIT}
	if err := byHand.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- byHand.Wait() }()
	for {
		if pid, running := runningPID(c.Dir()); running && pid == byHand.Process.Pid {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := c.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waited:
	case <-ctx.Done():
		t.Fatal("the server started by hand still runs")
	}
	if got := c.TookOver(); len(got) != 1 || got[0] != byHand.Process.Pid {
		t.Fatalf("TookOver = %v, want [%d]", got, byHand.Process.Pid)
	}
	var v int
	if err := open(t, c).QueryRow(`SELECT v FROM kept`).Scan(&v); err != nil || v != 7 || c.Port() != port {
		t.Fatalf("after the take-over: %d, %v, port %d (was %d)", v, err, c.Port(), port)
	}
}
