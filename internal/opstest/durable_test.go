package opstest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The attack on durability: a change is answered only once it is safe on
// disk. Changes that log an event commit without waiting for their own
// flush and are made durable by the seal of the log that follows; if any
// change were answered before that seal's flush, kill -9 of the postmaster
// (which loses what is still in PostgreSQL's WAL buffers) would lose an
// answered change. Eight tablets scan as fast as they can; the postmaster
// is killed in the middle; after the restart every answered scan is in the
// log, and the log verifies.
func TestAnsweredChangesSurviveKill9OfThePostmaster(t *testing.T) {
	s, data, tech, prepID := demoWithAClaim(t)
	prep := fmt.Sprintf("/api/v1/preparations/%d", prepID)
	var w struct {
		Steps []struct{ ID, Kind string } `json:"steps"`
	}
	if code := tech.do("GET", prep, nil, &w); code != 200 {
		t.Fatalf("preparation = %d", code)
	}
	step := ""
	for _, st := range w.Steps {
		if strings.HasPrefix(st.Kind, "scan_") {
			step = st.ID
			break
		}
	}
	if step == "" {
		t.Fatalf("no scan step in %+v", w.Steps)
	}
	// A product that is not on the recipe: every scan is refused, and
	// recorded and logged like an accepted one, however many are sent.
	body, _ := json.Marshal(map[string]any{"step_id": step, "data": "(01)00300027597011"})
	var answered, refusedByDown atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", s.URL+prep+"/scans", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tech.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusCreated, http.StatusUnprocessableEntity:
					answered.Add(1)
				default:
					refusedByDown.Add(1)
				}
			}
		}()
	}
	for answered.Load() < 150 {
		time.Sleep(time.Millisecond)
	}
	pgDir := filepath.Join(data, "pg")
	pid := postmasterPID(t, pgDir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Keep sending while the cluster is down and restarted: no answer
	// of success may come from a change that is then lost.
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _, err := readyz(s.URL)
		if err == nil && code == 200 && postmasterPID(t, pgDir) != pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready again after the kill:\n%s", s.logText())
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	// Ready means the cluster answers; a pooled connection from before
	// the kill may still fail one request, so the first login may be
	// told to try again.
	var safety *client
	for safety == nil {
		c := &client{t: t, base: s.URL}
		var out struct{ Token string }
		switch code := c.do("POST", "/api/v1/login", map[string]string{"username": "safety1", "password": "demo-safety1"}, &out); code {
		case 200:
			c.token, safety = out.Token, c
		case http.StatusServiceUnavailable:
			if time.Now().After(deadline) {
				t.Fatal("login still refused long after the restart")
			}
			time.Sleep(10 * time.Millisecond)
		default:
			t.Fatalf("login safety1 = %d", code)
		}
	}
	logged := countEvents(t, safety, fmt.Sprintf("/api/v1/audit?preparation=%d&type=preparation.scan_refused&format=csv", prepID))
	t.Logf("%d scans answered (%d answered 503 while the database was down), %d in the log after the restart",
		answered.Load(), refusedByDown.Load(), logged)
	if int64(logged) < answered.Load() {
		t.Fatalf("%d scans were answered but only %d are in the log after kill -9 of the postmaster: answered changes were lost",
			answered.Load(), logged)
	}
	var v struct{ OK bool }
	if code := safety.do("GET", "/api/v1/audit/verify", nil, &v); code != 200 || !v.OK {
		t.Fatalf("the log does not verify after the restart: %d %+v", code, v)
	}
}

// countEvents counts the rows of a CSV export of the log.
func countEvents(t *testing.T, c *client, path string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s = %d", path, resp.StatusCode)
	}
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return len(rows) - 1
}
