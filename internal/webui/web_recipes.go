package webui

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// The recipe screens: the list of versions, the field-by-field editor with
// its preview on a test patient, the approval of a draft, and two versions
// side by side. Admins and pharmacists write versions; a pharmacist who
// did not write a version approves it.

// rolesRecipes may read and write recipe versions on screen.
var rolesRecipes = []auth.Role{auth.Admin, auth.Pharmacist}

func (w *webUI) recipeRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	// The editor's answer to a preview is a whole page: compress it.
	formGzip := append(append([]echo.MiddlewareFunc{}, form...), middleware.GzipWithConfig(middleware.GzipConfig{Level: 5, MinLength: 1024}))
	return append([]httpapi.Route{
		{Method: http.MethodGet, Path: "/admin/recipes", Handler: w.recipes, Roles: rolesRecipes, Middleware: page},
		{Method: http.MethodGet, Path: "/admin/recipes/new", Handler: w.recipeForm, Roles: rolesRecipes, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/recipes/new", Handler: w.recipeSubmit, Roles: rolesRecipes, Middleware: formGzip},
		{Method: http.MethodGet, Path: "/admin/recipes/:id", Handler: w.recipeForm, Roles: rolesRecipes, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/recipes/:id", Handler: w.recipeSubmit, Roles: rolesRecipes, Middleware: formGzip},
		{Method: http.MethodPost, Path: "/admin/recipes/:id/approve", Handler: w.recipeApprove, Roles: rolesVerify, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/recipes/:id/diff", Handler: w.recipeDiff, Roles: rolesRecipes, Middleware: page},
	}, w.stabilityRoutes(page, formGzip)...)
}

// recipeTabs are the admin tabs for an admin; a pharmacist sees recipes only.
func recipeTabs(c echo.Context) []web.Tab {
	if httpapi.PrincipalOf(c).Has(rolesAdmin...) {
		return adminTabs("recipes")
	}
	return []web.Tab{{Title: "Recipes", URL: "/admin/recipes", Active: true}}
}

func (w *webUI) recipeLayout(c echo.Context, title string) web.Layout {
	if httpapi.PrincipalOf(c).Has(rolesAdmin...) {
		return w.layout(c, title, "admin")
	}
	return w.layout(c, title, "recipes")
}

// recipeStatusWords says where a version stands: in use, a draft, or
// replaced by a newer approved version.
func recipeStatusWords(r workflow.Recipe, inForce map[string]int64) string {
	switch {
	case r.Status == workflow.RecipeDraft:
		return "Draft: waiting for approval"
	case inForce[r.Drug] == r.ID:
		return "In use"
	}
	return "Approved, replaced by a newer version"
}

// inForce maps each drug to the id of its version in force.
func inForce(rs []workflow.Recipe) map[string]int64 {
	out := map[string]int64{}
	for _, r := range rs { // newest version of each drug first
		if _, ok := out[r.Drug]; !ok && r.Status == workflow.RecipeApproved {
			out[r.Drug] = r.ID
		}
	}
	return out
}

func (w *webUI) recipes(c echo.Context) error {
	rs, err := w.api.Compounding.Recipes(c.Request().Context(), compounding.RecipeFilter{})
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.recipeLayout(c, "Recipes"), Heading: "Master formulation records", Tabs: recipeTabs(c),
		Intro: "Each change makes a new draft version. A pharmacist who did not write it approves it before orders use it; " +
			"a preparation keeps the version it was made with.",
		NewURL: "/admin/recipes/new", NewText: "Add a recipe",
		Columns: []web.Column{{Title: "Recipe"}, {Title: "Drug"}, {Title: "Version", Numeric: true}, {Title: "Status"},
			{Title: "Category"}, {Title: "Storage"}, {Title: "Stability"}}}
	current := inForce(rs)
	for _, r := range rs {
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{r.Name, r.Drug, strconv.Itoa(r.Version), recipeStatusWords(r, current),
			optionLabel(categoryOptions, string(r.Category)), optionLabel(storageOptions, string(r.Storage)), r.StabilityLimit},
			URL: fmt.Sprintf("/admin/recipes/%d", r.ID), Muted: r.Status == workflow.RecipeApproved && current[r.Drug] != r.ID})
	}
	return w.render(c, http.StatusOK, pg)
}

