package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/safety"
)

// RolesSafety may use the safety officer's look-ups, dashboard and report:
// the safety officer and pharmacists, and the admin to read.
var RolesSafety = []auth.Role{auth.SafetyOfficer, auth.Pharmacist, auth.Admin}

// safetyRoutes: the look-ups (recall by lot, one person's shift, every
// override), the dashboard's numbers and the printable report.
func (a *API) safetyRoutes() []Route {
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/safety/lots", Handler: a.safetyLots, Roles: RolesSafety},
		{Method: http.MethodGet, Path: "/api/v1/safety/activity", Handler: a.safetyActivity, Roles: RolesSafety},
		{Method: http.MethodGet, Path: "/api/v1/safety/overrides", Handler: a.safetyOverrides, Roles: RolesSafety},
		{Method: http.MethodGet, Path: "/api/v1/safety/dashboard", Handler: a.safetyDashboard, Roles: RolesSafety},
		{Method: http.MethodGet, Path: "/api/v1/safety/report", Handler: a.safetyReport, Roles: RolesSafety},
	}
}

// safety is the read-only service behind these routes.
func (a *API) safety() *safety.Service { return safety.New(a.Store, a.Config.Location) }

// The default spans (DefaultPeriod, DefaultShift): a dashboard or report covers the last 30 days, a
// shift the last 12 hours.
const (
	DefaultPeriod = 30 * 24 * time.Hour
	DefaultShift  = 12 * time.Hour
	maxPeriod     = 400 * 24 * time.Hour
)

// PeriodOf is ParsePeriod at the site's time zone and the API's clock.
func (a *API) PeriodOf(c echo.Context, def time.Duration) (safety.Period, error) {
	return ParsePeriod(c, a.Config.Location, a.Now(), def)
}

// ParsePeriod reads from and to: an RFC 3339 time, a local date and time
// (2026-11-24T07:00, as a datetime field sends it) or a date in the site's
// time zone. A date as "to" includes that whole day. Without from, the
// period starts def before to; without to it ends now.
func ParsePeriod(c echo.Context, loc *time.Location, now time.Time, def time.Duration) (safety.Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	parse := func(field string, end bool) (time.Time, error) {
		v := strings.TrimSpace(c.QueryParam(field))
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t.UTC(), nil
		}
		for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
			if t, err := time.ParseInLocation(layout, v, loc); err == nil {
				return t.UTC(), nil
			}
		}
		if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			if end {
				t = t.AddDate(0, 0, 1)
			}
			return t.UTC(), nil
		}
		return time.Time{}, apperr.InvalidField(field, "%q is not a date (2026-11-24), a date and time (2026-11-24T07:00) or an RFC 3339 time", v)
	}
	from, err := parse("from", false)
	if err != nil {
		return safety.Period{}, err
	}
	to, err := parse("to", true)
	if err != nil {
		return safety.Period{}, err
	}
	if to.IsZero() {
		to = now.UTC()
	}
	if from.IsZero() {
		if def >= 24*time.Hour {
			// Whole days in the site's zone: today and the days before.
			d := to.In(loc)
			midnight := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			from = midnight.AddDate(0, 0, 1-int(def/(24*time.Hour))).UTC()
		} else {
			from = to.Add(-def)
		}
	}
	if !to.After(from) {
		return safety.Period{}, apperr.InvalidField("to", "the end of the period must be after its start")
	}
	if to.Sub(from) > maxPeriod {
		return safety.Period{}, apperr.InvalidField("from", "a period covers at most 400 days")
	}
	return safety.Period{From: from, To: to}, nil
}

func (a *API) safetyLots(c echo.Context) error {
	var product int64
	if v := strings.TrimSpace(c.QueryParam("product_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return apperr.InvalidField("product_id", "%q is not a product id (a positive whole number)", v)
		}
		product = n
	}
	uses, err := a.safety().LotUses(c.Request().Context(), c.QueryParam("lot"), product)
	if err != nil {
		return err
	}
	released := 0
	for _, u := range uses {
		if u.ReleasedAt != nil {
			released++
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"lot": strings.TrimSpace(c.QueryParam("lot")), "preparations": uses, "released": released})
}

func (a *API) safetyActivity(c echo.Context) error {
	p, err := a.PeriodOf(c, DefaultShift)
	if err != nil {
		return err
	}
	evs, err := a.safety().Activity(c.Request().Context(), c.QueryParam("user"), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"user": strings.TrimSpace(c.QueryParam("user")), "from": p.From, "to": p.To, "events": evs})
}

func (a *API) safetyOverrides(c echo.Context) error {
	p, err := a.PeriodOf(c, DefaultPeriod)
	if err != nil {
		return err
	}
	rows, err := a.safety().Overrides(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"from": p.From, "to": p.To, "overrides": rows})
}

func (a *API) safetyDashboard(c echo.Context) error {
	p, err := a.PeriodOf(c, DefaultPeriod)
	if err != nil {
		return err
	}
	d, err := a.safety().Dashboard(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

func (a *API) safetyReport(c echo.Context) error {
	p, err := a.PeriodOf(c, DefaultPeriod)
	if err != nil {
		return err
	}
	pdf, err := a.safety().Report(c.Request().Context(), p, a.Now())
	if err != nil {
		return err
	}
	loc := a.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	name := fmt.Sprintf("laminar-safety-report-%s-to-%s.pdf", p.From.In(loc).Format("2006-01-02"), p.To.Add(-time.Nanosecond).In(loc).Format("2006-01-02"))
	c.Response().Header().Set(echo.HeaderContentDisposition, `inline; filename="`+name+`"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
