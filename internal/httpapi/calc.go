package httpapi

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// calcRoutes is the calculator: any logged-in role.
func (a *API) calcRoutes() []Route {
	return []Route{
		{Method: http.MethodPost, Path: "/api/v1/calc", Handler: a.calculate, Roles: Anyone},
	}
}

func (a *API) calculate(c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	rules, err := a.guardsNow(c)
	if err != nil {
		return err
	}
	var g *calc.Guards
	if rules != nil {
		g = rules.CalcGuards()
	}
	resp, err := calc.EvaluateWith(body, g)
	if err != nil {
		return apperr.From(err)
	}
	return c.JSON(http.StatusOK, resp)
}

func asAppErr(err error, e **apperr.Error) bool { return errors.As(err, e) }
