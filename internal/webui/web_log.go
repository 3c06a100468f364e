package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/logwords"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// logPageSize is how many events the log screen shows; the CSV export has
// them all.
const logPageSize = 200

// chartWeeks is how many weeks the trend charts cover.
const chartWeeks = 8

// logEventTypes are offered in the type filter, most useful first.
var logEventTypes = []string{
	workflow.EvScanRefused, workflow.EvRejected, workflow.EvWeight, workflow.EvCompleted, workflow.EvFirstCheck, workflow.EvVerified, workflow.EvReleased,
	workflow.EvScanAccepted, workflow.EvOrderCreated, workflow.EvPrepClaimed, workflow.EvStepDone, workflow.EvPhoto,
	workflow.EvLabelPrinted, workflow.EvLabelReprinted, devices.EvPrintFailed, workflow.EvWaste, workflow.EvRemakeQueued, workflow.EvCancelled,
	audit.TypeLogin, audit.TypeLoginFailed, audit.TypeLogout, audit.TypeReauthFailed, audit.TypeUserCreated,
}

// log is the safety officer's compounding log: filters, the newest
// events, the trend charts and the chain check.
func (w *webUI) log(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	pg := web.LogPage{
		Layout: w.layout(c, "Compounding log", "log"), Types: logTypeOptions(), Errors: map[string]string{},
		Filter: web.LogFilter{From: q.Get("from"), To: q.Get("to"), Actor: q.Get("actor"), Type: q.Get("type"), PreparationID: q.Get("preparation_id")},
	}
	status := http.StatusOK
	f, err := w.api.AuditFilter(c)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind != apperr.Invalid {
			return err
		}
		field := e.Field
		if field == "" {
			field = "form"
		}
		pg.Errors[field] = e.Message
		status = http.StatusBadRequest
	} else {
		f.Newest, f.Limit = true, logPageSize+1
		entries, err := w.safety().Log(ctx, f)
		if err != nil {
			return err
		}
		if len(entries) > logPageSize {
			entries, pg.More = entries[:logPageSize], true
		}
		for _, e := range entries {
			pg.Events = append(pg.Events, logEvent(e))
		}
	}
	csv := url.Values{}
	for k, vs := range q {
		if len(vs) > 0 && vs[0] != "" {
			csv.Set(k, vs[0])
		}
	}
	csv.Set("format", "csv")
	pg.ReportURL = reportURL(q.Get("from"), q.Get("to"))
	pg.CSVURL = "/api/v1/audit?" + csv.Encode()

	cfg := w.api.Config
	if rep, err := w.safety().VerifyLog(ctx, cfg.CheckpointsFile(), cfg.AuditPublicKeyFile()); err != nil {
		pg.Chain = web.ChainStatus{Message: "the check could not run"}
		w.api.Log.Error("audit chain check", "err", err)
	} else {
		pg.Chain = web.ChainStatus{Checked: true, OK: rep.OK, Count: rep.Checked, Checkpoints: rep.Checkpoints}
		if last, err := audit.LatestCheckpoints(cfg.CheckpointsFile(), 1); err == nil && len(last) == 1 {
			pg.Chain.LastCheckpoint = fmt.Sprintf("event %d, signed %s, key %s", last[0].LastID,
				last[0].SignedAt.In(cfg.Location).Format("2006-01-02 15:04 MST"), last[0].Key)
		}
		if rep.FirstBad != nil {
			pg.Chain.FirstBad, pg.Chain.Message = rep.FirstBad.ID, rep.FirstBad.Reason
		}
	}
	st, err := w.trends(ctx)
	if err != nil {
		return err
	}
	pg.ErrorRate, pg.Turnround, pg.Preparations, pg.Caught, pg.Downtime = st.rate.SVG(), st.turn.SVG(), st.preps, st.caught, st.downtime
	pg.Typed, pg.TypedCount = st.typed.SVG(), st.typedN
	return w.render(c, status, pg)
}

// caughtKind names the kind of error an event shows the system caught,
// "" for an event that is not one.
func caughtKind(e audit.Entry) string { return logwords.Describe(e.Type, e.Payload).Caught }

