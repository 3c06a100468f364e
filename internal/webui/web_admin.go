package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/catalog"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/web"
)

// The admin screens follow one loop: parse the form, validate it with the
// same domain checks the JSON API uses, and either redirect with a flash
// or re-render the form with the submitted values and each error beside
// its field.

func adminTabs(active string) []web.Tab {
	return []web.Tab{
		{Title: "Products", URL: "/admin/products", Active: active == "products"},
		{Title: "Recipes", URL: "/admin/recipes", Active: active == "recipes"},
		{Title: "Users", URL: "/admin/users", Active: active == "users"},
		{Title: "Balances", URL: "/admin/balances", Active: active == "balances"},
		{Title: "Label printers", URL: "/admin/printers", Active: active == "printers"},
		{Title: "Print queue", URL: "/print-queue", Active: active == "print"},
	}
}

// fieldErrors spreads an apperr's field messages over the form fields;
// what fits no field becomes the form's error.
func fieldErrors(pg *web.AdminFormPage, err error) {
	e := httpapi.ToAppErr(err)
	fields := map[string]string{}
	for k, v := range e.Fields {
		fields[k] = v
	}
	if e.Field != "" {
		if _, ok := fields[e.Field]; !ok {
			fields[e.Field] = e.Message
		}
	}
	var rest []string
	for k, v := range fields {
		name := k
		if pg.FieldByName(name) == nil {
			if i := strings.IndexAny(name, ".["); i > 0 {
				name = name[:i]
			}
		}
		if f := pg.FieldByName(name); f != nil {
			f.Error = plainWords(v)
		} else {
			rest = append(rest, plainWords(k+": "+v))
		}
	}
	switch {
	case len(rest) > 0:
		pg.Error = "Please correct: " + strings.Join(rest, "; ")
	case len(fields) == 0:
		pg.Error = e.Message
	default:
		pg.Error = "Please correct the fields marked below."
	}
}

func options(values []string, selected string) []web.Option {
	out := make([]web.Option, len(values))
	for i, v := range values {
		out[i] = web.Option{Value: v, Label: strings.ReplaceAll(v, "_", " "), Selected: v == selected}
	}
	return out
}

// ---------------------------------------------------------------- products

func (w *webUI) products(c echo.Context) error {
	q := strings.TrimSpace(c.QueryParam("q"))
	query, err := formulary.ParseQuery(q)
	if err != nil {
		return err
	}
	ps, err := w.api.catalog().SearchProducts(c.Request().Context(), query, catalog.ProductFilter{IncludeInactive: true, Limit: 500})
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.layout(c, "Products", "admin"), Heading: "Formulary products", Tabs: adminTabs("products"),
		Search: true, Query: q, NewURL: "/admin/products/new", NewText: "Add a product",
		Columns: []web.Column{{Title: "Drug"}, {Title: "Strength"}, {Title: "Volume", Numeric: true}, {Title: "Container"}, {Title: "NDC"}, {Title: "Labeler"}, {Title: "Hazardous"}}}
	for _, p := range ps {
		v := formulary.ViewOf(p)
		haz := ""
		if v.Hazardous {
			haz = "yes (" + wordsFor(hazardWords, v.NIOSHTable) + ")"
		}
		strength := v.StrengthDisplay
		if strength == "" {
			strength = v.StrengthText
		}
		volume := ""
		if v.Volume != "" {
			volume = web.Dose(v.Volume)
		} else if v.ReconstitutedVolume != "" {
			volume = web.Dose(v.ReconstitutedVolume) + " when reconstituted"
		}
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{v.DisplayName, strength, volume, wordsFor(containerWords, v.Container), v.NDC, v.Labeler, haz},
			URL: fmt.Sprintf("/admin/products/%d", v.ID), Muted: !v.Active})
	}
	return w.render(c, http.StatusOK, pg)
}

var containers = []string{"single_dose", "multiple_dose", "pharmacy_bulk", "ampule", "bag"}

// The words of the formulary's codes on screen.
var (
	containerWords = map[string]string{"single_dose": "single-dose vial", "multiple_dose": "multiple-dose vial",
		"pharmacy_bulk": "pharmacy bulk package", "ampule": "ampule", "bag": "bag", "": ""}
	hazardWords = map[string]string{"niosh_table1": "NIOSH table 1", "niosh_table2": "NIOSH table 2", "none": "not hazardous", "": "not hazardous"}
)

// wordsFor is a code's words; a code without words of its own (one added
// later) is shown with spaces for its underscores rather than as a code.
func wordsFor(words map[string]string, code string) string {
	if w, ok := words[code]; ok {
		return w
	}
	return strings.ReplaceAll(code, "_", " ")
}

