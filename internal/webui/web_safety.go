package webui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/safety"
	"github.com/laminar-rx/laminar/web"
)

// safetyPages are the safety officer's screens: the dashboard and the
// three look-ups. They read only, through the same service as the JSON
// routes.
func (w *webUI) safetyPages(page []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/safety/dashboard", Handler: w.safetyDashboard, Roles: httpapi.RolesSafety, Middleware: page},
		{Method: http.MethodGet, Path: "/safety/recall", Handler: w.safetyRecall, Roles: httpapi.RolesSafety, Middleware: page},
		{Method: http.MethodGet, Path: "/safety/shift", Handler: w.safetyShift, Roles: httpapi.RolesSafety, Middleware: page},
		{Method: http.MethodGet, Path: "/safety/overrides", Handler: w.safetyOverrides, Roles: httpapi.RolesSafety, Middleware: page},
	}
}

// lookupPage starts a look-up page with its tab and form.
func (w *webUI) lookupPage(c echo.Context, title, tab, intro string, fields []web.Field) web.SafetyLookupPage {
	q := c.QueryParams()
	for i := range fields {
		fields[i].Value = q.Get(fields[i].Name)
	}
	return web.SafetyLookupPage{Layout: w.layout(c, title, "safety"), Tabs: web.SafetyTabs(tab), Heading: title, Intro: intro,
		Action: tab, Fields: fields}
}

// lookupError puts a validation error beside its field and re-renders;
// any other error is returned.
func (w *webUI) lookupError(c echo.Context, pg web.SafetyLookupPage, err error) error {
	e := httpapi.ToAppErr(err)
	if e.Kind != apperr.Invalid {
		return err
	}
	placed := false
	for i := range pg.Fields {
		if pg.Fields[i].Name == e.Field {
			pg.Fields[i].Error, placed = e.Message, true
		}
	}
	if !placed {
		pg.Error = e.Message
	}
	return w.render(c, http.StatusBadRequest, pg)
}

// asked reports whether any of the form's fields was submitted.
func asked(c echo.Context, names ...string) bool {
	for _, n := range names {
		if strings.TrimSpace(c.QueryParam(n)) != "" {
			return true
		}
	}
	return false
}

