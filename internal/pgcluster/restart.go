package pgcluster

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Restart starts the server again after it exited on its own (a crash, a
// kill -9): on the same directory and port, so connection strings stay
// valid; PostgreSQL replays its write-ahead log on the way up, so every
// committed transaction is back. Backends of a killed postmaster linger a
// moment holding its shared memory, which refuses a new postmaster, so
// they are killed and the start is retried until ctx ends.
func (c *Cluster) Restart(ctx context.Context) error {
	c.mu.Lock()
	cmd, exited := c.cmd, c.exited
	c.mu.Unlock()
	if cmd == nil {
		return errors.New("restart: this process did not start the cluster")
	}
	select {
	case <-exited:
	default:
		return errors.New("restart: the server is still running")
	}
	// The postmaster was started in its own process group, which its
	// backends share; only they can be left in it now.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	for {
		if pid, running := runningPID(c.dir); running {
			// Someone started a server by hand on this private directory
			// while ours was down (on another port, unknown to the
			// connection strings): it is stopped cleanly and ours takes
			// its place, so that the server's SIGTERM stops what runs.
			if err := stopForeign(ctx, c.dir, pid); err != nil {
				return err
			}
			c.mu.Lock()
			c.tookOver = append(c.tookOver, pid)
			c.mu.Unlock()
		}
		err := c.launch(ctx)
		if err == nil || !errors.Is(err, errExitedEarly) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("restart: %w (last attempt: %v)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Attach connects to a server already running on the directory that
// Start would use for o.Dir (another Laminar process's cluster), so
// commands such as backup and audit verify work while `serve` runs.
// Stop leaves an attached cluster running. It returns ErrNotRunning when
// no server runs there.
func Attach(ctx context.Context, o Options) (*Cluster, error) {
	requested, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	if o.BinDir == "" {
		if o.BinDir, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	for _, dir := range []string{requested, MovedDir(o.MoveBase, requested)} {
		if _, running := runningPID(dir); !running {
			continue
		}
		port, socket, err := readPIDFile(dir)
		if err != nil {
			return nil, err
		}
		o.Dir, o.Port = dir, port
		sec, err := readSecrets(dir)
		if err != nil {
			return nil, err
		}
		c := &Cluster{opts: o, dir: dir, socket: socket, port: port, secret: sec}
		if dir != requested {
			c.movedFrom = requested
		}
		db, err := sql.Open("postgres", c.DSN("postgres"))
		if err != nil {
			return nil, err
		}
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("the PostgreSQL server running on %s does not answer: %w", dir, err)
		}
		return c, nil
	}
	return nil, ErrNotRunning
}

// ErrNotRunning is Attach finding no server on the directory.
var ErrNotRunning = errors.New("no PostgreSQL server runs on the data directory")

// StartOrAttach attaches to the server running on the directory, or
// starts one (which the caller stops) when none runs.
func StartOrAttach(ctx context.Context, o Options) (*Cluster, error) {
	c, err := Attach(ctx, o)
	if errors.Is(err, ErrNotRunning) {
		return Start(ctx, o)
	}
	return c, err
}

// Attached reports whether the cluster belongs to another process.
func (c *Cluster) Attached() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cmd == nil
}

// readPIDFile reads the port (line 4) and socket directory (line 5) of
// postmaster.pid.
func readPIDFile(dir string) (port int, socket string, err error) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, "", err
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 5 {
		return 0, "", fmt.Errorf("%s/postmaster.pid is incomplete (the server is still starting?)", dir)
	}
	port, err = strconv.Atoi(strings.TrimSpace(lines[3]))
	if err != nil {
		return 0, "", fmt.Errorf("%s/postmaster.pid: port %q: %w", dir, lines[3], err)
	}
	socket = strings.TrimSpace(lines[4])
	if socket == "" {
		socket = dir
	}
	return port, socket, nil
}

// stopForeign asks the postmaster pid running on dir for a fast shutdown
// (open transactions roll back, everything committed stays) and waits for
// it to go.
func stopForeign(ctx context.Context, dir string, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("%w: stop the PostgreSQL server (pid %d) started by hand on %s: %v", ErrInUse, pid, dir, err)
	}
	for {
		if _, running := runningPID(dir); !running {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: the PostgreSQL server (pid %d) started by hand on %s did not stop: %v", ErrInUse, pid, dir, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TookOver lists the postmasters, started by hand on the directory, that
// Restart stopped to run its own.
func (c *Cluster) TookOver() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.tookOver...)
}
