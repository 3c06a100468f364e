package app

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// outboxCollector reports the backlog of the interface outbox (messages to
// other hospital systems waiting to be sent), read from the database at
// each scrape so every instance reports the same shared backlog. Before
// the outbox's table exists it reports nothing.
type outboxCollector struct{ db *sql.DB }

var (
	outboxPending = prometheus.NewDesc("laminar_outbox_pending",
		"Messages waiting in the interface outbox (shared by every instance).", nil, nil)
	outboxOldest = prometheus.NewDesc("laminar_outbox_oldest_pending_seconds",
		"Age of the oldest message waiting in the interface outbox; 0 when none waits.", nil, nil)
)

// Describe sends the collector's metric descriptions.
func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPending
	ch <- outboxOldest
}

// Collect reads the backlog; a database that does not answer within a
// second yields no sample (laminar_database_up says why).
func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var exists bool
	if err := c.db.QueryRowContext(ctx, `SELECT to_regclass('interface_outbox') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return
	}
	var n int64
	var oldest float64
	err := c.db.QueryRowContext(ctx, `SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
		FROM interface_outbox WHERE status = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, oldest)
}
