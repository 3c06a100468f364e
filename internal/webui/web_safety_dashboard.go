package webui

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/logwords"
	"github.com/laminar-rx/laminar/internal/safety"
	"github.com/laminar-rx/laminar/web"
)

// safetyDashboard answers the safety officer's questions for a period:
// errors caught per 1,000 doses by kind and by technician, typed entries,
// overrides, order-to-release time by priority, waste and remakes.
func (w *webUI) safetyDashboard(c echo.Context) error {
	pg := web.SafetyDashboardPage{Layout: w.layout(c, "Safety dashboard", "safety"), Tabs: web.SafetyTabs("/safety/dashboard"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), Errors: map[string]string{}}
	pg.ReportURL = reportURL(pg.From, pg.To)
	status := http.StatusOK
	p, err := w.period(c, httpapi.DefaultPeriod)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind != apperr.Invalid {
			return err
		}
		pg.Errors[e.Field], status = e.Message, http.StatusBadRequest
		// Show the default period under the error.
		c.QueryParams().Del("from")
		c.QueryParams().Del("to")
		if p, err = w.period(c, httpapi.DefaultPeriod); err != nil {
			return err
		}
	}
	d, err := w.safety().Dashboard(c.Request().Context(), p)
	if err != nil {
		return err
	}
	loc := w.api.Config.Location
	pg.Period = fmt.Sprintf("From %s to %s (%s).", web.Time(p.From, loc), web.Time(p.To, loc), pg.Zone())
	pg.TypedScans, pg.TypedWeights = d.TypedScans, d.TypedWeights
	pg.Doses, pg.Caught, pg.CaughtPerK, pg.Typed, pg.Overrides, pg.Wasted, pg.Remakes = d.Doses, d.Caught, d.CaughtPerK, d.Typed, d.Overrides, d.WastedDoses, d.Remakes
	var top safety.Rate
	for _, k := range d.ByKind {
		top = max(top, k.PerK)
	}
	for _, k := range d.ByKind {
		width := 0
		if top > 0 {
			width = int(int64(k.PerK) * 100 / int64(top))
		}
		pg.Kinds = append(pg.Kinds, web.KindBar{Kind: k.Kind, Color: caughtColors[k.Kind], N: k.N, PerK: k.PerKStr, Width: width})
	}
	for _, cc := range d.ByCode {
		pg.Codes = append(pg.Codes, web.KindBar{Kind: cc.Words, N: cc.N})
	}
	people := web.Chart{Title: "Errors caught per 1,000 doses, by technician and kind", Stacked: true, Unit: "per 1,000", Scale: 1}
	series := make([]web.Series, len(logwords.CaughtKinds))
	for i, k := range logwords.CaughtKinds {
		series[i] = web.Series{Name: k, Color: caughtColors[k]}
	}
	seen := make([]bool, len(series))
	for _, pr := range d.People {
		pg.PeopleRows = append(pg.PeopleRows, web.PersonLine{Username: pr.Username, Doses: pr.Doses, Caught: pr.Caught, Typed: pr.Typed, PerK: pr.PerKStr})
		people.Labels = append(people.Labels, pr.Username)
		for i := range series {
			v := int64(0)
			if pr.Doses > 0 {
				v = int64(safety.RateOf(pr.ByKind[i], pr.Doses))
			}
			series[i].Values = append(series[i].Values, v)
			seen[i] = seen[i] || v > 0
		}
	}
	for i, s := range series {
		if seen[i] {
			people.Series = append(people.Series, s)
		}
	}
	pg.People = people.SVG()
	turn := web.Chart{Title: "Order to release in minutes, by priority", Unit: "minutes", Scale: 1}
	med := web.Series{Name: "Median", Color: "#0b57d0"}
	p90 := web.Series{Name: "90th percentile", Color: "#7a4a00"}
	for _, t := range d.Turnaround {
		turn.Labels = append(turn.Labels, t.Words)
		med.Values = append(med.Values, (t.MedianS*10+30)/60)
		p90.Values = append(p90.Values, (t.P90S*10+30)/60)
		pg.TurnRows = append(pg.TurnRows, web.TurnLine{Priority: t.Words, N: t.N, Median: safety.Minutes(t.MedianS), P90: safety.Minutes(t.P90S)})
	}
	turn.Series = []web.Series{med, p90}
	pg.Turnaround = turn.SVG()
	for _, wr := range d.Waste {
		pg.WasteRows = append(pg.WasteRows, web.WasteLine{Reason: wr.Reason, Doses: wr.Doses, Containers: wr.Containers, Remakes: wr.Remakes})
	}
	return w.render(c, status, pg)
}
