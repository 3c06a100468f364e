package exchange_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) {
	// The crash test runs the server in a child process (this test binary
	// again) so that it can kill it.
	if os.Getenv(childEnv) == "1" {
		runChildServer()
		return
	}
	testdb.Main(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// server is a whole Laminar server with demo data, its MLLP listener on a
// loopback port, and a receiver standing in for the pharmacy system that
// takes the dispense messages.
type server struct {
	t        *testing.T
	app      *app.App
	dsn      string
	received *receiver
}

type env map[string]string

func startServer(t *testing.T, extra env) *server {
	t.Helper()
	rc := startReceiver(t)
	url := testdb.NewURL(t)
	vars := env{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": url, "LAMINAR_MLLP_ADDR": "127.0.0.1:0", "LAMINAR_MLLP_OUT": rc.addr}
	for k, v := range extra {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), cfg, quiet, app.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return &server{t: t, app: a, dsn: url, received: rc}
}

// sample reads a message from testdata/hl7.
func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "hl7", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// send sends one message with the project's own MLLP client.
func (s *server) send(msg []byte) *hl7.Message {
	s.t.Helper()
	c, err := mllp.Dial(context.Background(), s.app.MLLPAddr())
	if err != nil {
		s.t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.Send(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	ack, err := hl7.Parse(raw)
	if err != nil {
		s.t.Fatalf("unreadable ACK %q: %v", raw, err)
	}
	return ack
}

// mllpSend sends a file with Debian's mllp_send (python3-hl7) and returns
// the acknowledgment it printed.
func (s *server) mllpSend(file string) *hl7.Message {
	s.t.Helper()
	host, port, _ := net.SplitHostPort(s.app.MLLPAddr())
	out, err := exec.Command("/usr/bin/mllp_send", "--loose", "-f", file, "-p", port, host).CombinedOutput()
	if err != nil {
		s.t.Fatalf("mllp_send: %v\n%s", err, out)
	}
	// It prints the answer as received, framing bytes included.
	ack, err := hl7.Parse(bytes.Trim(out, "\x0b\x1c\r\n"))
	if err != nil {
		s.t.Fatalf("mllp_send printed no ACK: %v\n%q", err, out)
	}
	return ack
}

// api calls the HTTP API with a bearer token and returns status and body.
func (s *server) api(method, path, token, contentType string, body []byte) (int, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.app.URL()+path, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (s *server) login(user string) string {
	s.t.Helper()
	code, body := s.api("POST", "/api/v1/login", "", "application/json", []byte(`{"username":"`+user+`","password":"demo-`+user+`"}`))
	if code != 200 {
		s.t.Fatalf("login %s: %d %s", user, code, body)
	}
	var r struct{ Token string }
	_ = json.Unmarshal(body, &r)
	return r.Token
}

// count runs a counting query on the server's database.
func (s *server) count(query string, args ...any) int {
	s.t.Helper()
	var n int
	if err := s.app.Store.DB.GetContext(context.Background(), &n, query, args...); err != nil {
		s.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func wantAck(t *testing.T, ack *hl7.Message, code, controlID string) {
	t.Helper()
	if ack.Get("MSA-1") != code || ack.Get("MSA-2") != controlID {
		t.Fatalf("ACK MSA %s/%s, want %s/%s; ERR %q", ack.Get("MSA-1"), ack.Get("MSA-2"), code, controlID, ack.Get("ERR-8"))
	}
}

// receiver is an MLLP server that records what it receives and answers AA
// (or, while failing is set, AE).
type receiver struct {
	addr string
	mu   sync.Mutex
	msgs [][]byte
	fail bool
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &receiver{addr: ln.Addr().String()}
	srv := &mllp.Server{Log: quiet, Handler: mllp.HandlerFunc(func(_ context.Context, msg []byte, _ bool) []byte {
		m, err := hl7.Parse(msg)
		if err != nil {
			return nil
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		code := hl7.AA
		if r.fail {
			code = hl7.AE
		} else {
			r.msgs = append(r.msgs, msg)
		}
		return hl7.Ack(hl7.HeaderOf(m), code, "R1", nil, time.Now())
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return r
}

func (r *receiver) setFail(v bool) {
	r.mu.Lock()
	r.fail = v
	r.mu.Unlock()
}

func (r *receiver) messages() []*hl7.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*hl7.Message
	for _, b := range r.msgs {
		if m, err := hl7.Parse(b); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// replace returns msg with old replaced by new (once).
func replace(msg []byte, old, new string) []byte {
	return []byte(strings.Replace(string(msg), old, new, 1))
}

// srvStore opens the database at url for checks.
func srvStore(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
