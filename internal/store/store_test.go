package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// Every named query parses on a real server: a typo fails here, not at a bench.
func TestEveryQueryPrepares(t *testing.T) {
	st := testdb.New(t)
	if err := st.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMigrationsUpOnEmptyDatabase(t *testing.T) {
	ctx := context.Background()
	c := testdb.Cluster(t)
	if err := c.EnsureDatabase(ctx, "empty_for_migrate"); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("postgres", c.DSN("empty_for_migrate"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.CheckSchema(ctx, db); !errors.Is(err, store.ErrSchemaBehind) {
		t.Fatalf("empty database: CheckSchema = %v, want ErrSchemaBehind", err)
	}
	if err := store.Migrate(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckSchema(ctx, db); err != nil {
		t.Fatalf("after migrate: %v", err)
	}
	cur, target, err := store.SchemaVersion(ctx, db)
	if err != nil || cur != target || cur < 1 {
		t.Fatalf("versions %d/%d, %v", cur, target, err)
	}
}

func TestMetaRoundTrip(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	if v, err := st.Meta(ctx, "absent"); err != nil || v != "" {
		t.Fatalf("absent key: %q, %v", v, err)
	}
	for _, v := range []string{"one", "two"} {
		if err := st.SetMeta(ctx, "k", v); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Meta(ctx, "k"); err != nil || got != v {
			t.Fatalf("Meta = %q, %v; want %q", got, err, v)
		}
	}
}

func TestTranslate(t *testing.T) {
	ctx := context.Background()
	st := testdb.New(t)
	_, err := st.DB.ExecContext(ctx, `CREATE TABLE u (k text PRIMARY KEY)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO u VALUES ('a')`); err != nil {
		t.Fatal(err)
	}
	_, err = st.DB.ExecContext(ctx, `INSERT INTO u VALUES ('a')`)
	if got := store.Translate(err); apperr.KindOf(got) != apperr.Conflict {
		t.Fatalf("unique violation → %v, want conflict", got)
	}
	if got := store.Translate(sql.ErrNoRows); apperr.KindOf(got) != apperr.NotFound {
		t.Fatalf("no rows → %v", got)
	}
	if strings.Contains(store.Translate(err).(*apperr.Error).Message, "pq:") {
		t.Fatal("driver text leaked into the message")
	}
}

// sqlWith is the store's SQL files with one change made to file name.
func sqlWith(t *testing.T, name string, change func(string) string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(store.QueryFS, "queries", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.QueryFS, p)
		if err != nil {
			return err
		}
		if p == "queries/"+name {
			b = []byte(change(string(b)))
		}
		out[p] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A query missing, left over or broken stops the store from opening, with
// an error naming it: start-up fails, never a request.
func TestOpenFailsOnABadQuery(t *testing.T) {
	dsn := testdb.NewDSN(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(string) string
		want   string
	}{
		{"missing", func(s string) string {
			return strings.Replace(s, "-- name: wf-accepted-scans", "-- name: wf-accepted-scanz", 1)
		},
			"no query named wf-accepted-scans"},
		{"left over", func(s string) string { return s + "\n-- name: leftover\nSELECT 1;\n" }, "query leftover is used by no field"},
		{"broken", func(s string) string {
			return strings.Replace(s, "SELECT count(*) FROM scans WHERE preparation_id = $1 AND step_id = $2 AND accepted;",
				"SELECT count(*) FROM scanz WHERE preparation_id = $1;", 1)
		}, "query wf-accepted-scans does not prepare"},
		{"duplicate", func(s string) string { return s + "\n-- name: wf-user-id\nSELECT 1;\n" }, "query wf-user-id defined twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := store.OpenWithQueries(ctx, dsn, sqlWith(t, "workflow.sql", tc.change))
			if err == nil {
				st.Close()
				t.Fatal("the store opened")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not say %q", err, tc.want)
			}
		})
	}
	st, err := store.OpenWithQueries(ctx, dsn, sqlWith(t, "workflow.sql", func(s string) string { return s }))
	if err != nil {
		t.Fatalf("the unchanged SQL: %v", err)
	}
	st.Close()
}

// A store opens only on a current schema, saying what to do otherwise.
func TestOpenRefusesASchemaBehind(t *testing.T) {
	ctx := context.Background()
	c := testdb.Cluster(t)
	if err := c.EnsureDatabase(ctx, "empty_for_open"); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(ctx, c.DSN("empty_for_open"))
	if !errors.Is(err, store.ErrSchemaBehind) || !strings.Contains(err.Error(), "laminar migrate") {
		t.Fatalf("Open on an empty database = %v", err)
	}
}
