package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// server is the real laminar binary running `serve` against a database.
type server struct {
	t    *testing.T
	bin  string
	env  []string
	url  string
	cmd  *exec.Cmd
	logs *bytes.Buffer
}

// buildLaminar builds the laminar command into a temporary directory.
func buildLaminar(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "laminar")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/laminar")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *server) start() {
	s.t.Helper()
	s.logs = &bytes.Buffer{}
	s.cmd = exec.Command(s.bin, "serve")
	s.cmd.Env = s.env
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.kill()
	s.t.Fatalf("laminar serve did not become ready:\n%s", s.logs)
}

// kill sends SIGKILL: no graceful shutdown, requests in flight are cut.
func (s *server) kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// apiClient is one tablet's HTTP client with its session token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func login(t testing.TB, base, user string) *apiClient {
	t.Helper()
	c := &apiClient{base: base, http: &http.Client{Timeout: 10 * time.Second}}
	st, b, err := c.do("POST", "/api/v1/login", map[string]string{"username": user, "password": "demo-" + user}, "")
	if err != nil || st != http.StatusOK {
		t.Fatalf("login %s: %d %s %v", user, st, b, err)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Token == "" {
		t.Fatalf("login answer %s: %v", b, err)
	}
	c.token = out.Token
	return c
}

