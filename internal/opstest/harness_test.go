// Package opstest tests Laminar's operations with the real binary: start
// from a directory PostgreSQL's user cannot reach, kill -9 of the private
// cluster, backup and restore, two servers on one database.
package opstest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the PostgreSQL driver
)

// bin is the laminar binary built once for the package.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lmbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "laminar")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "github.com/laminar-rx/laminar/cmd/laminar")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build laminar:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running `laminar serve`.
type server struct {
	t   *testing.T
	cmd *exec.Cmd
	URL string
	log *bytes.Buffer // stderr: the structured log
}

// serveDir returns a fresh directory for a data directory; PostgreSQL's
// user can enter it (see TestStartFromPrivateDirectory for one it cannot).
func serveDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/tmp", "lmo")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// environ is the process environment for a laminar command: nothing of
// the test's own Laminar settings, plus env.
func environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "LAMINAR_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		out = append(out, kv)
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// startServe runs `laminar serve args...` in dir and waits until it says
// it is ready. The server dies with the test binary (and then stops its
// cluster); cleanup stops it with SIGTERM.
func startServe(t *testing.T, dir string, env map[string]string, args ...string) *server {
	t.Helper()
	if _, ok := env["LAMINAR_ADDR"]; !ok {
		env["LAMINAR_ADDR"] = "127.0.0.1:0"
	}
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Dir = dir
	cmd.Env = environ(env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	s := &server{t: t, cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stderr = &lockedWriter{w: s.log}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.stop() })
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Laminar is ready on "); ok {
			s.URL, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if s.URL == "" {
		_ = cmd.Wait()
		t.Fatalf("laminar serve did not get ready:\n%s", s.logText())
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return s
}

// stop sends SIGTERM and waits for a clean exit.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			s.t.Errorf("laminar serve exited with %v:\n%s", err, s.logText())
		}
	case <-time.After(60 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		s.t.Errorf("laminar serve did not stop within a minute of SIGTERM")
	}
}

func (s *server) logText() string {
	lw := s.cmd.Stderr.(*lockedWriter)
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return s.log.String()
}

// laminar runs a one-off command and returns its stdout; it fails the
// test on a non-zero exit unless wantFail.
func laminar(t *testing.T, dir string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = environ(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("laminar %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), err
}

// client talks to one server as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func login(t *testing.T, base, user string) *client {
	t.Helper()
	c := &client{t: t, base: base}
	var out struct{ Token string }
	if code := c.do("POST", "/api/v1/login", map[string]string{"username": user, "password": "demo-" + user}, &out); code != 200 {
		t.Fatalf("login %s = %d", user, code)
	}
	c.token = out.Token
	return c
}

// do sends a JSON request and decodes a JSON answer into out (when not
// nil); it returns the status code.
func (c *client) do(method, path string, body, out any) int {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s = %d, not JSON: %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode
}

// queued returns the ids of the preparations waiting in the queue.
func (c *client) queued() []int64 {
	c.t.Helper()
	var q struct {
		Items []struct {
			ID     int64  `json:"preparation_id"`
			Status string `json:"status"`
		} `json:"items"`
	}
	if code := c.do("GET", "/api/v1/queue", nil, &q); code != 200 {
		c.t.Fatalf("queue = %d", code)
	}
	var ids []int64
	for _, it := range q.Items {
		if it.Status == "queued" {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// status returns a preparation's status.
func (c *client) status(id int64) string {
	c.t.Helper()
	var p struct{ Status string }
	if code := c.do("GET", fmt.Sprintf("/api/v1/preparations/%d", id), nil, &p); code != 200 {
		c.t.Fatalf("preparation %d = %d", id, code)
	}
	return p.Status
}

// readyz returns the readiness code and the error code, if any.
func readyz(base string) (int, string, error) {
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&env)
	return resp.StatusCode, env.Error.Code, nil
}

// tableDigests returns, for every table of the public schema, its row
// count and a digest of its rows in a stable order, and every sequence's
// last value: two databases with equal digests hold the same data.
func tableDigests(t *testing.T, dsn string) map[string]string {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	type rel struct{ name, kind string }
	var rels []rel
	for rows.Next() {
		var r rel
		if err := rows.Scan(&r.name, &r.kind); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	rows.Close()
	out := map[string]string{}
	for _, r := range rels {
		q := fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '') FROM %q x`, r.name)
		if r.kind == "S" {
			q = fmt.Sprintf(`SELECT last_value || ':' || is_called FROM %q`, r.name)
		}
		var d string
		if err := db.QueryRowContext(ctx, q).Scan(&d); err != nil {
			t.Fatalf("digest of %s: %v", r.name, err)
		}
		out[r.name] = d
	}
	return out
}

// lockedWriter lets the test read a log the server is still writing.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
