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
// the test cluster. LAMINAR_LOAD_TABLETS (50), LAMINAR_LOAD_RATE (200
// scans/s), LAMINAR_LOAD_SECONDS (10) and LAMINAR_LOAD_CLOSED (3000 planned
// scans for the closed loop) shape the run. Each phase reports the
// latencies the tablets saw and, from the Server-Timing header, the
// server's own time.
package loadtest