func (c *apiClient) do(method, path string, body any, key string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

// plannedScan is one scan a tablet will send, under its own key.
type plannedScan struct {
	prep int64
	key  string
	body map[string]any
}

// planScans creates n preparations (orders placed as pharm1), claims them
// as tech and plans every scan they need.
func planScans(t testing.TB, base string, pharm, tech *apiClient, n int, tag string) []plannedScan {
	t.Helper()
	exp := time.Now().AddDate(1, 0, 0)
	var plan []plannedScan
	for i := 0; i < n; i++ {
		st, b, err := pharm.do("POST", "/api/v1/orders", simpleOrder("potassium chloride", "20 mEq", "sodium chloride 0.9%", "100 mL"), "")
		if err != nil || st != http.StatusCreated {
			t.Fatalf("order: %d %s %v", st, b, err)
		}
		var o struct {
			PreparationID int64 `json:"preparation_id"`
		}
		_ = json.Unmarshal(b, &o)
		if st, b, err := tech.do("POST", path(o.PreparationID, "/claim"), nil, ""); err != nil || st != http.StatusOK {
			t.Fatalf("claim: %d %s %v", st, b, err)
		}
		_, b, _ = tech.do("GET", path(o.PreparationID, ""), nil, "")
		var w worksheet
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		for _, s := range w.Steps {
			gtin := ""
			switch s.Kind {
			case "scan_diluent":
				gtin = w.AllowedDiluents[0].GTIN
			case "scan_vial":
				gtin = w.AllowedProducts[0].GTIN
			default:
				continue
			}
			for k := 0; k < s.Expects.Count; k++ {
				plan = append(plan, plannedScan{prep: o.PreparationID, key: fmt.Sprintf("%s-%d-%s-%d", tag, o.PreparationID, s.ID, k),
					body: map[string]any{"step_id": s.ID, "data": gs1(gtin, exp, "DUR", fmt.Sprintf("%s%d%s%d", tag, o.PreparationID, s.ID, k))}})
			}
		}
	}
	return plan
}

type ack struct {
	status int
	body   []byte
}

// TestDurabilityKill9: kill -9 the server during a burst of scans; after a
// restart every acknowledged scan is stored exactly once, and retrying every
// key returns the stored answer without recording anything twice.
func TestDurabilityKill9(t *testing.T) {
	bin := buildLaminar(t)
	st, _ := demoStore(t)
	var dbName string
	if err := st.DB.Get(&dbName, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	srv := &server{t: t, bin: bin, url: "http://" + addr, env: append(os.Environ(),
		"DATABASE_URL="+testdb.Cluster(t).URL(dbName), "LAMINAR_ADDR="+addr,
		"LAMINAR_DATA_DIR="+t.TempDir(), "LAMINAR_LOG_LEVEL=warn")}
	srv.start()
	defer srv.kill()

	pharm := login(t, srv.url, "pharm1")
	tech := login(t, srv.url, "tech1")
	plan := planScans(t, srv.url, pharm, tech, 30, "d")
	acked := burstAndKill(t, srv, tech, plan)
	checkAckedStoredOnce(t, st, acked)
	retryEveryKeyAfterRestart(t, srv, st, tech, plan, acked)
}

// burstAndKill has 8 tablets send the planned scans and kills the server
// part-way through; it returns the answers the tablets received.
func burstAndKill(t *testing.T, srv *server, tech *apiClient, plan []plannedScan) map[string]ack {
	var mu sync.Mutex
	acked := map[string]ack{}
	work := make(chan plannedScan)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &apiClient{base: srv.url, token: tech.token, http: &http.Client{Timeout: 5 * time.Second}}
			for p := range work {
				status, body, err := c.do("POST", path(p.prep, "/scans"), p.body, p.key)
				if err == nil && status < 500 {
					mu.Lock()
					acked[p.key] = ack{status, body}
					mu.Unlock()
				}
			}
		}()
	}
	killed := make(chan struct{})
	go func() {
		for {
			mu.Lock()
			n := len(acked)
			mu.Unlock()
			if n >= len(plan)/3 {
				srv.kill()
				close(killed)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for _, p := range plan {
		select {
		case work <- p:
		case <-killed:
		}
	}
	close(work)
	wg.Wait()
	<-killed
	mu.Lock()
	nAcked := len(acked)
	mu.Unlock()
	if nAcked == 0 || nAcked == len(plan) {
		t.Fatalf("the kill did not land mid-burst: %d of %d scans acknowledged", nAcked, len(plan))
	}
	t.Logf("killed after %d of %d scans were acknowledged", nAcked, len(plan))
	return acked
}

// checkAckedStoredOnce checks every acknowledged scan is stored exactly once.
func checkAckedStoredOnce(t *testing.T, st *store.Store, acked map[string]ack) {
	for key, a := range acked {
		if a.status != http.StatusCreated {
			t.Errorf("scan %s was answered %d %s", key, a.status, a.body)
			continue
		}
		var rec struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(a.body, &rec); err != nil || rec.ID == 0 {
			t.Fatalf("scan answer %s: %v", a.body, err)
		}
		var n int
		if err := st.DB.Get(&n, `SELECT count(*) FROM scans WHERE id = $1`, rec.ID); err != nil || n != 1 {
			t.Errorf("acknowledged scan %d (%s) stored %d times", rec.ID, key, n)
		}
	}
}

// retryEveryKeyAfterRestart restarts the server and retries every key:
// acknowledged ones answer as before, and nothing is recorded twice.
func retryEveryKeyAfterRestart(t *testing.T, srv *server, st *store.Store, tech *apiClient, plan []plannedScan, acked map[string]ack) {
	srv.start()
	for _, p := range plan {
		status, body, err := tech.do("POST", path(p.prep, "/scans"), p.body, p.key)
		if err != nil || status != http.StatusCreated {
			t.Fatalf("retry %s after restart: %d %s %v", p.key, status, body, err)
		}
		if a, ok := acked[p.key]; ok && !bytes.Equal(a.body, body) {
			t.Errorf("retry of %s answered differently:\n%s\n%s", p.key, a.body, body)
		}
	}
	var total, distinct int
	if err := st.DB.Get(&total, `SELECT count(*) FROM scans`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Get(&distinct, `SELECT count(DISTINCT (preparation_id, step_id, serial)) FROM scans`); err != nil {
		t.Fatal(err)
	}
	if total != len(plan) || distinct != len(plan) {
		t.Fatalf("after retries: %d scans (%d distinct), want exactly %d", total, distinct, len(plan))
	}
	if rep, err := audit.Verify(context.Background(), st.DB); err != nil || !rep.OK {
		t.Fatalf("audit chain after kill -9: %+v %v", rep, err)
	}
}
