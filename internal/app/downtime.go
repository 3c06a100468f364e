package app

import (
	"context"
	"time"

	"github.com/laminar-rx/laminar/internal/downtime"
)

// startDowntime refreshes the downtime report in LAMINAR_DOWNTIME_DIR at
// start-up and then every LAMINAR_DOWNTIME_EVERY, until stop is called.
// Every instance writes its own copy: the folder is meant to be a local
// disk (or a printer's spool) that still works when the network does not.
func (a *App) startDowntime(now func() time.Time) (stop func()) {
	if a.Config.DowntimeDir == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(a.Config.DowntimeEvery)
		defer t.Stop()
		for {
			a.exportDowntime(ctx, now())
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (a *App) exportDowntime(ctx context.Context, now time.Time) {
	ectx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rep, err := downtime.Export(ectx, a.Store, a.Config.DowntimeDir, now, a.Config.Location)
	if err != nil {
		if ctx.Err() == nil {
			// The previous export stays in place: an old report is better
			// than none, and its time stamp says how old it is.
			a.Log.Error("downtime report not refreshed; the previous one stays", "dir", a.Config.DowntimeDir, "err", err)
		}
		return
	}
	a.Log.Info("downtime report refreshed", "dir", rep.Dir, "preparations", rep.Preparations)
}
