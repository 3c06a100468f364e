// Package loadtest drives scan requests at many concurrent tablets against
// a real Laminar server on loopback, backed by the private PostgreSQL
// cluster, and reports throughput and latency percentiles. It is a test
// helper only: run it with
//
//	LAMINAR_LOAD=1 go test -run TestLoad -v ./internal/workflow/loadtest
//
// Performance runs are opt-in (they take a minute and load the machine);
// without LAMINAR_LOAD=1 the test says so and skips.
package loadtest
