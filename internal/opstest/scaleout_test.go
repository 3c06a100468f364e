package opstest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/pgcluster"
)

// Two `laminar serve` instances on one PostgreSQL (started here, given as
// DATABASE_URL), as behind a load balancer: a session made on one works
// on the other, each claim race across them has one winner, a status
// change made through one reaches the live stream of the other, each
// scheduled job runs on one instance at a time and once per period, and
// `laminar migrate` runs safely while both serve.
func TestTwoInstancesOnOneDatabase(t *testing.T) {
	dir := serveDir(t)
	ctx := context.Background()
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg"), DieWithParent: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	if err := c.EnsureDatabase(ctx, "laminar"); err != nil {
		t.Fatal(err)
	}
	backups := filepath.Join(dir, "backups")
	env := func() map[string]string {
		return map[string]string{
			"DATABASE_URL":               c.URL("laminar"),
			"LAMINAR_DATA_DIR":           filepath.Join(dir, "data"),
			"LAMINAR_HOUSEKEEPING_EVERY": "1s",
			"LAMINAR_AUDIT_VERIFY_EVERY": "1s",
			"LAMINAR_BACKUP_DIR":         backups,
			"LAMINAR_BACKUP_EVERY":       "1s",
			"LAMINAR_BACKUP_KEEP":        "2",
		}
	}
	if _, err := laminar(t, dir, env(), "migrate"); err != nil {
		t.Fatal(err)
	}
	if _, err := laminar(t, dir, env(), "seed", "--demo"); err != nil {
		t.Fatal(err)
	}
	a := startServe(t, dir, env())
	b := startServe(t, dir, env())

	t.Run("shared sessions", func(t *testing.T) {
		onA := login(t, a.URL, "pharm2")
		onB := &client{t: t, base: b.URL, token: onA.token}
		if code := onB.do("GET", "/api/v1/me", nil, nil); code != 200 {
			t.Fatalf("a session from A on B = %d", code)
		}
		if code := onB.do("POST", "/api/v1/logout", map[string]any{}, nil); code != 200 {
			t.Fatalf("logout on B = %d", code)
		}
		if code := onA.do("GET", "/api/v1/me", nil, nil); code != 401 {
			t.Fatalf("a session ended on B, used on A = %d", code)
		}
	})

	t.Run("claim races and live fan-out", func(t *testing.T) { claimRacesAndLiveFanOut(t, a, b) })

	t.Run("migrate while serving", func(t *testing.T) {
		out, err := laminar(t, dir, env(), "migrate")
		if err != nil || !strings.Contains(out, "schema at version") {
			t.Fatalf("migrate: %s %v", out, err)
		}
		for _, s := range []*server{a, b} {
			if code, _, _ := readyz(s.URL); code != 200 {
				t.Fatalf("readyz after migrate = %d", code)
			}
		}
	})

	t.Run("each job on one instance at a time, once per period", func(t *testing.T) { eachJobOncePerPeriod(t, c, backups) })
}

// claimRacesAndLiveFanOut races a claim through A against one through B,
// five times: each race has one winner, and each claim and release reaches
// the live stream on B.
func claimRacesAndLiveFanOut(t *testing.T, a, b *server) {
	tech1, tech2 := login(t, a.URL, "tech1"), login(t, b.URL, "tech2")
	ids := tech1.queued()
	if len(ids) == 0 {
		t.Fatal("empty queue")
	}
	id := ids[0]
	events := subscribe(t, b.URL, login(t, b.URL, "pharm1").token)
	path := fmt.Sprintf("/api/v1/preparations/%d", id)
	for round := 1; round <= 5; round++ {
		codes := make([]int, 2)
		var wg sync.WaitGroup
		for i, tc := range []*client{tech1, tech2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = tc.do("POST", path+"/claim", map[string]any{}, nil)
			}()
		}
		wg.Wait()
		var winner *client
		switch {
		case codes[0] == 200 && codes[1] == 409:
			winner = tech1
		case codes[0] == 409 && codes[1] == 200:
			winner = tech2
		default:
			t.Fatalf("round %d: claims through A and B answered %v; want one 200 and one 409", round, codes)
		}
		// The claim made on either instance reaches the stream on B.
		waitEvent(t, events, fmt.Sprintf(`"id":%d,"status":"in_progress"`, id))
		if code := winner.do("POST", path+"/release-claim", map[string]any{}, nil); code != 200 {
			t.Fatalf("round %d: release = %d", round, code)
		}
		waitEvent(t, events, fmt.Sprintf(`"id":%d,"status":"queued"`, id))
	}
}

// eachJobOncePerPeriod reads the job runs of the two instances: each
// scheduled job ran at least three times, never twice within its period of
// 1s, never failed; and old scheduled backups are pruned.
func eachJobOncePerPeriod(t *testing.T, c *pgcluster.Cluster, backups string) {
	db, err := sql.Open("postgres", c.DSN("laminar"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, job := range []string{"housekeeping", "audit-verify", "backup"} {
		var starts []time.Time
		for len(starts) < 3 {
			starts = starts[:0]
			rows, err := db.Query(`SELECT started_at FROM job_runs WHERE job = $1 AND ok ORDER BY started_at`, job)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s time.Time
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				starts = append(starts, s)
			}
			rows.Close()
			time.Sleep(100 * time.Millisecond)
		}
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < time.Second {
				t.Errorf("%s: runs started %s apart, under its period of 1s", job, gap)
			}
		}
		var failed int
		if err := db.QueryRow(`SELECT count(*) FROM job_runs WHERE job = $1 AND NOT ok`, job).Scan(&failed); err != nil || failed != 0 {
			t.Errorf("%s: %d failed runs (%v)", job, failed, err)
		}
	}
	// Old scheduled backups are pruned to the number kept.
	files, _ := filepath.Glob(filepath.Join(backups, "laminar-*.backup"))
	if len(files) == 0 || len(files) > 2 {
		t.Errorf("%d scheduled backups kept, want 1 or 2", len(files))
	}
}

// subscribe opens the live stream of preparation changes and returns its
// lines.
func subscribe(t *testing.T, base, token string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/events/preparations", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("events = %d", resp.StatusCode)
	}
	lines := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// waitEvent reads the stream until a data line contains want.
func waitEvent(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	// A bound on a liveness wait, not a measurement: an event that has
	// not come in half a minute is not coming.
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the live stream ended before %s", want)
			}
			if strings.HasPrefix(l, "data:") && strings.Contains(strings.ReplaceAll(l, " ", ""), want) {
				return
			}
		case <-deadline:
			t.Fatalf("no %s on the other instance's live stream", want)
		}
	}
}