// testFields are the test patient and order of the preview.
func testFields(f func(string) string) []web.Field {
	return []web.Field{
		textField("test.weight", "Weight", f("test.weight"), "e.g. 70 kg"),
		textField("test.height", "Height", f("test.height"), "e.g. 170 cm"),
		textField("test.dose", "Dose ordered", f("test.dose"), "e.g. 2 g, 15 mg/kg or 75 mg/m2"),
		textField("test.diluent", "Diluent", f("test.diluent"), "Empty: the recipe's default."),
		textField("test.final_volume", "Final volume", f("test.final_volume"), "Empty: the recipe's default."),
		textField("test.infuse_over", "Infuse over", f("test.infuse_over"), "e.g. 30 min (optional)"),
	}
}

var defaultTest = map[string]string{"test.weight": "70 kg", "test.height": "170 cm"}

func (w *webUI) recipeForm(c echo.Context) error {
	pg := web.RecipeEditPage{Layout: w.recipeLayout(c, "Recipe"), Tabs: recipeTabs(c), Back: "/admin/recipes", Action: "/admin/recipes/new",
		Heading: "Add a recipe"}
	r := workflow.Recipe{Steps: []workflow.StepTemplate{{ID: "scan-bag", Kind: workflow.StepScanDiluent}, {ID: "scan-vial", Kind: workflow.StepScanVial}}}
	r.Normalize()
	if c.Param("id") != "" {
		id, err := httpapi.PathID(c, "id")
		if err != nil {
			return err
		}
		if r, err = w.api.Compounding.Recipe(c.Request().Context(), id); err != nil {
			return err
		}
		pg.Action = fmt.Sprintf("/admin/recipes/%d", id)
		pg.Heading = fmt.Sprintf("%s — version %d", r.Name, r.Version)
		if pg.Version, err = w.versionInfo(c, r); err != nil {
			return err
		}
	}
	pg.Sections = recipeSections(r, true, nil)
	test := map[string]string{}
	for k, v := range defaultTest {
		test[k] = v
	}
	if pg.Version != nil && pg.Version.Draft && r.MaxDose != "" {
		// A draft opens with its worksheet already previewed (at its
		// maximum dose), so whoever checks it sees the derivation at once.
		test["test.dose"] = r.MaxDose
		pg.Test = testFields(func(k string) string { return test[k] })
		pg.Preview = w.preview(c, r, func(k string) string { return test[k] }, pg.Test)
	} else {
		pg.Test = testFields(func(k string) string { return test[k] })
	}
	return w.render(c, http.StatusOK, pg)
}

// versionInfo is a stored version's approval, in words, and what the
// viewer may do with it.
func (w *webUI) versionInfo(c echo.Context, r workflow.Recipe) (*web.RecipeVersionInfo, error) {
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c)
	all, err := w.api.Compounding.Recipes(ctx, compounding.RecipeFilter{Drug: r.Drug})
	if err != nil {
		return nil, err
	}
	loc := w.api.Config.Location
	v := &web.RecipeVersionInfo{ID: r.ID, Version: r.Version, Draft: r.Status == workflow.RecipeDraft,
		Status: recipeStatusWords(r, inForce(all)), Author: orWords(w.api.Compounding.UserName(ctx, r.CreatedBy), "someone not recorded"),
		Created: web.Time(r.CreatedAt, loc)}
	if r.ApprovedAt != nil {
		v.Approval = "Approved on " + web.Time(*r.ApprovedAt, loc)
		if r.ApprovedBy != nil {
			v.Approval += " by " + w.api.Compounding.UserName(ctx, r.ApprovedBy)
		}
		v.Approval += "."
	}
	mine := r.CreatedBy != nil && *r.CreatedBy == me.UserID
	v.OwnDraft = v.Draft && mine
	v.CanApprove = v.Draft && !mine && me.Has(rolesVerify...)
	v.Compare = compareChoices(all, r, 0)
	return v, nil
}

