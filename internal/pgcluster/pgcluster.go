// Package pgcluster runs a private PostgreSQL cluster from the system's server
// binaries: the default database of `laminar serve` and the database of every
// test binary. It listens on a Unix socket in its data directory and on
// loopback only, runs as a non-root user when started by root, and refuses to
// start a second server on a data directory that is already in use.
package pgcluster

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver
)

// Options says where and how to run the cluster.
type Options struct {
	// Dir is the data directory; it is created and initialised when empty.
	Dir string
	// BinDir holds initdb and postgres; empty means the newest
	// /usr/lib/postgresql/*/bin.
	BinDir string
	// Durable false turns fsync off: for tests only.
	Durable bool
	// DieWithParent makes the server exit when this process dies, even by
	// SIGKILL (tests use it so no cluster outlives its test binary).
	DieWithParent bool
	// Log receives the server's output; nil means a file in Dir's parent.
	Log *os.File
}

// Cluster is a running private PostgreSQL server.
type Cluster struct {
	dir    string
	socket string
	port   int
	cmd    *exec.Cmd
	done   chan error
}

// Superuser is the cluster's superuser role.
const Superuser = "laminar"

// ErrInUse is returned when another server already runs on the data directory.
var ErrInUse = errors.New("data directory in use")

// FindBinDir returns the newest /usr/lib/postgresql/*/bin holding initdb.
func FindBinDir() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", errors.New("no PostgreSQL server binaries found under /usr/lib/postgresql/*/bin: install them (Debian: apt-get install postgresql), or set DATABASE_URL")
	}
	sort.Slice(matches, func(i, j int) bool {
		return versionOf(matches[i]) > versionOf(matches[j])
	})
	return filepath.Dir(matches[0]), nil
}

func versionOf(initdb string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return v
}

// Start initialises Dir if needed and starts the server, waiting until it
// accepts connections.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.BinDir == "" {
		bin, err := FindBinDir()
		if err != nil {
			return nil, err
		}
		o.BinDir = bin
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	if pid, running := runningPID(dir); running {
		return nil, fmt.Errorf("%w: a PostgreSQL server (pid %d) is already running on %s; stop the other Laminar process first, or point LAMINAR_DATA_DIR elsewhere", ErrInUse, pid, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := initdb(ctx, o.BinDir, dir, cred); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile := o.Log
	if logFile == nil {
		logFile, err = os.OpenFile(filepath.Join(filepath.Dir(dir), "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
	}
	args := []string{
		"-D", dir, "-p", strconv.Itoa(port), "-k", dir, "-h", "127.0.0.1",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB",
	}
	if !o.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(o.BinDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if o.DieWithParent {
		// SIGQUIT is PostgreSQL's immediate shutdown: it also stops the backends.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c := &Cluster{dir: dir, socket: dir, port: port, cmd: cmd, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	if err := c.waitReady(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// runningPID reads postmaster.pid and reports whether that process is alive.
func runningPID(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return 0, false
	}
	// A live pid could be an unrelated process reusing the number after a crash.
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err == nil && !bytes.Contains(cmdline, []byte("postgres")) {
		return 0, false
	}
	return pid, true
}

func initdb(ctx context.Context, bin, dir string, cred *syscall.Credential) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return fmt.Errorf("give %s to the database user: %w", dir, err)
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", dir, "-U", Superuser, "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb %s: %w\n%s", dir, err, out)
	}
	return nil
}

// serverCredential returns the user to run PostgreSQL as: nil (ourselves)
// unless we are root, which PostgreSQL refuses to run as.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("running as root, and neither a postgres nor a nobody user exists to run PostgreSQL as")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) waitReady(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		err = db.PingContext(pctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-c.done:
			c.done <- werr
			return fmt.Errorf("postgres exited during start-up (%v); see postgres.log beside %s", werr, c.dir)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on %s not ready after 60 s: %w", c.dir, err)
		}
	}
}

// DSN returns a lib/pq connection string for database name over the socket.
func (c *Cluster) DSN(name string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", c.socket, c.port, Superuser, name)
}

// URL returns a postgres:// URL for database name over loopback TCP.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.port, name)
}

// Dir is the data directory.
func (c *Cluster) Dir() string { return c.dir }

// PID is the postmaster's process id.
func (c *Cluster) PID() int { return c.cmd.Process.Pid }

// Done is closed-over: it yields once when the server exits.
func (c *Cluster) Done() <-chan error { return c.done }

// Stop shuts the server down cleanly (fast shutdown: open sessions are
// rolled back, everything committed is kept) and waits for it.
func (c *Cluster) Stop() error {
	if c == nil || c.cmd.Process == nil {
		return nil
	}
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-c.done:
		c.done <- err
		return ignoreSignalExit(err)
	case <-time.After(30 * time.Second):
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		err := <-c.done
		c.done <- err
		return fmt.Errorf("postgres did not stop in 30 s; forced: %v", err)
	}
}

func ignoreSignalExit(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return nil
	}
	return err
}

// EnsureDatabase creates database name if it does not exist.
func (c *Cluster) EnsureDatabase(ctx context.Context, name string) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look for database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, `CREATE DATABASE `+quoteIdent(name)); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