// logEvent turns an entry into a readable line: the event, its outcome and
// details in words, and the drug and patient of its preparation.
func logEvent(e audit.Entry) web.LogEvent {
	d := logwords.Describe(e.Type, e.Payload)
	le := web.LogEvent{ID: e.ID, At: e.At, Type: e.Type, Actor: e.Actor, Name: d.Name, What: d.What, Outcome: d.Outcome,
		Caught: d.Caught != "", Drug: e.Drug, Dose: e.Dose, Patient: e.PatientName, MRN: e.PatientMRN}
	if e.PreparationID != nil {
		le.PreparationID = *e.PreparationID
	}
	return le
}

// logTypeOptions are the event types offered in the log's filter, with
// their words.
func logTypeOptions() []web.EventOption {
	out := make([]web.EventOption, len(logEventTypes))
	for i, t := range logEventTypes {
		out[i] = web.EventOption{Type: t, Name: logwords.EventName(t)}
	}
	return out
}

type trendCharts struct {
	rate, turn, typed               web.Chart
	preps, caught, downtime, typedN int
}

// typedKinds are the entries typed by hand instead of read by a device.
var typedKinds = []struct{ name, color string }{{"Typed codes", "#7a4a00"}, {"Typed weights", "#0b57d0"}}

// typedKind names an event's typed entry ("" for one read by a device).
func typedKind(e audit.Entry) string {
	if e.Type != workflow.EvScanAccepted && e.Type != workflow.EvScanRefused && e.Type != workflow.EvWeight {
		return ""
	}
	var p struct {
		Typed bool `json:"typed"`
	}
	if json.Unmarshal(e.Payload, &p) != nil || !p.Typed {
		return ""
	}
	if e.Type == workflow.EvWeight {
		return typedKinds[1].name
	}
	return typedKinds[0].name
}

// caughtColors are the colours of the kinds of caught error in charts
// (dark enough for AA contrast against white, and told apart by the legend
// and the table too).
var caughtColors = map[string]string{
	logwords.CaughtWrongProduct: "#b3261e", logwords.CaughtWrongStrength: "#8a1c5b", logwords.CaughtExpired: "#7a4a00",
	logwords.CaughtReused: "#0f5c5c", logwords.CaughtWeight: "#0b57d0", logwords.CaughtRejected: "#5b1a8a", logwords.CaughtOtherScan: "#4b5563",
}

// caughtKinds are the kinds of caught error charted, most serious first,
// with their colours.
var caughtKinds = func() []struct{ name, color string } {
	out := make([]struct{ name, color string }, len(logwords.CaughtKinds))
	for i, k := range logwords.CaughtKinds {
		out[i].name, out[i].color = k, caughtColors[k]
	}
	return out
}()

// trends computes, per week of the last chartWeeks weeks, the errors caught
// per 1,000 completed preparations by kind, and the median and 90th
// percentile time from order to release, from the compounding log itself.
func (w *webUI) trends(ctx context.Context) (trendCharts, error) {
	start, week := w.chartWindow()
	types := []string{workflow.EvCompleted, workflow.EvScanAccepted, workflow.EvScanRefused, workflow.EvWeight, workflow.EvRejected, workflow.EvOrderCreated, workflow.EvRemakeQueued, workflow.EvReleased, workflow.EvDowntimeRecorded}
	// Orders placed before the window can be released inside it.
	events, err := w.safety().Log(ctx, audit.Filter{From: start.AddDate(0, 0, -14), Types: types})
	if err != nil {
		return trendCharts{}, err
	}
	var tc trendCharts
	n := tally(events, start, week, &tc)
	labels := make([]string, chartWeeks)
	for i := range labels {
		labels[i] = start.AddDate(0, 0, 7*i).Format("Jan 2")
	}
	tc.rate = rateChart(n, labels)
	tc.typed = web.Chart{Title: "Entries typed by hand instead of scanned or weighed, by week", Labels: labels, Stacked: true, Unit: "entries"}
	for _, k := range typedKinds {
		tc.typed.Series = append(tc.typed.Series, web.Series{Name: k.name, Color: k.color, Values: n.typed[k.name]})
	}
	tc.turn = turnChart(n, labels)
	return tc, nil
}

// chartWindow is the charts' window: its first day, and the week (0 to
// chartWeeks-1) of a time. Weeks start on Monday at midnight in the
// site's time zone.
func (w *webUI) chartWindow() (time.Time, func(time.Time) int) {
	loc := w.api.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	now := w.api.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	start := monday.AddDate(0, 0, -7*(chartWeeks-1))
	return start, func(t time.Time) int {
		t = t.In(loc)
		d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		return int(d.Sub(start).Hours()/24) / 7
	}
}

