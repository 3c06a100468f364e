// Package testdb gives every test its own real PostgreSQL database: one
// throwaway cluster per test binary (fsync off, dying with the test
// process), a template database migrated once, and a fresh clone of it per
// test, dropped on cleanup.
//
// Use it from a package's TestMain:
//
//	func TestMain(m *testing.M) { testdb.Main(m) }
//
// and in a test:
//
//	st := testdb.New(t)
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/pgcluster"
	"github.com/laminar-rx/laminar/internal/store"
)

const template = "laminar_template"

var (
	once    sync.Once
	cluster *pgcluster.Cluster
	tmpDir  string
	initErr error
	counter atomic.Int64
	// serialise CREATE DATABASE ... TEMPLATE: PostgreSQL refuses to copy a
	// template that another clone is copying at the same moment.
	cloneMu sync.Mutex
)

// Main runs the package's tests and then stops the cluster.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		_ = cluster.Stop()
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

func start() {
	tmpDir, initErr = os.MkdirTemp("/tmp", "lmt")
	if initErr != nil {
		return
	}
	// PostgreSQL runs as a non-root user when tests run as root.
	if initErr = os.Chmod(tmpDir, 0o755); initErr != nil {
		return
	}
	ctx := context.Background()
	cluster, initErr = pgcluster.Start(ctx, pgcluster.Options{Dir: tmpDir + "/pg", DieWithParent: true})
	if initErr != nil {
		return
	}
	if initErr = cluster.EnsureDatabase(ctx, template); initErr != nil {
		return
	}
	db, err := sql.Open("postgres", cluster.DSN(template))
	if err != nil {
		initErr = err
		return
	}
	defer db.Close()
	if initErr = store.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); initErr != nil {
		return
	}
	// Clones keep the template's owners and grants, so every test database
	// is secured as the private cluster's own database is.
	initErr = cluster.Secure(ctx, template, audit.AppendOnlyTables)
}

// Cluster returns the test binary's cluster, starting it on first use.
func Cluster(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	once.Do(start)
	if initErr != nil {
		t.Fatalf("test database cluster: %v", initErr)
	}
	return cluster
}

// NewDSN creates a fresh migrated database for this test and returns its DSN.
func NewDSN(t testing.TB) string {
	t.Helper()
	return Cluster(t).DSN(newDatabase(t))
}

// NewURL creates a fresh migrated database for this test and returns its
// postgres:// URL, for tests that set DATABASE_URL.
func NewURL(t testing.TB) string {
	t.Helper()
	return Cluster(t).URL(newDatabase(t))
}

// newDatabase clones the template into a new database, dropped on cleanup,
// and returns its name.
func newDatabase(t testing.TB) string {
	t.Helper()
	c := Cluster(t)
	name := fmt.Sprintf("t%d_%d", os.Getpid(), counter.Add(1))
	admin, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	cloneMu.Lock()
	_, err = admin.Exec(`CREATE DATABASE ` + name + ` TEMPLATE ` + template)
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("clone template database: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("postgres", c.DSN("postgres"))
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	return name
}

// NewAppURL creates a fresh migrated database and returns its postgres://
// URL for the server's own role (no superuser), as the private cluster
// gives it to the server.
func NewAppURL(t testing.TB) string {
	t.Helper()
	return Cluster(t).AppURL(newDatabase(t))
}

// NewApp returns a Store connected as the server's own role on a fresh
// migrated database, and a superuser connection to the same database (what
// a database administrator could do), both closed on cleanup.
func NewApp(t testing.TB) (*store.Store, *sql.DB) {
	t.Helper()
	c := Cluster(t)
	name := newDatabase(t)
	st, err := store.Open(context.Background(), c.AppDSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	admin, err := sql.Open("postgres", c.DSN(name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	return st, admin
}

// New returns a Store on a fresh migrated database, closed on cleanup.
func New(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), NewDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
