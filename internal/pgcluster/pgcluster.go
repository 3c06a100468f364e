// Package pgcluster runs a private PostgreSQL cluster from the system's server
// binaries: the default database of `laminar serve` and the database of every
// test binary. It listens on a Unix socket in its data directory (which only
// the cluster's user can enter) and on loopback TCP only when asked, runs as
// a non-root user when started by root, and refuses to start a second server
// on a data directory that is already in use.
//
// Every connection proves a password (SCRAM-SHA-256): the superuser's and
// the application role's are random, made when the cluster is created, and
// kept in a file readable only by the user that started it (see auth.go).
// The server connects as AppRole, which is no superuser and owns nothing.
package pgcluster

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	// Log receives the server's output; nil means postgres.log in Dir's
	// parent (the requested one, also when the cluster had to move).
	Log *os.File
	// TCP also listens on loopback (tests that hand out postgres:// URLs
	// use it); false listens on the socket only.
	TCP bool
	// Port is the TCP port on loopback (0 picks a free one); without TCP
	// it only names the socket file (0: 5432).
	Port int
	// MoveBase is where a cluster goes when its user cannot reach Dir
	// (see place); empty means DefaultMoveBase.
	MoveBase string
}

// Cluster is a private PostgreSQL server: one this process started (and
// may restart), or one found running on the directory (Attach).
type Cluster struct {
	opts      Options // as resolved by Start: absolute Dir, BinDir, Port
	dir       string
	socket    string
	port      int
	movedFrom string
	cred      *syscall.Credential
	logFile   *os.File
	secret    secrets
	legacy    bool // created trusting local connections; locked on start

	mu       sync.Mutex
	cmd      *exec.Cmd     // nil when attached
	exited   chan struct{} // closed when cmd has exited
	waitErr  error
	tookOver []int // postmasters started by hand that Restart stopped
}

// Superuser is the cluster's superuser role.
const Superuser = "laminar"

// ErrInUse is returned when another server already runs on the data directory.
var ErrInUse = errors.New("data directory in use")

// errExitedEarly is a postmaster that exited before accepting connections.
var errExitedEarly = errors.New("postgres exited during start-up")

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
// accepts connections. When the server's user cannot reach Dir, the
// cluster is placed elsewhere (see MovedFrom).
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if o.BinDir == "" {
		bin, err := FindBinDir()
		if err != nil {
			return nil, err
		}
		o.BinDir = bin
	}
	requested, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	dir, err := place(requested, cred, o.MoveBase)
	if err != nil {
		return nil, err
	}
	if err := makeParent(filepath.Dir(dir), cred); err != nil {
		return nil, err
	}
	if pid, running := runningPID(dir); running {
		return nil, fmt.Errorf("%w: a PostgreSQL server (pid %d) is already running on %s; stop the other Laminar process first (if none runs, the server was left behind: stop it with kill -INT %d), or point LAMINAR_DATA_DIR elsewhere", ErrInUse, pid, dir, pid)
	}
	var sec secrets
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if sec, err = initdb(ctx, o.BinDir, dir, cred); err != nil {
			return nil, err
		}
	} else if sec, err = readSecrets(dir); err != nil {
		return nil, err
	}
	// A cluster made before passwords were required still trusts its
	// socket: it gets its passwords once it is up (setUpRoles).
	legacy := sec.Superuser == ""
	if !legacy {
		if err := writeHBA(dir); err != nil {
			return nil, err
		}
	}
	switch {
	case o.Port != 0:
	case o.TCP:
		if o.Port, err = freePort(); err != nil {
			return nil, err
		}
	default:
		o.Port = socketPort
	}
	logFile := o.Log
	if logFile == nil {
		if err := makeParent(filepath.Dir(requested), cred); err != nil {
			return nil, err
		}
		if logFile, err = openLog(filepath.Join(filepath.Dir(requested), "postgres.log")); err != nil {
			return nil, err
		}
	}
	o.Dir = dir
	c := &Cluster{opts: o, dir: dir, socket: dir, port: o.Port, cred: cred, logFile: logFile, secret: sec, legacy: legacy}
	if dir != requested {
		c.movedFrom = requested
	}
	if err := c.launch(ctx); err != nil {
		return nil, err
	}
	if err := c.setUpRoles(ctx); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

// socketPort names the socket file (.s.PGSQL.5432) when there is no TCP
// listener; the socket directory is private, so the number never clashes.
const socketPort = 5432

// makeParent creates the directory holding the data directory and the
// server's log: private to us, or only passable (not readable) by others
// when the server runs as another user, which must reach its data below.
// An existing directory is left as it is.
func makeParent(parent string, cred *syscall.Credential) error {
	mode := os.FileMode(0o700)
	if cred != nil {
		mode = 0o711
	}
	if _, err := os.Stat(parent); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(parent, mode); err != nil {
			return fmt.Errorf("create %s: %w", parent, err)
		}
		return os.Chmod(parent, mode) // MkdirAll's mode is cut by the umask
	}
	return nil
}

// openLog opens the server's log for appending, readable by us alone: it
// may hold statements with patient data in them.
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // a log made by an older version
		f.Close()
		return nil, err
	}
	return f, nil
}

