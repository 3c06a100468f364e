package store_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
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

func TestLoadQueriesRejectsDuplicatesAndEmpty(t *testing.T) {
	dup := fstest.MapFS{
		"queries/a.sql": {Data: []byte("-- name: x\nSELECT 1;\n")},
		"queries/b.sql": {Data: []byte("-- name: x\nSELECT 2;\n")},
	}
	if _, err := store.LoadQueries(dup); err == nil {
		t.Fatal("duplicate name accepted")
	}
	empty := fstest.MapFS{"queries/a.sql": {Data: []byte("-- name: x\n\n-- name: y\nSELECT 1;")}}
	if _, err := store.LoadQueries(empty); err == nil {
		t.Fatal("empty query accepted")
	}
}
