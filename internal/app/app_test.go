package app_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/pgcluster"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func embeddedConfig(t *testing.T, dataDir string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "LAMINAR_DATA_DIR": dataDir}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The private cluster starts, serves, stops with the server, and a second
// start reuses its data.
func TestEmbeddedStartStopReuse(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "lma")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cfg := embeddedConfig(t, dir)

	a, err := app.Start(ctx, cfg, quiet, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if code := get(t, a.URL()+"/readyz"); code != 200 {
		t.Fatalf("readyz = %d", code)
	}
	if err := a.Store.SetMeta(ctx, "kept", "yes"); err != nil {
		t.Fatal(err)
	}

	// A second server on the same data directory is refused.
	if _, err := app.Start(ctx, cfg, quiet, app.Options{}); !errors.Is(err, pgcluster.ErrInUse) {
		t.Fatalf("second Start = %v, want ErrInUse", err)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(cfg.PGDir() + "/postmaster.pid"); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("the cluster is still running after Shutdown")
	}

	b, err := app.Start(ctx, cfg, quiet, app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown(ctx)
	t.Logf("start-up to ready on an existing data directory: %s", b.ReadyIn)
	if v, err := b.Store.Meta(ctx, "kept"); err != nil || v != "yes" {
		t.Fatalf("data not reused: %q %v", v, err)
	}
}

// Against an external database whose schema is behind, serve refuses to
// start and says to run `laminar migrate`.
func TestExternalDatabaseBehindIsRefused(t *testing.T) {
	ctx := context.Background()
	c := testdb.Cluster(t)
	if err := c.EnsureDatabase(ctx, "behind"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": c.URL("behind")}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = app.Start(ctx, cfg, quiet, app.Options{})
	if !errors.Is(err, store.ErrSchemaBehind) || !strings.Contains(err.Error(), "laminar migrate") {
		t.Fatalf("Start on an unmigrated database = %v", err)
	}
	db, err := sql.Open("postgres", c.DSN("behind"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.Migrate(ctx, db, quiet); err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(ctx, cfg, quiet, app.Options{})
	if err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	defer a.Shutdown(ctx)
	if code := get(t, a.URL()+"/readyz"); code != 200 {
		t.Fatalf("readyz = %d", code)
	}
}

// BenchmarkStartExisting measures start-up to ready on an existing data
// directory (private cluster start + migrate check + serve).
func BenchmarkStartExisting(b *testing.B) {
	dir, err := os.MkdirTemp("/tmp", "lmb")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	cfg, _ := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "LAMINAR_DATA_DIR": dir}[k]
	})
	ctx := context.Background()
	a, err := app.Start(ctx, cfg, quiet, app.Options{})
	if err != nil {
		b.Fatal(err)
	}
	a.Shutdown(ctx)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		a, err := app.Start(ctx, cfg, quiet, app.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms-to-ready")
		b.StopTimer()
		a.Shutdown(ctx)
		b.StartTimer()
	}
}

// Start opens the whole configured pool and keeps it, so the first
// requests do not wait for new backends; the pool size is
// LAMINAR_DB_POOL's.
func TestStartWarmsThePool(t *testing.T) {
	for _, tc := range []struct {
		name, pool string
		want       int
	}{
		{"default", "", config.DefaultDBPool},
		{"configured", "5", 5},
		{"one connection", "1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := testdb.NewURL(t)
			cfg, err := config.Load(func(k string) string {
				return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": url, "LAMINAR_DB_POOL": tc.pool}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			a, err := app.Start(ctx, cfg, quiet, app.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Shutdown(ctx)
			s := a.Store.DB.Stats()
			if s.MaxOpenConnections != tc.want || s.OpenConnections != tc.want || s.Idle != tc.want {
				t.Fatalf("pool after Start: max %d, open %d, idle %d; want %d of each",
					s.MaxOpenConnections, s.OpenConnections, s.Idle, tc.want)
			}
			// The backends are really there, each having run the warm-up
			// (besides them, the live updates' LISTEN connection).
			var backends int
			if err := a.Store.DB.Get(&backends, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND backend_type = 'client backend' AND query NOT LIKE 'LISTEN %'`); err != nil {
				t.Fatal(err)
			}
			if backends != tc.want {
				t.Fatalf("%d backends after Start, want %d", backends, tc.want)
			}
			if code := get(t, a.URL()+"/readyz"); code != 200 {
				t.Fatalf("readyz = %d", code)
			}
		})
	}
}
