package webui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// rolesGravity may read the specific gravities screen; only pharmacists
// record a determination (the JSON API's rule).
var (
	rolesGravity    = []auth.Role{auth.Pharmacist, auth.Admin}
	rolesPharmacist = []auth.Role{auth.Pharmacist}
)

func (w *webUI) gravityRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/gravities", Handler: w.gravities, Roles: rolesGravity, Middleware: page},
		{Method: http.MethodGet, Path: "/gravities/:id", Handler: w.gravityPage, Roles: rolesGravity, Middleware: page},
		{Method: http.MethodPost, Path: "/gravities/:id", Handler: w.gravitySubmit, Roles: rolesPharmacist, Middleware: form},
	}
}

// gravities lists the products the current recipes draw from, with the
// specific gravities on record for each.
func (w *webUI) gravities(c echo.Context) error {
	ctx := c.Request().Context()
	recipes, err := w.api.Compounding.Recipes(ctx, compounding.RecipeFilter{Current: true})
	if err != nil {
		return err
	}
	pg := web.GravitiesPage{Layout: w.layout(c, "Specific gravities", "gravities")}
	seen := map[int64]bool{}
	for _, r := range recipes {
		ps, err := w.api.catalog().ProductsOf(ctx, r.Products)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			gp := web.GravityProduct{URL: fmt.Sprintf("/gravities/%d", p.ID), Name: p.Label()}
			gs, err := w.api.Compounding.Gravities(ctx, p.ID)
			if err != nil {
				return err
			}
			done := map[string]bool{}
			for _, g := range gs {
				if !done[g.Concentration] {
					done[g.Concentration] = true
					gp.OnRecord = append(gp.OnRecord, fmt.Sprintf("%s at %s (%s)", g.SpecificGravity.String(), g.Concentration, methodWords(g.Method)))
				}
			}
			pg.Products = append(pg.Products, gp)
		}
	}
	return w.render(c, http.StatusOK, pg)
}

func methodWords(m string) string {
	if m == workflow.GravityDetermined {
		return "determined on site"
	}
	return "published"
}

// gravityData is one product's page with an empty form.
func (w *webUI) gravityData(c echo.Context) (web.GravityPage, error) {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return web.GravityPage{}, err
	}
	ctx := c.Request().Context()
	ps, err := w.api.catalog().ProductsOf(ctx, []workflow.ProductRef{{ProductID: id}})
	if err != nil {
		return web.GravityPage{}, err
	}
	if len(ps) == 0 {
		return web.GravityPage{}, apperr.New(apperr.NotFound, "no product %d", id)
	}
	policy, err := w.api.Compounding.EvidencePolicy(ctx, w.api.Now())
	if err != nil {
		return web.GravityPage{}, err
	}
	pg := web.GravityPage{Layout: w.layout(c, "Specific gravity", "gravities"), Product: ps[0].Label(),
		Action: fmt.Sprintf("/gravities/%d", id), CanRecord: httpapi.PrincipalOf(c).Has(rolesPharmacist...),
		MinVolume: web.Dose(policy.DeterminationMinVolume), Agreement: policy.DeterminationAgreement}
	gs, err := w.api.Compounding.Gravities(ctx, id)
	if err != nil {
		return web.GravityPage{}, err
	}
	for _, g := range gs {
		pg.Rows = append(pg.Rows, web.GravityRow{Concentration: web.Dose(g.Concentration), Value: g.SpecificGravity.String(),
			Method: methodWords(g.Method), Source: g.Source, By: g.RecordedByName, At: g.RecordedAt})
	}
	pg.Fields = gravityFields(compounding.GravityInput{})
	if pg.Picture, err = w.pictureForm(ctx, id, ps[0].Label(), pg.CSRF); err != nil {
		return web.GravityPage{}, err
	}
	return pg, nil
}

func gravityFields(in compounding.GravityInput) []web.Field {
	return []web.Field{
		{Name: "concentration", Label: "Concentration of the solution", Value: in.Concentration, Help: "As reconstituted or supplied, e.g. 50 mg/mL."},
		{Name: "lot", Label: "Lot of the vials", Value: in.Lot},
		{Name: "volume", Label: "Volume weighed", Value: in.Volume, InputMode: "decimal", Help: "e.g. 10 mL"},
		{Name: "mass_1", Label: "First weighing, net", Value: in.Mass1, InputMode: "decimal", Help: "e.g. 10.32 g"},
		{Name: "mass_2", Label: "Second weighing, net", Value: in.Mass2, InputMode: "decimal", Help: "e.g. 10.34 g"},
		{Name: "note", Label: "Note (balance, temperature), optional", Value: in.Note},
	}
}

func (w *webUI) gravityPage(c echo.Context) error {
	pg, err := w.gravityData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

// gravitySubmit records a determination with the JSON API's checks; a
// refusal re-renders the form with each error beside its field.
func (w *webUI) gravitySubmit(c echo.Context) error {
	pg, err := w.gravityData(c)
	if err != nil {
		return err
	}
	id, _ := httpapi.PathID(c, "id")
	in := compounding.GravityInput{ProductID: id, Concentration: strings.TrimSpace(c.FormValue("concentration")),
		Lot: strings.TrimSpace(c.FormValue("lot")), Volume: strings.TrimSpace(c.FormValue("volume")),
		Mass1: strings.TrimSpace(c.FormValue("mass_1")), Mass2: strings.TrimSpace(c.FormValue("mass_2")),
		Note: strings.TrimSpace(c.FormValue("note"))}
	d, err := w.api.Compounding.DetermineGravity(c.Request().Context(), in, actorFor(httpapi.PrincipalOf(c)), w.api.Now(), nil)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal {
			return err
		}
		pg.Fields = gravityFields(in)
		fields := map[string]string{}
		for k, v := range e.Fields {
			fields[k] = v
		}
		if e.Field != "" {
			fields[e.Field] = e.Message
		}
		for i := range pg.Fields {
			pg.Fields[i].Error = fields[pg.Fields[i].Name]
		}
		pg.Error = e.Message
		if len(fields) > 0 {
			pg.Error = "Please correct the fields marked below."
		}
		return w.render(c, httpapi.StatusOf(e.Kind), pg)
	}
	return redirectWithFlash(c, pg.Action, fmt.Sprintf("Specific gravity %s recorded for %s at %s; new worksheets weigh the draw with it.",
		d.Value.SpecificGravity.String(), pg.Product, web.Dose(d.Value.Concentration)))
}