func (w *webUI) safetyRecall(c echo.Context) error {
	pg := w.lookupPage(c, "Recall by lot", "/safety/recall",
		"Every preparation a lot went into (an accepted scan of it): whom it was for, where it is now, and whether it has left the pharmacy.",
		[]web.Field{{Name: "lot", Label: "Lot (as printed on the container)", Required: true}, {Name: "product_id", Label: "Product number (optional)"}})
	if !asked(c, "lot", "product_id") {
		return w.render(c, http.StatusOK, pg)
	}
	var product int64
	if v := strings.TrimSpace(c.QueryParam("product_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return w.lookupError(c, pg, apperr.InvalidField("product_id", "%q is not a product number (a positive whole number); leave it empty for every product", v))
		}
		product = n
	}
	uses, err := w.safety().LotUses(c.Request().Context(), c.QueryParam("lot"), product)
	if err != nil {
		return w.lookupError(c, pg, err)
	}
	pg.Asked, pg.APIURL = true, "/api/v1/safety/lots?"+c.QueryParams().Encode()
	pg.Columns = []string{"Product used", "Status", "Location", "Made by", "Released"}
	released := 0
	for _, u := range uses {
		rel := "not released"
		if u.ReleasedAt != nil {
			released++
			rel = "RELEASED " + web.Time(*u.ReleasedAt, w.api.Config.Location) + " by " + u.ReleasedBy
		}
		prod := deref(u.Product)
		if u.NDC != nil {
			prod += " (NDC " + *u.NDC + ")"
		}
		pg.Rows = append(pg.Rows, web.LookupRow{At: u.ScannedAt, PreparationID: u.PreparationID, Drug: u.Drug, Dose: u.Dose,
			Patient: u.PatientName, MRN: u.PatientMRN, Alert: u.ReleasedAt != nil,
			Cells: []string{fmt.Sprintf("%s × %d, lot %s", prod, u.Containers, u.Lot), statusWords(u.Status), u.Location, u.PreparedBy, rel}})
	}
	pg.Summary = fmt.Sprintf("Lot %s went into %d preparation(s); %d released to the floor.", strings.TrimSpace(c.QueryParam("lot")), len(uses), released)
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) safetyShift(c echo.Context) error {
	pg := w.lookupPage(c, "One person's shift", "/safety/shift",
		"Everything one person did between two times (the last 12 hours when no start is given).",
		[]web.Field{{Name: "user", Label: "Username", Required: true}, {Name: "from", Label: "From", Type: "datetime-local"}, {Name: "to", Label: "To", Type: "datetime-local"}})
	if !asked(c, "user") {
		return w.render(c, http.StatusOK, pg)
	}
	p, err := w.period(c, httpapi.DefaultShift)
	if err != nil {
		return w.lookupError(c, pg, err)
	}
	evs, err := w.safety().Activity(c.Request().Context(), c.QueryParam("user"), p)
	if err != nil {
		return w.lookupError(c, pg, err)
	}
	pg.Asked, pg.APIURL = true, "/api/v1/safety/activity?"+c.QueryParams().Encode()
	pg.Columns = []string{"What happened", "Details", "Outcome"}
	caught := 0
	for _, e := range evs {
		row := web.LookupRow{At: e.At, Drug: e.Drug, Dose: e.Dose, Patient: e.PatientName, MRN: e.PatientMRN, Alert: e.Caught != "",
			Cells: []string{e.Name, e.What, e.Outcome}}
		if e.PreparationID != nil {
			row.PreparationID = *e.PreparationID
		}
		if e.Caught != "" {
			caught++
		}
		pg.Rows = append(pg.Rows, row)
	}
	loc := w.api.Config.Location
	pg.Summary = fmt.Sprintf("%s: %d event(s) from %s to %s, %d error(s) caught.", strings.TrimSpace(c.QueryParam("user")), len(evs),
		web.Time(p.From, loc), web.Time(p.To, loc), caught)
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) safetyOverrides(c echo.Context) error {
	pg := w.lookupPage(c, "Pharmacist overrides", "/safety/overrides",
		"Every dose or rate limit a pharmacist overrode, with the reason given (the last 30 days when no period is given).",
		[]web.Field{{Name: "from", Label: "From", Type: "date"}, {Name: "to", Label: "To (included)", Type: "date"}})
	p, err := w.period(c, httpapi.DefaultPeriod)
	if err != nil {
		return w.lookupError(c, pg, err)
	}
	rows, err := w.safety().Overrides(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg.Asked, pg.APIURL = true, "/api/v1/safety/overrides?"+c.QueryParams().Encode()
	pg.Columns = []string{"Pharmacist", "Reason", "Limits overridden", "Status now"}
	for _, o := range rows {
		pg.Rows = append(pg.Rows, web.LookupRow{At: o.At, PreparationID: o.PreparationID, Drug: o.Drug, Dose: o.Dose,
			Patient: o.PatientName, MRN: o.PatientMRN, Cells: []string{o.Pharmacist, o.Reason, holdsWords(o.Holds), statusWords(o.Status)}})
	}
	loc := w.api.Config.Location
	pg.Summary = fmt.Sprintf("%d override(s) from %s to %s.", len(rows), web.Time(p.From, loc), web.Time(p.To, loc))
	return w.render(c, http.StatusOK, pg)
}

// safety is the read-only service behind these screens.
func (w *webUI) safety() *safety.Service { return safety.New(w.api.Store, w.api.Config.Location) }

// period reads the from and to of a form as the JSON routes do.
func (w *webUI) period(c echo.Context, def time.Duration) (safety.Period, error) {
	return httpapi.ParsePeriod(c, w.api.Config.Location, w.api.Now(), def)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// statusWords are a preparation's states in words.
var statusWordsMap = map[string]string{
	"needs_pharmacist_override": "waiting for a pharmacist's override", "queued": "queued", "in_progress": "being made",
	"completed": "waiting for check", "awaiting_second_check": "waiting for the second check", "verified": "checked, ready to release", "released": "released",
	"rejected": "rejected (remade)", "cancelled": "cancelled",
}

func statusWords(s string) string {
	if w, ok := statusWordsMap[s]; ok {
		return w
	}
	return strings.ReplaceAll(s, "_", " ")
}

// holdsWords lists the limits an override was for, by their messages.
func holdsWords(raw []byte) string {
	var hs []struct {
		Message string `json:"message"`
	}
	if err := json.Unmarshal(raw, &hs); err != nil {
		return ""
	}
	var out []string
	for _, h := range hs {
		if h.Message != "" {
			out = append(out, h.Message)
		}
	}
	return strings.Join(out, "; ")
}

// reportURL is the printable report of a period given as from/to values.
func reportURL(from, to string) string {
	v := url.Values{}
	if from != "" {
		v.Set("from", from)
	}
	if to != "" {
		v.Set("to", to)
	}
	if len(v) == 0 {
		return "/api/v1/safety/report"
	}
	return "/api/v1/safety/report?" + v.Encode()
}
