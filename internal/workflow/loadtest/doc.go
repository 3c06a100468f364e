// Package loadtest drives scan requests at many concurrent tablets against
// a real Laminar server on loopback, backed by the private PostgreSQL
// cluster, and reports throughput and latency percentiles. It is a test
// helper only: run it with
//
//	LAMINAR_LOAD=1 go test -run TestLoad -v ./internal/workflow/loadtest
//
// Performance runs are opt-in (they take a minute and load the machine);
// without LAMINAR_LOAD=1 the test says so and skips. LAMINAR_DB_POOL sets
// the server's pool as in production; LAMINAR_LOAD_DURABLE=1 starts a
// private cluster with fsync on, as `laminar serve` does, instead of using
// the test cluster.
package loadtest
