package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// startWith starts a server on a fresh database with extra settings.
func startWith(t *testing.T, env map[string]string) *app.App {
	t.Helper()
	env["LAMINAR_ADDR"], env["DATABASE_URL"], env["LAMINAR_DATA_DIR"] = "127.0.0.1:0", testdb.NewURL(t), t.TempDir()
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), cfg, quiet, app.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return a
}

func dial(t *testing.T, a *app.App) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(a.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// closedBy waits (at most a minute) for the server to answer or close the
// connection and reports whether it did.
func closedBy(conn net.Conn) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
		_, _ = io.Copy(io.Discard, conn)
	}()
	return done
}

// The attack: a body trickled at a few bytes a second keeps a connection
// and its goroutine for as long as the client likes. The read timeout
// ends it long before the body is complete.
func TestTrickledBodyIsCutOff(t *testing.T) {
	a := startWith(t, map[string]string{"LAMINAR_READ_TIMEOUT": "1s"})
	conn := dial(t, a)
	const size = 300
	if _, err := io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	done := closedBy(conn)
	sent := 0
	for ; sent < size; sent++ {
		select {
		case <-done:
		case <-time.After(100 * time.Millisecond):
			if _, err := conn.Write([]byte(" ")); err != nil {
				break
			}
			continue
		}
		break
	}
	if sent >= size {
		t.Fatalf("the whole trickled body (%d bytes, one per 100 ms) was read: no read timeout", size)
	}
}

// The attack: idle keep-alive connections held open. The idle timeout
// closes them.
func TestIdleKeepAliveIsClosed(t *testing.T) {
	a := startWith(t, map[string]string{"LAMINAR_IDLE_TIMEOUT": "1s"})
	conn := dial(t, a)
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
	if _, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("an idle keep-alive connection: read = %v; want the server to close it (EOF)", err)
	}
}

// A live event stream outlives the write timeout, and ends once its
// session is logged out.
func TestLiveStreamOutlivesWriteTimeoutAndEndsAtLogout(t *testing.T) {
	a := startWith(t, map[string]string{"LAMINAR_WRITE_TIMEOUT": "1s"})
	var login struct {
		Token string `json:"token"`
	}
	resp, err := http.Post(a.URL()+"/api/v1/login", "application/json", strings.NewReader(`{"username":"pharm1","password":"demo-pharm1"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %v %v", resp, err)
	}
	json.NewDecoder(resp.Body).Decode(&login)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", a.URL()+"/events/preparations", nil)
	req.Header.Set("Authorization", "Bearer "+login.Token)
	stream, err := http.DefaultClient.Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("events: %v %v", stream, err)
	}
	defer stream.Body.Close()
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stream.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	time.Sleep(1500 * time.Millisecond) // past the write timeout
	if _, err := a.Store.DB.Exec(`SELECT pg_notify('laminar_preparations', '{"id":1,"status":"queued"}')`); err != nil {
		t.Fatal(err)
	}
	for got := false; !got; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended at the write timeout")
			}
			got = l == "event: preparation"
		case <-time.After(30 * time.Second):
			t.Fatal("no event within 30 s")
		}
	}
	out, _ := http.NewRequest("POST", a.URL()+"/api/v1/logout", nil)
	out.Header.Set("Authorization", "Bearer "+login.Token)
	if r, err := http.DefaultClient.Do(out); err != nil || r.StatusCode != 204 && r.StatusCode != 200 {
		t.Fatalf("logout: %v %v", r, err)
	}
	for {
		select {
		case _, ok := <-lines:
			if !ok {
				return // the stream ended
			}
		case <-time.After(time.Minute):
			t.Fatal("the stream still runs a minute after its session was logged out")
		}
	}
}
