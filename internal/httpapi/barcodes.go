package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
)

// barcodeRoutes: anyone logged in may parse a barcode.
func (a *API) barcodeRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/barcodes/parse", Handler: a.parseBarcode, Roles: Anyone},
	}
}

// parseRequest is the body of POST /api/v1/barcodes/parse.
type parseRequest struct {
	Data *string `json:"data"`
}

// barcodeParseError turns a barcode parser error into a 400 with the
// parser's own code (bad_check_digit, bad_date, ...) on the field "data".
func barcodeParseError(err error) error {
	return apperr.From(err).InField("data")
}

// parseBarcode reads scan data in any form a scanner or a person produces
// and, when its GTIN is in the formulary, names the product. It does not
// judge lot or expiry: that is the scan step's job.
func (a *API) parseBarcode(c echo.Context) error {
	var in parseRequest
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if in.Data == nil {
		return apperr.InvalidField("data", "is required: the scanned data as a string")
	}
	loc := a.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	scan, err := barcode.Parse(*in.Data, barcode.Options{Today: a.Now().In(loc)})
	if err != nil {
		return barcodeParseError(err)
	}
	v := formulary.ScanViewOf(scan, loc)
	if scan.GTIN != "" {
		p, err := a.catalog().FindProduct(c.Request().Context(), scan)
		switch {
		case err == nil:
			pv := formulary.ViewOf(p)
			v.Product = &pv
		case apperr.KindOf(err) != apperr.Refused:
			return err
		}
	}
	return c.JSON(http.StatusOK, v)
}
