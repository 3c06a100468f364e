package jobs

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Two instances, one job: the first to look runs it, the second finds it
// not due; while one instance holds the job's lock, the other skips it
// even when it is due.
func TestOneInstanceRunsEachJob(t *testing.T) {
	st := testdb.New(t)
	ctx := context.Background()
	var runs atomic.Int32
	job := Job{Name: "count", Every: time.Hour, Run: func(context.Context) (string, error) {
		runs.Add(1)
		return "counted", nil
	}}
	a := &Scheduler{DB: st.DB.DB, Log: quiet, Instance: "a", Jobs: []Job{job}}
	b := &Scheduler{DB: st.DB.DB, Log: quiet, Instance: "b", Jobs: []Job{job}}
	if ran, err := a.try(ctx, job); err != nil || !ran {
		t.Fatalf("first look: ran %v, %v", ran, err)
	}
	if ran, err := b.try(ctx, job); err != nil || ran {
		t.Fatalf("second instance, same period: ran %v, %v", ran, err)
	}
	var ok bool
	var detail, instance string
	if err := st.DB.QueryRow(`SELECT ok, detail, instance FROM job_runs WHERE job = 'count'`).Scan(&ok, &detail, &instance); err != nil || !ok || detail != "counted" || instance != "a" {
		t.Fatalf("job_runs: %v %q %q %v", ok, detail, instance, err)
	}

	// Another instance is running a due job: its lock is held.
	due := Job{Name: "due", Every: time.Millisecond, Run: job.Run}
	conn, err := st.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext('due'))`, lockClass); err != nil {
		t.Fatal(err)
	}
	if ran, err := b.try(ctx, due); err != nil || ran {
		t.Fatalf("locked elsewhere: ran %v, %v", ran, err)
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1, hashtext('due'))`, lockClass); err != nil {
		t.Fatal(err)
	}
	if ran, err := b.try(ctx, due); err != nil || !ran {
		t.Fatalf("unlocked and due: ran %v, %v", ran, err)
	}
	if runs.Load() != 2 {
		t.Fatalf("%d runs, want 2", runs.Load())
	}
}

// Three schedulers hammering one short job: never two runs at once, and
// the starts recorded are always at least one period apart.
func TestRunsNeverOverlapAndKeepTheirPeriod(t *testing.T) {
	st := testdb.New(t)
	const every = 150 * time.Millisecond
	var running, overlaps atomic.Int32
	job := Job{Name: "slow", Every: every, Run: func(context.Context) (string, error) {
		if running.Add(1) > 1 {
			overlaps.Add(1)
		}
		time.Sleep(20 * time.Millisecond)
		running.Add(-1)
		return "", nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b", "c"} {
		s := &Scheduler{DB: st.DB.DB, Log: quiet, Instance: name, Jobs: []Job{job}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				s.RunDue(ctx)
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	// Wait for a few runs, however long the machine takes.
	for {
		var n int
		if err := st.DB.Get(&n, `SELECT count(*) FROM job_runs WHERE job = 'slow' AND finished_at IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		if n >= 4 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if overlaps.Load() != 0 {
		t.Fatalf("%d overlapping runs", overlaps.Load())
	}
	var starts []time.Time
	if err := st.DB.Select(&starts, `SELECT started_at FROM job_runs WHERE job = 'slow' ORDER BY started_at`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(starts); i++ {
		if gap := starts[i].Sub(starts[i-1]); gap < every {
			t.Fatalf("runs %d and %d started %s apart, under the period %s", i, i+1, gap, every)
		}
	}
}

func TestTick(t *testing.T) {
	for _, tc := range []struct {
		every []time.Duration
		want  time.Duration
	}{
		{[]time.Duration{time.Hour}, time.Minute},
		{[]time.Duration{time.Hour, 2 * time.Minute}, 30 * time.Second},
		{[]time.Duration{time.Second}, 250 * time.Millisecond},
		{[]time.Duration{time.Millisecond}, 100 * time.Millisecond},
	} {
		s := &Scheduler{}
		for _, e := range tc.every {
			s.Jobs = append(s.Jobs, Job{Every: e})
		}
		if got := s.Tick(); got != tc.want {
			t.Errorf("Tick for %v = %s, want %s", tc.every, got, tc.want)
		}
	}
}
