package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/competency"
)

// CompetencyReviewers record and review competencies.
var CompetencyReviewers = []auth.Role{auth.Admin, auth.SafetyOfficer}

// competencyRoutes: who may compound — records per person, the overview
// of lapsed and expiring people, and the versioned rule table.
func (a *API) competencyRoutes() []Route {
	csrf := []echo.MiddlewareFunc{RequireCSRF}
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/competencies", Handler: a.competencyOverview, Roles: []auth.Role{auth.Admin, auth.SafetyOfficer, auth.Pharmacist}},
		{Method: http.MethodGet, Path: "/api/v1/users/:id/competencies", Handler: a.listCompetencies, Roles: CompetencyReviewers},
		{Method: http.MethodGet, Path: "/api/v1/me/competencies", Handler: a.myCompetencies, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/users/:id/competencies", Handler: a.recordCompetency, Roles: CompetencyReviewers, Middleware: csrf},
		{Method: http.MethodGet, Path: "/api/v1/users/:id/competencies/:record_id/evidence", Handler: a.competencyEvidence, Roles: CompetencyReviewers},
		{Method: http.MethodGet, Path: "/api/v1/competency-rules", Handler: a.competencyRules, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/competency-rules", Handler: a.addCompetencyRules, Roles: []auth.Role{auth.Admin}, Middleware: csrf},
	}
}

// CompetencyService is the competency service over this API's store.
func (a *API) CompetencyService() *competency.Service {
	return competency.NewService(a.Store, a.Config.Location, a.Now)
}

func (a *API) competencyOverview(c echo.Context) error {
	people, rules, err := a.CompetencyService().Overview(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"people": people, "rules_version": rules.Version})
}

// listCompetencies shows a person's records to a reviewer.
func (a *API) listCompetencies(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	return a.showCompetencies(c, id)
}

// myCompetencies shows the caller their own records.
func (a *API) myCompetencies(c echo.Context) error {
	return a.showCompetencies(c, PrincipalOf(c).UserID)
}

func (a *API) showCompetencies(c echo.Context, id int64) error {
	ps, rules, err := a.CompetencyService().Of(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"user": ps.Person, "qualified": ps.Qualified, "standings": ps.Standings, "due_soon": ps.DueSoon,
		"competencies": ps.Records, "rules_version": rules.Version,
	})
}

func (a *API) recordCompetency(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in competency.NewRecord
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	rec, err := a.CompetencyService().Record(c.Request().Context(), PrincipalOf(c).UserID, id, in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+strconv.FormatInt(id, 10)+"/competencies")
	return c.JSON(http.StatusCreated, rec)
}

func (a *API) competencyEvidence(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	rid, err := PathID(c, "record_id")
	if err != nil {
		return err
	}
	ev, err := a.CompetencyService().Evidence(c.Request().Context(), id, rid)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "attachment; filename=\"competency-"+strconv.FormatInt(rid, 10)+ext(ev.Type)+"\"")
	return c.Blob(http.StatusOK, ev.Type, ev.Data)
}

func ext(contentType string) string {
	switch contentType {
	case "application/pdf":
		return ".pdf"
	case "image/png":
		return ".png"
	}
	return ".jpg"
}

func (a *API) competencyRules(c echo.Context) error {
	r, err := a.CompetencyService().Rules(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (a *API) addCompetencyRules(c echo.Context) error {
	var body json.RawMessage
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	r, err := a.CompetencyService().AddRules(c.Request().Context(), PrincipalOf(c).UserID, body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, r)
}