// labelled makes options whose labels are words, in the order of values.
func labelled(values []string, words map[string]string, selected string) []web.Option {
	out := options(values, selected)
	for i := range out {
		if w, ok := words[out[i].Value]; ok {
			out[i].Label = w
		}
	}
	return out
}

func productFields(in formulary.ProductInput) []web.Field {
	active := in.Active == nil || *in.Active
	fields := []web.Field{
		{Name: "drug", Label: "Drug (generic name)", Value: in.Drug, Required: true},
		{Name: "tall_man", Label: "Tall-man spelling", Value: in.TallMan, Help: "For look-alike names, e.g. ceFAZolin."},
		{Name: "hazard", Label: "Hazardous drug", Type: "select", Options: labelled([]string{"none", "niosh_table1", "niosh_table2"}, hazardWords, in.Hazard)},
		{Name: "brand", Label: "Brand", Value: in.Brand},
		{Name: "package_ndc", Label: "Package NDC", Value: in.PackageNDC, Required: true, Help: "As printed, with hyphens: 60505-6243-4."},
		{Name: "unit_ndcs", Label: "Unit-of-use NDCs", Value: strings.Join(in.UnitNDCs, ", "), Help: "The NDC on each vial or bag, comma-separated."},
		{Name: "labeler", Label: "Labeler", Value: in.Labeler, Required: true},
		{Name: "dosage_form", Label: "Dosage form", Value: in.DosageForm, Required: true, Help: "e.g. injection, powder, for solution"},
		{Name: "strength", Label: "Strength", Value: in.Strength, Help: "Amount per container of a powder (1 g) or concentration of a liquid (2 mEq/mL)."},
		{Name: "strength_text", Label: "Strength as labelled", Value: in.StrengthText},
		{Name: "volume", Label: "Volume per container", Value: in.Volume, Help: "e.g. 100 mL"},
		{Name: "container", Label: "Container", Type: "select", Options: labelled(containers, containerWords, in.Container)},
		{Name: "specific_gravity", Label: "Specific gravity", Value: in.SpecificGravity, InputMode: "decimal", Help: "Needed for a weight check of the liquid; leave empty when unknown."},
		{Name: "reconstituted_volume", Label: "Volume after reconstitution (powder)", Value: in.ReconstitutedVolume, Help: "As listed, e.g. 15 mL for 3.375 g/15 mL."},
		{Name: "storage", Label: "Storage", Value: in.Storage},
		{Name: "note", Label: "Note", Type: "textarea", Value: in.Note},
		{Name: "source_url", Label: "Source (label or package insert address)", Value: in.SourceURL, InputMode: "url"},
		{Name: "active", Label: "In use (unticked: withdrawn, cannot be scanned into new preparations)", Type: "checkbox", Checked: active},
	}
	return append(fields, reconstitutionFields(in.Reconstitution)...)
}

// reconstitutionFields are a powder's reconstitution directions, each
// direction a group of fields, plus an empty one to add a direction.
func reconstitutionFields(rs []formulary.ReconstitutionInput) []web.Field {
	var out []web.Field
	for i := 0; i <= len(rs); i++ {
		var r formulary.ReconstitutionInput
		if i < len(rs) {
			r = rs[i]
		}
		p := fmt.Sprintf("reconstitution[%d].", i)
		n := fmt.Sprintf("Reconstitution %d: ", i+1)
		if i == len(rs) {
			n = "Add a reconstitution: "
		}
		out = append(out,
			web.Field{Name: p + "diluent", Label: n + "diluent", Value: r.Diluent, Help: "e.g. sterile water for injection"},
			web.Field{Name: p + "diluent_volume", Label: n + "diluent volume", Value: r.DiluentVolume, Help: "e.g. 2.5 mL"},
			web.Field{Name: p + "available_volume", Label: n + "volume after reconstitution", Value: r.AvailableVolume, Help: "As the label gives it, e.g. 3 mL; the difference is the powder's displacement."},
			web.Field{Name: p + "concentration", Label: n + "concentration as labelled", Value: r.Concentration, Help: "e.g. about 330 mg/mL"},
			web.Field{Name: p + "note", Label: n + "note", Value: r.Note})
	}
	return out
}

