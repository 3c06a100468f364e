package webui

import (
	"context"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// Reference pictures of products: uploaded on the product's admin form,
// shown on the technician's scan and draw steps.

func (w *webUI) pictureRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/admin/products/:id/picture", Handler: w.pictureUpload, Roles: httpapi.PictureRoles, Middleware: form},
	}
}

// pictureUpload stores the uploaded picture and returns to the product's
// form. A refused upload (not an image, too large) shows the error page
// with its reason.
func (w *webUI) pictureUpload(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := w.api.catalog().Product(c.Request().Context(), id); err != nil {
		return err
	}
	if _, err := httpapi.SaveProductPicture(c, w.api.catalog(), id, w.api.now()); err != nil {
		return err
	}
	back := fmt.Sprintf("/admin/products/%d#reference-picture", id)
	if !httpapi.PrincipalOf(c).Has(auth.Admin) {
		back = fmt.Sprintf("/gravities/%d#reference-picture", id) // a pharmacist's product screen
	}
	return redirectWithFlash(c, back, "Saved the reference picture.")
}

// pictureForm is the upload part of a product's admin form and of its
// specific gravity screen.
func (w *webUI) pictureForm(ctx context.Context, productID int64, name, csrf string) (*web.PictureForm, error) {
	latest, err := w.api.catalog().LatestPictures(ctx, []int64{productID})
	if err != nil {
		return nil, err
	}
	f := &web.PictureForm{Action: fmt.Sprintf("/admin/products/%d/picture", productID), MaxKiB: httpapi.MaxPictureBytes >> 10, CSRF: csrf}
	if pid, ok := latest[productID]; ok {
		f.Current = &web.Reference{URL: httpapi.PictureURL(productID, pid), Product: name, Caption: "Shown on the steps now"}
	}
	return f, nil
}

// addReferences gives each scan and draw step the picture of the product
// it expects: the first of its products that has one. A draw step expects
// the drug's products.
func (w *webUI) addReferences(ctx context.Context, v *web.Preparation, ws *workflow.Worksheet) error {
	type expect struct {
		ids   []int64
		names []string
	}
	drug := expect{}
	for _, p := range ws.AllowedProducts {
		drug.ids, drug.names = append(drug.ids, p.ID), append(drug.names, p.Label())
	}
	per := map[string]expect{}
	var all []int64
	for _, s := range ws.Steps {
		e := expect{ids: s.Expects.ProductIDs, names: s.Expects.Products}
		switch {
		case s.Kind.IsScan():
		case s.Kind == workflow.StepDraw:
			e = drug
		default:
			continue
		}
		per[s.ID] = e
		all = append(all, e.ids...)
	}
	latest, err := w.api.catalog().LatestPictures(ctx, all)
	if err != nil {
		return err
	}
	for i := range v.Steps {
		e, ok := per[v.Steps[i].ID]
		if !ok {
			continue
		}
		v.Steps[i].ShowReference = true
		for j, id := range e.ids {
			if pid, ok := latest[id]; ok && j < len(e.names) {
				v.Steps[i].Reference = &web.Reference{URL: httpapi.PictureURL(id, pid), Product: e.names[j]}
				break
			}
		}
	}
	return nil
}
