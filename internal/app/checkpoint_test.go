package app_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// serve signs a checkpoint by itself, creating the key (0600) on first
// use, and the log verifies against it.
func TestServeSignsCheckpoints(t *testing.T) {
	dir := t.TempDir()
	url := testdb.NewURL(t)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": url, "LAMINAR_DATA_DIR": dir,
			"LAMINAR_AUDIT_CHECKPOINT_EVERY": "1s"}[k]
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
	var cps []audit.Checkpoint
	for deadline := time.Now().Add(time.Minute); len(cps) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no checkpoint written in a minute")
		}
		if cps, err = audit.ReadCheckpoints(cfg.CheckpointsFile()); err != nil {
			t.Fatal(err)
		}
	}
	if cps[0].LastID == 0 || cps[0].Events != cps[0].LastID {
		t.Fatalf("checkpoint %+v; want the seeded log's head", cps[0])
	}
	if st, err := os.Stat(filepath.Join(dir, "audit.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key: %v %v", st, err)
	}
	rep, err := audit.VerifyWithCheckpoints(ctx, a.Store.DB, cfg.CheckpointsFile(), cfg.AuditPublicKeyFile())
	if err != nil || !rep.OK || rep.Checkpoints == 0 {
		t.Fatalf("verify %+v %v", rep, err)
	}
}