// reconstitutionsFromForm reads the directions, skipping empty ones.
func reconstitutionsFromForm(c echo.Context) []formulary.ReconstitutionInput {
	var out []formulary.ReconstitutionInput
	for i := 0; i < maxFormRows; i++ {
		p := fmt.Sprintf("reconstitution[%d].", i)
		v := func(k string) string { return strings.TrimSpace(c.FormValue(p + k)) }
		r := formulary.ReconstitutionInput{Diluent: v("diluent"), DiluentVolume: v("diluent_volume"), AvailableVolume: v("available_volume"),
			Concentration: v("concentration"), Note: v("note")}
		if r != (formulary.ReconstitutionInput{}) {
			out = append(out, r)
		}
	}
	return out
}

func (w *webUI) productForm(c echo.Context) error {
	pg := web.AdminFormPage{Layout: w.layout(c, "Product", "admin"), Tabs: adminTabs("products"), Back: "/admin/products"}
	if c.Param("id") == "" {
		pg.Heading, pg.Action, pg.Submit = "Add a product", "/admin/products/new", "Add product"
		pg.Fields = productFields(formulary.ProductInput{Container: "single_dose", Hazard: "none"})
		return w.render(c, http.StatusOK, pg)
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := w.api.catalog().Product(c.Request().Context(), id)
	if err != nil {
		return err
	}
	v := formulary.ViewOf(p)
	in := formulary.ProductInput{Drug: v.Drug, TallMan: v.TallMan, Hazard: v.NIOSHTable, Brand: v.Brand, PackageNDC: v.NDC,
		Labeler: v.Labeler, DosageForm: v.DosageForm, Strength: v.Strength, StrengthText: v.StrengthText, Volume: v.Volume,
		Container: v.Container, Storage: v.Storage, Note: v.Note, Active: &v.Active,
		ReconstitutedVolume: v.ReconstitutedVolume, SourceURL: v.SourceURL}
	for _, r := range v.Reconstitution {
		in.Reconstitution = append(in.Reconstitution, formulary.ReconstitutionInput{Diluent: r.Diluent, DiluentVolume: r.DiluentVolume,
			AvailableVolume: r.AvailableVolume, Concentration: r.Concentration, Note: r.Note})
	}
	if in.Hazard == "" {
		in.Hazard = "none"
	}
	if v.SpecificGravity != nil {
		in.SpecificGravity = *v.SpecificGravity
	}
	for _, cd := range v.Codes {
		if cd.Kind != "package" && cd.NDC != v.NDC {
			in.UnitNDCs = append(in.UnitNDCs, cd.NDC)
		}
	}
	pg.Heading, pg.Action, pg.Submit = "Edit "+v.DisplayName+" "+v.StrengthText, c.Request().URL.Path, "Save changes"
	pg.Links = []web.Tab{{Title: "Stability of " + v.DisplayName, URL: fmt.Sprintf("/admin/products/%d/stability", id)}}
	pg.Fields = productFields(in)
	if pg.Picture, err = w.pictureForm(c.Request().Context(), id, v.DisplayName+" "+v.StrengthText, pg.CSRF); err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) productSave(c echo.Context) error {
	active := c.FormValue("active") == "1"
	in := formulary.ProductInput{
		Drug: strings.TrimSpace(c.FormValue("drug")), TallMan: strings.TrimSpace(c.FormValue("tall_man")), Hazard: c.FormValue("hazard"),
		Brand: strings.TrimSpace(c.FormValue("brand")), PackageNDC: strings.TrimSpace(c.FormValue("package_ndc")),
		Labeler: strings.TrimSpace(c.FormValue("labeler")), DosageForm: strings.TrimSpace(c.FormValue("dosage_form")),
		Strength: strings.TrimSpace(c.FormValue("strength")), StrengthText: strings.TrimSpace(c.FormValue("strength_text")),
		Volume: strings.TrimSpace(c.FormValue("volume")), Container: c.FormValue("container"),
		SpecificGravity: strings.TrimSpace(c.FormValue("specific_gravity")), Storage: strings.TrimSpace(c.FormValue("storage")),
		Note: strings.TrimSpace(c.FormValue("note")), Active: &active,
		ReconstitutedVolume: strings.TrimSpace(c.FormValue("reconstituted_volume")), SourceURL: strings.TrimSpace(c.FormValue("source_url")),
		Reconstitution: reconstitutionsFromForm(c),
	}
	for _, n := range strings.Split(c.FormValue("unit_ndcs"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			in.UnitNDCs = append(in.UnitNDCs, n)
		}
	}
	isNew := c.Param("id") == ""
	var id int64
	if !isNew {
		var err error
		if id, err = httpapi.PathID(c, "id"); err != nil {
			return err
		}
	}
	pg := web.AdminFormPage{Layout: w.layout(c, "Product", "admin"), Tabs: adminTabs("products"), Back: "/admin/products",
		Action: c.Request().URL.Path, Fields: productFields(in), Heading: "Edit product", Submit: "Save changes"}
	if isNew {
		pg.Heading, pg.Submit = "Add a product", "Add product"
	}
	save := func() (*formulary.Product, error) {
		if err := httpapi.CheckFields(in); err != nil {
			return nil, err
		}
		p, err := in.Product()
		if err != nil {
			return nil, err
		}
		if isNew {
			return w.api.catalog().CreateProduct(c.Request().Context(), p, httpapi.ActorID(c))
		}
		return w.api.catalog().UpdateProduct(c.Request().Context(), id, p, httpapi.ActorID(c))
	}
	p, err := save()
	if err != nil {
		if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound {
			return err
		}
		fieldErrors(&pg, err)
		return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), pg)
	}
	return redirectWithFlash(c, "/admin/products", fmt.Sprintf("Saved %s %s.", p.Drug.DisplayName(), p.StrengthText))
}

