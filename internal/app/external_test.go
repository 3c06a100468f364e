package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/app"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// An external database set up as docs/security.md says: an owner role
// migrates, a role with row rights only serves. serve runs, logs in, and
// the serving role cannot switch the log's triggers off; a superuser URL
// works too, with a warning.
func TestExternalDatabaseWithTheDocumentedRoles(t *testing.T) {
	c := testdb.Cluster(t)
	ctx := context.Background()
	admin, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	suffix := fmt.Sprint(os.Getpid())
	owner, server, dbname := "ext_owner_"+suffix, "ext_app_"+suffix, "ext_db_"+suffix
	for _, s := range []string{
		`CREATE ROLE ` + owner + ` LOGIN PASSWORD 'owner-pw'`,
		`CREATE ROLE ` + server + ` LOGIN PASSWORD 'app-pw'`,
		`CREATE DATABASE ` + dbname + ` OWNER ` + owner,
	} {
		if _, err := admin.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + dbname + ` WITH (FORCE)`)
		admin.Exec(`DROP ROLE IF EXISTS ` + server)
		admin.Exec(`DROP ROLE IF EXISTS ` + owner)
	})
	roleURL := func(role, pw string) string {
		u, _ := url.Parse(c.URL(dbname))
		u.User = url.UserPassword(role, pw)
		return u.String()
	}
	// laminar migrate, as the owner.
	odb, err := sql.Open("postgres", roleURL(owner, "owner-pw"))
	if err != nil {
		t.Fatal(err)
	}
	defer odb.Close()
	if err := store.Migrate(ctx, odb, quiet); err != nil {
		t.Fatalf("migrate as the owner role: %v", err)
	}
	for _, s := range []string{
		`GRANT USAGE ON SCHEMA public TO ` + server,
		`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ` + server,
		`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ` + server,
		`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_events, audit_head, goose_db_version FROM ` + server,
	} {
		if _, err := odb.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	serve := func(dbURL string) (*app.App, string) {
		var logs bytes.Buffer
		cfg, err := config.Load(func(k string) string {
			return map[string]string{"LAMINAR_ADDR": "127.0.0.1:0", "DATABASE_URL": dbURL, "LAMINAR_DATA_DIR": t.TempDir()}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.Start(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), app.Options{Demo: true})
		if err != nil {
			t.Fatalf("serve as %s: %v", dbURL, err)
		}
		t.Cleanup(func() { a.Shutdown(ctx) })
		return a, logs.String()
	}
	a, logs := serve(roleURL(server, "app-pw"))
	if strings.Contains(logs, "superuser") {
		t.Fatalf("a warning about a superuser for a plain role:\n%s", logs)
	}
	loginToken(t, a, "pharm1") // seeded, logged in, audited: the log is written through audit_append
	if _, err := a.Store.DB.Exec(`ALTER TABLE audit_events DISABLE TRIGGER USER`); err == nil {
		t.Fatal("the serving role switched the log's triggers off")
	}
	a.Shutdown(ctx)

	_, logs = serve(c.URL(dbname))
	if !strings.Contains(logs, "superuser") {
		t.Fatalf("no warning for a superuser DATABASE_URL:\n%s", logs)
	}
}
