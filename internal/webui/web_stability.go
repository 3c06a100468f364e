package webui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/web"
)

// The stability entries of a product's drug: how long it keeps, once
// reconstituted or diluted, per diluent, container and storage, with the
// source. They belong to the drug, so every product of it shares them; a
// change is validated entry by entry and logged with the entries before
// and after.

func (w *webUI) stabilityRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/admin/products/:id/stability", Handler: w.stabilityForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/products/:id/stability", Handler: w.stabilitySave, Roles: rolesAdmin, Middleware: form},
	}
}

var (
	phaseWords   = map[string]string{"reconstituted": "in its vial, reconstituted", "diluted": "diluted in the bag"}
	storageWords = map[string]string{"": "as the source says", "room": "room temperature (20–25 °C)", "refrigerator": "refrigerator (2–8 °C)", "freezer": "freezer (−25 to −10 °C)"}
)

// stabilityInput is one entry as typed.
type stabilityInput struct {
	Presentation, Diluent, Phase, Storage, LimitHours, Note, SourceURL string
}

func stabilityFields(es []stabilityInput) []web.Field {
	var out []web.Field
	for i := 0; i <= len(es); i++ {
		var e stabilityInput
		if i < len(es) {
			e = es[i]
		}
		p := fmt.Sprintf("stability[%d].", i)
		n := fmt.Sprintf("Entry %d: ", i+1)
		if i == len(es) {
			n = "Add an entry: "
		}
		out = append(out,
			web.Field{Name: p + "presentation", Label: n + "container", Value: e.Presentation, Help: "As the source says, e.g. 1 g single-dose vial."},
			web.Field{Name: p + "diluent", Label: n + "diluent", Value: e.Diluent},
			web.Field{Name: p + "phase", Label: n + "state", Type: "select", Options: labelled([]string{"reconstituted", "diluted"}, phaseWords, orWords(e.Phase, "diluted"))},
			web.Field{Name: p + "storage", Label: n + "storage", Type: "select", Options: labelled([]string{"", "room", "refrigerator", "freezer"}, storageWords, e.Storage)},
			web.Field{Name: p + "limit_hours", Label: n + "keeps for (hours)", Value: e.LimitHours, InputMode: "decimal", Help: "e.g. 24 or 240; empty when the source gives no hold time (say what it says in the note)."},
			web.Field{Name: p + "note", Label: n + "note", Value: e.Note},
			web.Field{Name: p + "source_url", Label: n + "source", Value: e.SourceURL, InputMode: "url"})
	}
	return out
}

func (w *webUI) stabilityPage(c echo.Context, p *formulary.Product, es []stabilityInput) web.AdminFormPage {
	return web.AdminFormPage{Layout: w.layout(c, "Stability", "admin"), Tabs: adminTabs("products"),
		Heading: "Stability of " + p.Drug.DisplayName(), Action: c.Request().URL.Path, Submit: "Save the stability entries",
		Back:   fmt.Sprintf("/admin/products/%d", p.ID),
		Intro:  "These entries belong to the drug: every product of " + p.Drug.DisplayName() + " uses them. Empty an entry's fields to remove it.",
		Links:  []web.Tab{{Title: "Back to the product", URL: fmt.Sprintf("/admin/products/%d", p.ID)}},
		Fields: stabilityFields(es)}
}

func (w *webUI) stabilityForm(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cat := w.api.catalog()
	p, err := cat.Product(ctx, id)
	if err != nil {
		return err
	}
	es, err := cat.Stability(ctx, p.Drug.ID)
	if err != nil {
		return err
	}
	in := make([]stabilityInput, len(es))
	for i, e := range es {
		in[i] = stabilityInput{Presentation: e.Presentation, Diluent: e.Diluent, Phase: string(e.Phase), Storage: string(e.Storage),
			Note: e.Note, SourceURL: e.SourceURL}
		if e.LimitHours != nil {
			in[i].LimitHours = e.LimitHours.String()
		}
	}
	return w.render(c, http.StatusOK, w.stabilityPage(c, p, in))
}

func (w *webUI) stabilitySave(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := w.api.catalog().Product(ctx, id)
	if err != nil {
		return err
	}
	var in []stabilityInput
	for i := 0; i < maxFormRows; i++ {
		pre := fmt.Sprintf("stability[%d].", i)
		v := func(k string) string { return strings.TrimSpace(c.FormValue(pre + k)) }
		e := stabilityInput{Presentation: v("presentation"), Diluent: v("diluent"), Phase: v("phase"), Storage: v("storage"),
			LimitHours: v("limit_hours"), Note: v("note"), SourceURL: v("source_url")}
		if e.Presentation == "" && e.Diluent == "" && e.LimitHours == "" && e.Note == "" && e.SourceURL == "" {
			continue
		}
		in = append(in, e)
	}
	save := func() error {
		es := make([]formulary.StabilityEntry, len(in))
		for i, e := range in {
			es[i] = formulary.StabilityEntry{Drug: p.Drug, Presentation: e.Presentation, Diluent: e.Diluent, Phase: formulary.Phase(e.Phase),
				Storage: formulary.Storage(e.Storage), Note: e.Note, SourceURL: e.SourceURL}
			if e.LimitHours != "" {
				h, err := calc.ParseDecimal(e.LimitHours)
				if err != nil {
					return apperr.InvalidField(fmt.Sprintf("stability[%d].limit_hours", i), "%q is not a number of hours, e.g. 24", e.LimitHours)
				}
				es[i].LimitHours = &h
			}
		}
		return w.api.catalog().ReplaceStability(ctx, p.Drug.ID, es, httpapi.ActorID(c))
	}
	if err := save(); err != nil {
		if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound {
			return err
		}
		pg := w.stabilityPage(c, p, in)
		fieldErrors(&pg, err)
		return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), pg)
	}
	return redirectWithFlash(c, fmt.Sprintf("/admin/products/%d", p.ID), fmt.Sprintf("Saved %d stability entries of %s.", len(in), p.Drug.DisplayName()))
}