// ------------------------------------------------------------------- users

// userService is the auth service's account management.
type userService interface {
	Users(ctx context.Context, actor *auth.Principal) ([]auth.User, error)
	User(ctx context.Context, actor *auth.Principal, id int64) (auth.User, error)
	CreateUser(ctx context.Context, actor *auth.Principal, in auth.NewUser) (auth.User, error)
	SetRoles(ctx context.Context, actor *auth.Principal, id int64, roles []auth.Role) (auth.User, error)
	ResetPassword(ctx context.Context, actor *auth.Principal, id int64, password string) (auth.User, error)
	ResetPIN(ctx context.Context, actor *auth.Principal, id int64, badge, pin string) (auth.User, error)
	Deactivate(ctx context.Context, actor *auth.Principal, id int64) (auth.User, error)
}

func (w *webUI) accounts() (userService, error) {
	if s, ok := w.api.Auth.(userService); ok {
		return s, nil
	}
	return nil, apperr.WithCode(apperr.Unavailable, "users_unavailable", "account management is not available on this server")
}

func (w *webUI) users(c echo.Context) error {
	svc, err := w.accounts()
	if err != nil {
		return err
	}
	us, err := svc.Users(c.Request().Context(), httpapi.PrincipalOf(c))
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.layout(c, "Users", "admin"), Heading: "Users", Tabs: adminTabs("users"),
		NewURL: "/admin/users/new", NewText: "Add a user",
		Columns: []web.Column{{Title: "Username"}, {Title: "Name"}, {Title: "Roles"}, {Title: "Badge"}, {Title: "Signs in with"}, {Title: "Status"}}}
	for _, u := range us {
		var with []string
		if u.HasPassword {
			with = append(with, "password")
		}
		if u.HasPIN {
			with = append(with, "badge + PIN")
		}
		status := "active"
		if !u.Active {
			status = "deactivated"
		}
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{u.Username, u.DisplayName, rolesWords(u.Roles), u.Badge, strings.Join(with, ", "), status},
			URL: fmt.Sprintf("/admin/users/%d", u.ID), Muted: !u.Active})
	}
	return w.render(c, http.StatusOK, pg)
}

func rolesWords(rs []auth.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = strings.ReplaceAll(string(r), "_", " ")
	}
	return strings.Join(s, ", ")
}

func roleOptions(have []auth.Role) []web.Option {
	out := make([]web.Option, len(auth.AllRoles))
	for i, r := range auth.AllRoles {
		sel := false
		for _, h := range have {
			sel = sel || h == r
		}
		out[i] = web.Option{Value: string(r), Label: strings.ReplaceAll(string(r), "_", " "), Selected: sel}
	}
	return out
}

func userFields(isNew bool, u auth.User) []web.Field {
	f := []web.Field{}
	if isNew {
		f = append(f, web.Field{Name: "username", Label: "Username", Value: u.Username, Required: true, Autocomplete: "off",
			Help: "Lower-case letters, digits, dot, dash or underscore."},
			web.Field{Name: "display_name", Label: "Full name", Value: u.DisplayName})
	}
	f = append(f,
		web.Field{Name: "roles", Label: "Roles (the first ticked is the main one)", Type: "checkboxes", Options: roleOptions(u.Roles)},
		web.Field{Name: "password", Label: map[bool]string{true: "Password", false: "New password (leave empty to keep)"}[isNew], Type: "password", Autocomplete: "new-password",
			Help: "At least 12 characters; needed unless the user signs in by badge."},
		web.Field{Name: "badge", Label: "Badge", Value: u.Badge, Autocomplete: "off", Help: "What the badge scan reads."},
		web.Field{Name: "pin", Label: map[bool]string{true: "PIN", false: "New PIN (leave empty to keep)"}[isNew], Type: "password", InputMode: "numeric", Autocomplete: "new-password",
			Help: "4 to 8 digits, with a badge."},
	)
	if !isNew && u.Active {
		f = append(f, web.Field{Name: "deactivate", Label: "Deactivate this account (its sessions end; it cannot be undone — you are asked to confirm)", Type: "checkbox"})
	}
	return f
}

