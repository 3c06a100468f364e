package app_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// Housekeeping removes what expired (sessions, throttle rows, idempotency
// keys, photos of closed preparations past the retention, old job runs)
// and keeps everything still in use and the whole compounding log.
func TestHousekeeping(t *testing.T) {
	url := testdb.NewURL(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": url, "LAMINAR_PHOTO_RETENTION": "90d"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Start(ctx, cfg, quiet, app.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(ctx)
	db := a.Store.DB
	now := time.Now()
	old := now.Add(-100 * 24 * time.Hour)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var uid, closedPrep, openPrep int64
	if err := db.GetContext(ctx, &uid, `SELECT id FROM users WHERE username = 'tech1'`); err != nil {
		t.Fatal(err)
	}
	var preps []int64
	if err := db.SelectContext(ctx, &preps, `SELECT id FROM preparations WHERE status = 'queued' ORDER BY id LIMIT 2`); err != nil || len(preps) < 2 {
		t.Fatalf("demo preparations: %v %v", preps, err)
	}
	closedPrep, openPrep = preps[0], preps[1]
	exec(`UPDATE preparations SET status = 'cancelled' WHERE id = $1`, closedPrep)

	sessionRow := `INSERT INTO sessions (token_hash, user_id, tablet, idle_seconds, remote_addr, created_at, last_seen, ended_at)
		VALUES ($1, $2, false, 3600, '', $3, $3, $4)`
	exec(sessionRow, []byte("expired"), uid, old, nil)
	exec(sessionRow, []byte("ended"), uid, old, old)
	exec(sessionRow, []byte("live"), uid, now, nil)
	exec(`INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES
		('user:old', 3, $1, NULL), ('user:locked', 5, $1, $2), ('user:new', 1, $3, NULL)`, old, now.Add(time.Hour), now)
	exec(`INSERT INTO idempotency_keys (user_id, route, key, request_hash, created_at) VALUES
		($1, 'r', 'old', 'h', $2), ($1, 'r', 'new', 'h', $3)`, uid, old, now)
	photo := `INSERT INTO photos (preparation_id, step_id, user_id, content_type, data, sha256, at) VALUES ($1, 's', $2, 'image/png', '\x00', 'x', $3)`
	exec(photo, closedPrep, uid, old) // closed and old: removed
	exec(photo, closedPrep, uid, now) // closed, recent: kept
	exec(photo, openPrep, uid, old)   // old, but its preparation is open: kept
	exec(`INSERT INTO job_runs (job, instance, started_at) VALUES ('x', 'i', $1), ('x', 'i', $2)`, old, now)
	var events int64
	if err := db.GetContext(ctx, &events, `SELECT count(*) FROM audit_events`); err != nil {
		t.Fatal(err)
	}

	detail, err := a.Housekeep(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(detail)
	for _, c := range []struct {
		q    string
		want int64
	}{
		{`SELECT count(*) FROM sessions WHERE token_hash IN ('expired', 'ended')`, 0},
		{`SELECT count(*) FROM sessions WHERE token_hash = 'live'`, 1},
		{`SELECT count(*) FROM login_throttle WHERE key = 'user:old'`, 0},
		{`SELECT count(*) FROM login_throttle WHERE key IN ('user:locked', 'user:new')`, 2},
		{`SELECT count(*) FROM idempotency_keys WHERE key = 'old'`, 0},
		{`SELECT count(*) FROM idempotency_keys WHERE key = 'new'`, 1},
		{`SELECT count(*) FROM photos WHERE preparation_id = ` + itoa(closedPrep), 1},
		{`SELECT count(*) FROM photos WHERE preparation_id = ` + itoa(openPrep), 1},
		{`SELECT count(*) FROM job_runs WHERE job = 'x'`, 1},
		{`SELECT count(*) FROM audit_events`, events},
	} {
		var got int64
		if err := db.GetContext(ctx, &got, c.q); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			t.Errorf("%s = %d, want %d", c.q, got, c.want)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
