package httpapi

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// PathID reads the path parameter name (":id", ":record_id") as a record's
// ID: a positive whole number. Anything else is a 400 whose field names
// the parameter, on every route of the API and of the screens alike; a
// well-formed ID that matches nothing is the handler's 404.
func PathID(c echo.Context, name string) (int64, error) {
	v := c.Param(name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.InvalidField(name, "%q is not an ID: the %s in the address must be a positive whole number", v, name)
	}
	return id, nil
}