func (w *webUI) userForm(c echo.Context) error {
	pg := web.AdminFormPage{Layout: w.layout(c, "User", "admin"), Tabs: adminTabs("users"), Back: "/admin/users"}
	if c.Param("id") == "" {
		pg.Heading, pg.Action, pg.Submit = "Add a user", "/admin/users/new", "Add user"
		pg.Fields = userFields(true, auth.User{Roles: []auth.Role{auth.Technician}})
		return w.render(c, http.StatusOK, pg)
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	svc, err := w.accounts()
	if err != nil {
		return err
	}
	u, err := svc.User(c.Request().Context(), httpapi.PrincipalOf(c), id)
	if err != nil {
		return err
	}
	pg.Heading, pg.Action, pg.Submit = "Edit "+u.Username, c.Request().URL.Path, "Save changes"
	pg.Fields = userFields(false, u)
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) userSave(c echo.Context) error {
	svc, err := w.accounts()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c)
	form, _ := c.FormParams()
	var roles []auth.Role
	for _, r := range form["roles"] {
		roles = append(roles, auth.Role(r))
	}
	u := auth.User{Username: strings.TrimSpace(c.FormValue("username")), DisplayName: strings.TrimSpace(c.FormValue("display_name")),
		Roles: roles, Badge: strings.TrimSpace(c.FormValue("badge")), Active: true}
	password, pin := c.FormValue("password"), c.FormValue("pin")
	isNew := c.Param("id") == ""
	pg := web.AdminFormPage{Layout: w.layout(c, "User", "admin"), Tabs: adminTabs("users"), Back: "/admin/users",
		Action: c.Request().URL.Path, Fields: userFields(isNew, u), Heading: "Edit user", Submit: "Save changes"}
	if isNew {
		pg.Heading, pg.Submit = "Add a user", "Add user"
	}
	fail := func(err error) error {
		if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound {
			return err
		}
		fieldErrors(&pg, err)
		return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), pg)
	}
	if isNew {
		created, err := svc.CreateUser(ctx, me, auth.NewUser{Username: u.Username, DisplayName: u.DisplayName, Roles: roles,
			Password: password, Badge: u.Badge, PIN: pin})
		if err != nil {
			return fail(err)
		}
		return redirectWithFlash(c, "/admin/users", "Added "+created.Username+".")
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	before, err := svc.User(ctx, me, id)
	if err != nil {
		return err
	}
	pg.Heading = "Edit " + before.Username
	if c.FormValue("deactivate") == "1" {
		if c.FormValue("confirm") != "1" {
			// It cannot be undone: ask once more, on a page of its own,
			// which works without JavaScript.
			return w.render(c, http.StatusOK, web.ConfirmPage{Layout: w.layout(c, "Deactivate "+before.Username, "admin"), Tabs: adminTabs("users"),
				Heading: "Deactivate " + before.Username + "?",
				Message: fmt.Sprintf("%s (%s) will be signed out at once and can no longer sign in or be given work. This cannot be undone: "+
					"to let them work again an admin must add a new account.", orWords(before.DisplayName, before.Username), before.Username),
				Action: c.Request().URL.Path, Hidden: []web.Option{{Value: "deactivate", Label: "1"}, {Value: "confirm", Label: "1"}},
				Confirm: "Yes, deactivate " + before.Username, Back: c.Request().URL.Path})
		}
		if _, err := svc.Deactivate(ctx, me, id); err != nil {
			return fail(err)
		}
		return redirectWithFlash(c, "/admin/users", "Deactivated "+before.Username+".")
	}
	if _, err := svc.SetRoles(ctx, me, id, roles); err != nil {
		return fail(err)
	}
	if password != "" {
		if _, err := svc.ResetPassword(ctx, me, id, password); err != nil {
			return fail(err)
		}
	}
	if pin != "" || (u.Badge != "" && u.Badge != before.Badge) {
		if _, err := svc.ResetPIN(ctx, me, id, u.Badge, pin); err != nil {
			return fail(err)
		}
	}
	return redirectWithFlash(c, "/admin/users", "Saved "+before.Username+".")
}
