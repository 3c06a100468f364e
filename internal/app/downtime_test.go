package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/downtime"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// With LAMINAR_DOWNTIME_DIR set, serve writes the downtime report as soon
// as it starts (and again on its schedule).
func TestServeWritesTheDowntimeReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "downtime")
	url := testdb.NewURL(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": url,
			"LAMINAR_DOWNTIME_DIR": dir, "LAMINAR_DOWNTIME_EVERY": "1m"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Start(ctx, cfg, quiet, app.Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	index := filepath.Join(dir, downtime.CurrentName, "000-index.pdf")
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(index); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no downtime index at %s a minute after start", index)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := a.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, downtime.CurrentName, "*-P*.pdf"))
	if len(files) == 0 {
		t.Fatal("the report holds no worksheet of the demo queue")
	}
}