// launch starts the postmaster and waits until it accepts connections.
func (c *Cluster) launch(ctx context.Context) error {
	host := ""
	if c.opts.TCP {
		host = "127.0.0.1"
	}
	args := []string{
		"-D", c.dir, "-p", strconv.Itoa(c.port), "-k", c.socket, "-h", host,
		"-c", "max_connections=200", "-c", "shared_buffers=64MB",
		"-c", "password_encryption=scram-sha-256", "-c", "unix_socket_permissions=0700",
	}
	if !c.opts.Durable {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(c.opts.BinDir, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = c.logFile, c.logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Setpgid: true}
	if c.opts.DieWithParent {
		// SIGQUIT is PostgreSQL's immediate shutdown: it also stops the backends.
		cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	exited := make(chan struct{})
	c.mu.Lock()
	c.cmd, c.exited, c.waitErr = cmd, exited, nil
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		c.mu.Lock()
		c.waitErr = err
		c.mu.Unlock()
		close(exited)
	}()
	if err := c.waitReady(ctx, exited); err != nil {
		_ = c.Stop()
		return err
	}
	return nil
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

// initdb creates the cluster with a random superuser password (SCRAM for
// every connection) and keeps the passwords in the secrets file.
func initdb(ctx context.Context, bin, dir string, cred *syscall.Credential) (secrets, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return secrets{}, fmt.Errorf("create %s: %w", dir, err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return secrets{}, fmt.Errorf("give %s to the database user: %w", dir, err)
		}
	}
	sec := secrets{Superuser: newPassword(), App: newPassword()}
	// initdb reads the password from a file it can open: a private one
	// in a directory of its own, removed straight after.
	pwDir, err := os.MkdirTemp("", "lmnpw")
	if err != nil {
		return secrets{}, err
	}
	defer os.RemoveAll(pwDir)
	pwFile := filepath.Join(pwDir, "pw")
	if err := os.WriteFile(pwFile, []byte(sec.Superuser+"\n"), 0o600); err != nil {
		return secrets{}, err
	}
	if cred != nil {
		for _, p := range []string{pwDir, pwFile} {
			if err := os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return secrets{}, err
			}
		}
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"),
		"-D", dir, "-U", Superuser, "--auth=scram-sha-256", "--pwfile="+pwFile,
		"--encoding=UTF8", "--locale=C", "--no-sync")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return secrets{}, fmt.Errorf("initdb %s: %w\n%s", dir, err, out)
	}
	if err := writeSecrets(dir, sec); err != nil {
		return secrets{}, err
	}
	return sec, nil
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

func (c *Cluster) waitReady(ctx context.Context, exited <-chan struct{}) error {
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
		case <-exited:
			return fmt.Errorf("%w (%v); see postgres.log in %s", errExitedEarly, c.exitErr(), c.logDir())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres on %s not ready after 60 s: %w", c.dir, err)
		}
	}
}

// DSN returns a lib/pq connection string for database name over the
// socket, as the superuser: for migrations, set-up and tests.
func (c *Cluster) DSN(name string) string {
	return c.dsn(Superuser, c.secret.Superuser, name)
}

// AppDSN returns the connection string of the application role (no
// superuser; see Secure) for database name over the socket.
func (c *Cluster) AppDSN(name string) string {
	return c.dsn(AppRole, c.secret.App, name)
}

func (c *Cluster) dsn(role, password, name string) string {
	pw := ""
	if password != "" { // none yet: a legacy cluster before it is locked
		pw = " password=" + password
	}
	return fmt.Sprintf("host=%s port=%d user=%s%s dbname=%s sslmode=disable", c.socket, c.port, role, pw, name)
}

// URL returns a postgres:// URL of the superuser for database name: over
// loopback TCP when the cluster listens there, else over the socket.
func (c *Cluster) URL(name string) string {
	return c.url(Superuser, c.secret.Superuser, name)
}

// AppURL is URL for the application role.
func (c *Cluster) AppURL(name string) string {
	return c.url(AppRole, c.secret.App, name)
}

func (c *Cluster) url(role, password, name string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(role, password), Path: "/" + name}
	q := url.Values{"sslmode": {"disable"}}
	if c.opts.TCP {
		u.Host = fmt.Sprintf("127.0.0.1:%d", c.port)
	} else {
		q.Set("host", c.socket)
		q.Set("port", strconv.Itoa(c.port))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// SocketDir is the directory holding the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.socket }

// Dir is the data directory.
func (c *Cluster) Dir() string { return c.dir }

// MovedFrom is the directory the cluster was asked to use, when it runs
// elsewhere because its user could not reach that one; else "".
func (c *Cluster) MovedFrom() string { return c.movedFrom }

// Port is the server's port (the same after a restart): of its loopback
// TCP listener when it has one, else only its socket's name.
func (c *Cluster) Port() int { return c.port }

// BinDir is where the server binaries (and pg_dump, pg_restore) are.
func (c *Cluster) BinDir() string { return c.opts.BinDir }

// PID is the postmaster's process id.
func (c *Cluster) PID() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		pid, _ := runningPID(c.dir)
		return pid
	}
	return c.cmd.Process.Pid
}

// Exited is closed when the postmaster this process started exits; it is
// a new channel after Restart. It is never closed for an attached cluster.
func (c *Cluster) Exited() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.exited == nil {
		return make(chan struct{})
	}
	return c.exited
}

func (c *Cluster) exitErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.waitErr
}

func (c *Cluster) logDir() string {
	if c.movedFrom != "" {
		return filepath.Dir(c.movedFrom)
	}
	return filepath.Dir(c.dir)
}

// Stop shuts the server down cleanly (fast shutdown: open sessions are
// rolled back, everything committed is kept) and waits for it. An
// attached cluster (one this process did not start) is left running.
func (c *Cluster) Stop() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return nil
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-exited:
		return ignoreSignalExit(c.exitErr())
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		<-exited
		return fmt.Errorf("postgres did not stop in 30 s; forced: %v", c.exitErr())
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
