package httpapi

import (
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/catalog"
)

// formularyRoutes: anyone logged in reads the formulary; admins change it.
func (a *API) formularyRoutes() []Route {
	admin := []auth.Role{auth.Admin}
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/products", Handler: a.listProducts, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/products/:id", Handler: a.getProduct, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/products/:id/lots", Handler: a.listLots, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/products/:id/stability", Handler: a.productStability, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/products", Handler: a.createProduct, Roles: admin},
		{Method: http.MethodPut, Path: "/api/v1/products/:id", Handler: a.updateProduct, Roles: admin},
		{Method: http.MethodPost, Path: "/api/v1/products/:id/lots", Handler: a.setLotStatus, Roles: admin},
	}
}

// fmValidate checks the formulary's request bodies; it names fields by
// their JSON names so errors point at what the client sent.
var fmValidate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	return v
}()

// CheckFields runs the struct validator and turns its findings into one
// apperr error: Field is the first field at fault, Fields all of them.
func CheckFields(v any) error {
	err := fmValidate.Struct(v)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return apperr.Wrap(err, "validate request")
	}
	out := &apperr.Error{Kind: apperr.Invalid, Fields: map[string]string{}}
	for i, fe := range ves {
		field := fe.Namespace()
		if _, rest, ok := strings.Cut(field, "."); ok {
			field = rest // drop the struct's own name
		}
		msg := fmMessage(fe)
		out.Fields[field] = msg
		if i == 0 {
			out.Field, out.Message = field, msg
		}
	}
	return out
}

func fmMessage(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "max":
		if fe.Kind() == reflect.Slice {
			return "has more than " + fe.Param() + " entries"
		}
		return "is longer than " + fe.Param() + " characters"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "url":
		return "must be a URL"
	}
	return "is not valid (" + fe.Tag() + ")"
}

// ActorID is the caller's user id for the formulary's change records
// (nil when there is no caller).
func ActorID(c echo.Context) *int64 {
	if p := PrincipalOf(c); p != nil && p.UserID != 0 {
		id := p.UserID
		return &id
	}
	return nil
}

// productList is the response of GET /api/v1/products.
type productList struct {
	Items []formulary.ProductView `json:"items"`
}

func views(ps []*formulary.Product) []formulary.ProductView {
	out := make([]formulary.ProductView, len(ps))
	for i, p := range ps {
		out[i] = formulary.ViewOf(p)
	}
	return out
}

// listProducts searches by name, NDC in any shape, or GTIN (q), or lists
// every active product. include_inactive is for pharmacists and admins.
func (a *API) listProducts(c echo.Context) error {
	q, err := formulary.ParseQuery(c.QueryParam("q"))
	if err != nil {
		return err
	}
	f := catalog.ProductFilter{}
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return apperr.InvalidField("limit", "%q: expected a whole number from 1 to 500", s)
		}
		f.Limit = n
	}
	if s := c.QueryParam("include_inactive"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return apperr.InvalidField("include_inactive", "%q: expected true or false", s)
		}
		if b && !PrincipalOf(c).Has(auth.Admin, auth.Pharmacist) {
			return &apperr.Error{Kind: apperr.Forbidden, Code: "forbidden", Field: "include_inactive", Message: "only pharmacists and admins list withdrawn products"}
		}
		f.IncludeInactive = b
	}
	ps, err := a.catalog().SearchProducts(c.Request().Context(), q, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, productList{Items: views(ps)})
}

func (a *API) getProduct(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := a.catalog().Product(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, formulary.ViewOf(p))
}

func (a *API) createProduct(c echo.Context) error {
	var in formulary.ProductInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := CheckFields(in); err != nil {
		return err
	}
	p, err := in.Product()
	if err != nil {
		return err
	}
	out, err := a.catalog().CreateProduct(c.Request().Context(), p, ActorID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, formulary.ViewOf(out))
}

func (a *API) updateProduct(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in formulary.ProductInput
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := CheckFields(in); err != nil {
		return err
	}
	p, err := in.Product()
	if err != nil {
		return err
	}
	out, err := a.catalog().UpdateProduct(c.Request().Context(), id, p, ActorID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, formulary.ViewOf(out))
}

// lotRequest puts a lot on recall or quarantine, or releases it (ok).
type lotRequest struct {
	Lot    string `json:"lot" validate:"required,max=20"`
	Status string `json:"status" validate:"required,oneof=ok recalled quarantined"`
	Reason string `json:"reason" validate:"max=1000"`
}

// lotView is a lot's recorded state.
type lotView struct {
	ProductID int64  `json:"product_id"`
	Lot       string `json:"lot"`
	Status    string `json:"status"`
	Reason    string `json:"reason,omitempty"`
	ChangedBy *int64 `json:"changed_by,omitempty"`
	ChangedAt string `json:"changed_at"`
}

func lotViewOf(l formulary.Lot) lotView {
	return lotView{ProductID: l.ProductID, Lot: l.Lot, Status: string(l.Status), Reason: l.Reason,
		ChangedBy: l.ChangedBy, ChangedAt: l.ChangedAt.UTC().Format("2006-01-02T15:04:05.999999Z07:00")}
}

func (a *API) setLotStatus(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in lotRequest
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := CheckFields(in); err != nil {
		return err
	}
	lot, err := a.catalog().SetLotStatus(c.Request().Context(), formulary.LotChange{ProductID: id, Lot: in.Lot,
		Status: formulary.LotStatus(in.Status), Reason: in.Reason}, ActorID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, lotViewOf(*lot))
}

func (a *API) listLots(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cat := a.catalog()
	if _, err := cat.Product(ctx, id); err != nil {
		return err
	}
	lots, err := cat.Lots(ctx, id)
	if err != nil {
		return err
	}
	out := struct {
		Items []lotView `json:"items"`
	}{Items: make([]lotView, len(lots))}
	for i, l := range lots {
		out.Items[i] = lotViewOf(l)
	}
	return c.JSON(http.StatusOK, out)
}

// stabilityView is one stability entry; limit_hours is absent when the
// source states no usable limit (the note says what it does state).
type stabilityView struct {
	Drug         string  `json:"drug"`
	Presentation string  `json:"presentation"`
	Diluent      string  `json:"diluent"`
	Phase        string  `json:"phase"`
	Storage      string  `json:"storage,omitempty"`
	LimitHours   *string `json:"limit_hours,omitempty"`
	Note         string  `json:"note"`
	SourceURL    string  `json:"source_url,omitempty"`
}

// productStability lists the stability entries of the product's drug.
func (a *API) productStability(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cat := a.catalog()
	p, err := cat.Product(ctx, id)
	if err != nil {
		return err
	}
	es, err := cat.Stability(ctx, p.Drug.ID)
	if err != nil {
		return err
	}
	out := struct {
		Items []stabilityView `json:"items"`
	}{Items: make([]stabilityView, len(es))}
	for i, e := range es {
		v := stabilityView{Drug: e.Drug.Name, Presentation: e.Presentation, Diluent: e.Diluent, Phase: string(e.Phase),
			Storage: string(e.Storage), Note: e.Note, SourceURL: e.SourceURL}
		if e.LimitHours != nil {
			s := e.LimitHours.String()
			v.LimitHours = &s
		}
		out.Items[i] = v
	}
	return c.JSON(http.StatusOK, out)
}
