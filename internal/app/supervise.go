package app

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// supervise watches the private cluster. When the postmaster exits while
// the server runs (a crash, an OOM kill, kill -9), the server turns
// unready at once, so that the load balancer and every API call see 503
// database_unavailable instead of 500s, drops its pooled connections
// (they all belong to the dead server) and restarts the cluster on the
// same port. PostgreSQL's crash recovery replays the write-ahead log, so
// everything committed before the crash is there when the server is ready
// again. Shutdown stops the loop before it stops the cluster, so a
// cluster restarted here is always stopped with the server.
func (a *App) supervise(ctx context.Context, restarts prometheus.Counter) {
	defer close(a.supervised)
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.Cluster.Exited():
		}
		if ctx.Err() != nil {
			return
		}
		a.dbDown.Store(true)
		t0 := time.Now()
		a.Log.Error("the private database stopped unexpectedly; restarting it", "dir", a.Cluster.Dir(), "pid", a.Cluster.PID())
		// Closing the idle connections now means requests after the
		// restart get fresh ones instead of failing once on each.
		a.Store.DB.SetMaxIdleConns(0)
		if a.beforeRestart != nil {
			a.beforeRestart()
		}
		for {
			err := a.Cluster.Restart(ctx)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			a.Log.Error("restarting the private database failed; trying again", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
		a.Store.SetPool(a.Config.DBPool)
		restarts.Inc()
		a.dbDown.Store(false)
		a.Log.Warn("the private database was restarted after crash recovery", "pid", a.Cluster.PID(), "took", time.Since(t0).Round(time.Millisecond),
			"stopped_servers_started_by_hand", a.Cluster.TookOver())
	}
}

// DatabaseDown reports whether the private database is known to be down
// (it exited and is being restarted).
func (a *App) DatabaseDown() bool { return a.dbDown.Load() }