// weekCounts are the log's events counted per week of the window.
type weekCounts struct {
	preps  []int64
	caught map[string][]int64
	typed  map[string][]int64
	// turn holds each week's times from order to release.
	turn [][]time.Duration
}

// tally counts the events per week; tc gets the window's totals.
func tally(events []audit.Entry, start time.Time, week func(time.Time) int, tc *trendCharts) weekCounts {
	n := weekCounts{preps: make([]int64, chartWeeks), caught: map[string][]int64{}, typed: map[string][]int64{}, turn: make([][]time.Duration, chartWeeks)}
	for _, k := range caughtKinds {
		n.caught[k.name] = make([]int64, chartWeeks)
	}
	for _, k := range typedKinds {
		n.typed[k.name] = make([]int64, chartWeeks)
	}
	ordered := map[int64]time.Time{}
	for _, e := range events {
		if e.Type == workflow.EvOrderCreated && e.PreparationID != nil {
			ordered[*e.PreparationID] = e.At
			continue
		}
		if e.Type == workflow.EvRemakeQueued && e.PreparationID != nil {
			var p struct {
				RemakeOf int64 `json:"remake_of"`
			}
			if json.Unmarshal(e.Payload, &p) == nil {
				if t, ok := ordered[p.RemakeOf]; ok {
					ordered[*e.PreparationID] = t
				}
			}
			continue
		}
		i := week(e.At)
		if e.At.Before(start) || i < 0 || i >= chartWeeks {
			continue
		}
		if k := typedKind(e); k != "" {
			n.typed[k][i]++
			tc.typedN++
		}
		switch e.Type {
		case workflow.EvCompleted:
			n.preps[i]++
			tc.preps++
		case workflow.EvDowntimeRecorded:
			// Made on paper: a preparation, in which nothing could be caught.
			n.preps[i]++
			tc.preps++
			tc.downtime++
		case workflow.EvReleased:
			if e.PreparationID != nil {
				if t, ok := ordered[*e.PreparationID]; ok {
					n.turn[i] = append(n.turn[i], e.At.Sub(t))
				}
			}
		default:
			if k := caughtKind(e); k != "" {
				n.caught[k][i]++
				tc.caught++
			}
		}
	}
	return n
}

// rateChart is the errors caught per 1,000 preparations, by week and kind.
func rateChart(n weekCounts, labels []string) web.Chart {
	ch := web.Chart{Title: "Errors caught per 1,000 preparations, by week and kind", Labels: labels, Stacked: true, Unit: "per 1,000", Scale: 1}
	for _, k := range caughtKinds {
		s := web.Series{Name: k.name, Color: k.color, Values: make([]int64, chartWeeks)}
		seen := false
		for i := range s.Values {
			if n.preps[i] > 0 {
				// Tenths of a unit per 1,000, rounded half up, in integers.
				s.Values[i] = (n.caught[k.name][i]*10000 + n.preps[i]/2) / n.preps[i]
			} else if n.caught[k.name][i] > 0 {
				// Errors in a week with no completed preparation are
				// still shown: counted as if one had been completed.
				s.Values[i] = n.caught[k.name][i] * 10000
			}
			seen = seen || s.Values[i] > 0
		}
		if seen || k.name == logwords.CaughtWrongProduct || k.name == logwords.CaughtExpired || k.name == logwords.CaughtWeight || k.name == logwords.CaughtRejected {
			ch.Series = append(ch.Series, s)
		}
	}
	return ch
}

// turnChart is the median and 90th percentile from order to release.
func turnChart(n weekCounts, labels []string) web.Chart {
	med := web.Series{Name: "Median", Color: "#0b57d0", Values: make([]int64, chartWeeks)}
	p90 := web.Series{Name: "90th percentile", Color: "#7a4a00", Values: make([]int64, chartWeeks)}
	for i, ds := range n.turn {
		if len(ds) == 0 {
			continue
		}
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		// Tenths of a minute.
		med.Values[i] = int64(ds[(len(ds)-1)/2].Round(6*time.Second) / (6 * time.Second))
		p90.Values[i] = int64(ds[(len(ds)*9+9)/10-1].Round(6*time.Second) / (6 * time.Second))
	}
	return web.Chart{Title: "Order to release in minutes, by week", Labels: labels, Unit: "minutes", Scale: 1, Series: []web.Series{med, p90}}
}
