package app

import (
	"database/sql"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/laminar-rx/laminar/internal/testdb"
)

// The outbox backlog is read from the shared table at each scrape; before
// the table exists nothing is reported. The test's own interface_outbox
// lives in a schema of its own, first on the search path, so it does not
// depend on the real table's other columns.
func TestOutboxCollector(t *testing.T) {
	db, err := sql.Open("postgres", testdb.NewDSN(t)+" search_path=outboxtest,public")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(outboxCollector{db: db})
	if _, err := db.Exec(`CREATE SCHEMA outboxtest`); err != nil {
		t.Fatal(err)
	}
	var exists bool
	if err := db.QueryRow(`SELECT to_regclass('interface_outbox') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		if got := gather(t, reg); len(got) != 0 {
			t.Fatalf("without an outbox table: %v", got)
		}
	}
	if _, err := db.Exec(`CREATE TABLE outboxtest.interface_outbox (status text NOT NULL, created_at timestamptz NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := db.Exec(`INSERT INTO interface_outbox VALUES ('pending', $1), ('pending', $2), ('sent', $3)`,
		now.Add(-10*time.Minute), now.Add(-time.Minute), now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := gather(t, reg)
	if got["laminar_outbox_pending"] != 2 {
		t.Fatalf("pending = %v, want 2", got["laminar_outbox_pending"])
	}
	if age := got["laminar_outbox_oldest_pending_seconds"]; age < 600 || age > 3600 {
		t.Fatalf("oldest pending = %v s, want about 600", age)
	}
}

// gather returns every unlabelled gauge of reg by name.
func gather(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()] = m.GetGauge().GetValue()
		}
	}
	return out
}
