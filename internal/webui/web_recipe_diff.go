package webui

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// recipeDiff shows two versions of a drug's recipe side by side: the
// older on the left, every field the editor has, changed ones marked.
func (w *webUI) recipeDiff(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := w.api.Compounding.Recipe(ctx, id)
	if err != nil {
		return err
	}
	all, err := w.api.Compounding.Recipes(ctx, compounding.RecipeFilter{Drug: r.Drug})
	if err != nil {
		return err
	}
	var against int64
	if s := c.QueryParam("against"); s != "" {
		if against, err = strconv.ParseInt(s, 10, 64); err != nil {
			return apperr.InvalidField("against", "%q is not a recipe version's number", s)
		}
	}
	choices := compareChoices(all, r, against)
	var other *workflow.Recipe
	for i, o := range choices {
		if o.Selected {
			other = findRecipe(all, choices[i].Value)
		}
	}
	if other == nil {
		return apperr.WithCode(apperr.NotFound, "not_found", "there is no other version of the %s recipe to compare with", r.Drug)
	}
	left, right := *other, r
	if left.Version > right.Version {
		left, right = right, left
	}
	only := c.QueryParam("changed") == "1"
	pg := web.RecipeDiffPage{Layout: w.recipeLayout(c, "Compare recipe versions"), Tabs: recipeTabs(c), ID: r.ID, Against: other.ID,
		Heading: fmt.Sprintf("%s: version %d and version %d", r.Name, left.Version, right.Version),
		Left:    fmt.Sprintf("Version %d", left.Version), Right: fmt.Sprintf("Version %d", right.Version),
		LeftURL: fmt.Sprintf("/admin/recipes/%d", left.ID), RightURL: fmt.Sprintf("/admin/recipes/%d", right.ID),
		Back: fmt.Sprintf("/admin/recipes/%d", r.ID), OnlyChanged: only, OtherChoices: choices}
	pg.ToggleURL = fmt.Sprintf("/admin/recipes/%d/diff?against=%d", r.ID, other.ID)
	if !only {
		pg.ToggleURL += "&changed=1"
	}
	for _, row := range diffRows(left, right) {
		if row.Changed {
			pg.Changed++
		}
		if !only || row.Changed {
			pg.Rows = append(pg.Rows, row)
		}
	}
	return w.render(c, http.StatusOK, pg)
}

func findRecipe(all []workflow.Recipe, id string) *workflow.Recipe {
	for i := range all {
		if strconv.FormatInt(all[i].ID, 10) == id {
			return &all[i]
		}
	}
	return nil
}

// flatField is one field of a recipe as the editor lays it out, with the
// words it shows.
type flatField struct {
	section, name, label, value string
}

// flatten lists a recipe's fields in the editor's order.
func flatten(r workflow.Recipe) []flatField {
	var out []flatField
	add := func(sec, prefix string, f web.Field) {
		v := f.Value
		switch f.Type {
		case "select":
			v = ""
			for _, o := range f.Options {
				if o.Selected && o.Value != "" {
					v = o.Label
				}
			}
		case "checkbox":
			v = map[bool]string{true: "yes", false: "no"}[f.Checked]
		}
		out = append(out, flatField{section: sec, name: f.Name, label: prefix + f.Label, value: v})
	}
	for _, s := range recipeSections(r, false, nil) {
		for _, f := range s.Fields {
			add(s.Title, "", f)
		}
		for _, row := range s.Rows {
			for _, f := range row.Fields {
				add(s.Title, row.Label+": ", f)
			}
		}
	}
	return out
}

// diffRows pairs the fields of two versions by name, in the newer one's
// order with fields only the older has after them, and marks the changed.
func diffRows(left, right workflow.Recipe) []web.DiffRow {
	lf, rf := flatten(left), flatten(right)
	byName := map[string]flatField{}
	for _, f := range lf {
		byName[f.name] = f
	}
	seen := map[string]bool{}
	var rows []web.DiffRow
	for _, f := range rf {
		l := byName[f.name]
		seen[f.name] = true
		if l.value == "" && f.value == "" {
			continue
		}
		rows = append(rows, web.DiffRow{Section: f.section, Label: f.label, Left: l.value, Right: f.value, Changed: l.value != f.value})
	}
	for _, f := range lf {
		if !seen[f.name] && f.value != "" {
			rows = append(rows, web.DiffRow{Section: f.section, Label: f.label, Left: f.value, Changed: true})
		}
	}
	return rows
}