// compareChoices lists the other versions of a drug, the one before r
// chosen unless against names one.
func compareChoices(all []workflow.Recipe, r workflow.Recipe, against int64) []web.Option {
	var out []web.Option
	for _, o := range all {
		if o.ID == r.ID {
			continue
		}
		sel := o.ID == against || (against == 0 && o.Version < r.Version && (len(out) == 0 || !anySelected(out)))
		out = append(out, web.Option{Value: strconv.FormatInt(o.ID, 10), Label: fmt.Sprintf("version %d (%s)", o.Version, strings.ToLower(recipeStatusWords(o, inForce(all)))), Selected: sel})
	}
	return out
}

func anySelected(os []web.Option) bool {
	for _, o := range os {
		if o.Selected {
			return true
		}
	}
	return false
}

func orWords(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// recipeSubmit previews the worksheet on the test patient or saves the
// form as a new draft version; either way a problem re-renders the form
// with each error beside its field.
func (w *webUI) recipeSubmit(c echo.Context) error {
	if c.Param("id") != "" {
		// The version edited: saving makes a new one, but the address
		// must still name a recipe.
		if _, err := httpapi.PathID(c, "id"); err != nil {
			return err
		}
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.InvalidField("form", "the form could not be read")
	}
	r, errs, raw := recipeFromForm(form)
	pg := web.RecipeEditPage{Layout: w.recipeLayout(c, "Recipe"), Tabs: recipeTabs(c), Back: "/admin/recipes", Action: c.Request().URL.Path,
		Heading: "Add a recipe", Test: testFields(func(k string) string { return strings.TrimSpace(form.Get(k)) })}
	if c.Param("id") != "" {
		pg.Heading = "Edit " + orWords(r.Name, "the recipe")
	}
	status := http.StatusOK
	if len(errs) == 0 {
		if form.Get("action") == "preview" {
			checked := r
			checked.Normalize()
			if err := checked.Validate(); err != nil {
				errs, status = fieldMap(err), httpapi.StatusOf(apperr.KindOf(err))
				pg.Preview = &web.RecipePreview{Error: "No worksheet until the fields marked above are corrected."}
			} else {
				pg.Preview = w.preview(c, r, form.Get, pg.Test)
			}
		} else {
			d, err := w.api.Compounding.CreateRecipe(c.Request().Context(), r, httpapi.PrincipalOf(c).UserID, w.api.now(), nil)
			if err == nil {
				return redirectWithFlash(c, fmt.Sprintf("/admin/recipes/%d", d.Value.ID),
					fmt.Sprintf("Saved %s version %d as a draft: a pharmacist other than you must approve it before orders use it.", d.Value.Name, d.Value.Version))
			}
			if apperr.KindOf(err) == apperr.Internal {
				return err
			}
			errs = fieldMap(err)
			status = httpapi.StatusOf(apperr.KindOf(err))
		}
	} else {
		status = http.StatusBadRequest
	}
	r.Normalize()
	pg.Sections = recipeSections(r, true, raw)
	if rest := markErrors(pg.Sections, errs); len(rest) > 0 {
		pg.Error = "Please correct: " + strings.Join(rest, "; ")
	} else if len(errs) > 0 {
		pg.Error = "Please correct the fields marked below."
	}
	return w.render(c, status, pg)
}

// fieldMap is an error's messages by field.
func fieldMap(err error) map[string]string {
	e := httpapi.ToAppErr(err)
	out := map[string]string{}
	for k, v := range e.Fields {
		out[k] = v
	}
	if _, ok := out[e.Field]; !ok {
		out[e.Field] = e.Message
	}
	return out
}

// testFieldOf maps an order's field to the test patient's.
var testFieldOf = map[string]string{"patient.weight": "test.weight", "patient.height": "test.height", "dose": "test.dose",
	"diluent": "test.diluent", "final_volume": "test.final_volume", "infuse_over": "test.infuse_over"}

// preview computes the worksheet of the test order from r, unsaved. A
// problem of the recipe is marked on its fields by the caller's
// validation; one of the test order goes beside the test field.
func (w *webUI) preview(c echo.Context, r workflow.Recipe, get func(string) string, test []web.Field) *web.RecipePreview {
	now := w.api.now()
	in := workflow.OrderInput{
		Patient: workflow.PatientInput{MRN: "TEST-0000", Name: "Test, Patient", BirthDate: "1980-01-01",
			Weight: strings.TrimSpace(get("test.weight")), Height: strings.TrimSpace(get("test.height")), Location: "Preview"},
		Drug: r.Drug, Dose: strings.TrimSpace(get("test.dose")), Route: "IV", Diluent: strings.TrimSpace(get("test.diluent")),
		FinalVolume: strings.TrimSpace(get("test.final_volume")), InfuseOver: strings.TrimSpace(get("test.infuse_over")),
		DueAt: now.Add(time.Hour).UTC().Format(time.RFC3339), Priority: "routine",
	}
	pv := &web.RecipePreview{}
	fail := func(err error) *web.RecipePreview {
		var rest []string
		for k, msg := range fieldMap(err) {
			placed := false
			for i := range test {
				if test[i].Name == testFieldOf[k] {
					test[i].Error, placed = plainWords(msg), true
				}
			}
			if !placed {
				rest = append(rest, plainWords(msg))
			}
		}
		sort.Strings(rest)
		pv.Error = "No worksheet: " + orWords(strings.Join(rest, "; "), "see the test patient's fields above.")
		return pv
	}
	o, err := in.Validate(now)
	if err != nil {
		return fail(err)
	}
	ws, err := w.api.Compounding.PreviewWorksheet(c.Request().Context(), r, o, now)
	if err != nil {
		if apperr.KindOf(err) == apperr.Internal {
			pv.Error = "The worksheet could not be computed."
			return pv
		}
		return fail(err)
	}
	v := w.prepView(&workflow.Preparation{Worksheet: ws}, w.names(c.Request().Context()))
	pv.Quantities = v.Quantities
	for _, s := range v.Steps {
		pv.Steps = append(pv.Steps, s.Title)
	}
	if ws.BUD != nil {
		pv.BUD = web.Time(ws.BUD.BUD, w.api.Config.Location) + " — " + ws.BUD.Reason
	}
	for _, h := range v.Holds {
		pv.Warnings = append(pv.Warnings, "Outside a dose limit: "+h)
	}
	for _, m := range ws.Warnings {
		pv.Warnings = append(pv.Warnings, plainWords(m))
	}
	return pv
}

// recipeApprove approves a draft as a pharmacist who did not write it,
// with the password re-entered; a refusal shows the recipe again with why.
func (w *webUI) recipeApprove(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := w.api.Compounding.Recipe(ctx, id)
	if err != nil {
		return err
	}
	approve := func() error {
		ra, ok := w.api.Auth.(httpapi.Reauthenticator)
		if !ok {
			return apperr.WithCode(apperr.Unavailable, "reauth_unavailable", "password re-entry cannot be checked by this server")
		}
		if c.FormValue("password") == "" {
			return apperr.InvalidField("password", "Enter your password or PIN to sign the approval.")
		}
		if r.CreatedBy != nil && *r.CreatedBy == httpapi.PrincipalOf(c).UserID {
			// Refused before the password is even checked.
			_, err := r.Approve(httpapi.PrincipalOf(c).UserID, w.api.now())
			return err
		}
		if err := ra.ReauthPassword(ctx, httpapi.PrincipalOf(c), c.FormValue("password")); err != nil {
			return err
		}
		_, err := w.api.Compounding.ApproveRecipe(ctx, id, httpapi.PrincipalOf(c).UserID, w.api.now(), nil)
		return err
	}
	if refusal := approve(); refusal != nil {
		if k := apperr.KindOf(refusal); k == apperr.Internal || k == apperr.NotFound {
			return refusal
		}
		pg := web.RecipeEditPage{Layout: w.recipeLayout(c, "Recipe"), Tabs: recipeTabs(c), Back: "/admin/recipes",
			Action: fmt.Sprintf("/admin/recipes/%d", id), Heading: fmt.Sprintf("%s — version %d", r.Name, r.Version),
			Error: "Not approved: " + plainWords(apperr.Message(refusal))}
		if pg.Version, err = w.versionInfo(c, r); err != nil {
			return err
		}
		pg.Sections = recipeSections(r, true, nil)
		pg.Test = testFields(func(k string) string { return defaultTest[k] })
		return w.render(c, httpapi.StatusOf(apperr.KindOf(refusal)), pg)
	}
	return redirectWithFlash(c, fmt.Sprintf("/admin/recipes/%d", id),
		fmt.Sprintf("Approved %s version %d: new orders for %s use it now.", r.Name, r.Version, r.Drug))
}
