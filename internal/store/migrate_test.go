package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// Several `laminar migrate` at once on an empty database (instances and a
// deploy job starting together): each migration is applied once, and every
// one of them succeeds.
func TestConcurrentMigrations(t *testing.T) {
	c := testdb.Cluster(t)
	ctx := context.Background()
	name := fmt.Sprintf("migr%d", os.Getpid())
	if err := c.EnsureDatabase(ctx, name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if admin, err := sql.Open("postgres", c.DSN("postgres")); err == nil {
			_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
			admin.Close()
		}
	})
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := sql.Open("postgres", c.DSN(name))
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = store.Migrate(ctx, db, quiet)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d: %v", i, err)
		}
	}
	db, err := sql.Open("postgres", c.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.CheckSchema(ctx, db); err != nil {
		t.Fatal(err)
	}
	var dup int
	if err := db.QueryRow(`SELECT count(*) FROM (SELECT version_id FROM goose_db_version GROUP BY version_id HAVING count(*) > 1) d`).Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("%d migrations applied twice (%v)", dup, err)
	}
}
