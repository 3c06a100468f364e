package webui

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/exchange"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/interop"
	"github.com/laminar-rx/laminar/web"
)

// interfacesRoutes are the pharmacists' interface screen and its forms.
func (w *webUI) interfacesRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/interfaces", Handler: w.interfaces, Roles: rolesVerify, Middleware: page},
		{Method: http.MethodPost, Path: "/interfaces/:id/replay", Handler: w.interfacesReplay, Roles: rolesVerify, Middleware: form},
		{Method: http.MethodPost, Path: "/interfaces/holds/:id", Handler: w.interfacesDecide, Roles: rolesVerify, Middleware: form},
		{Method: http.MethodPost, Path: "/interfaces/code-map", Handler: w.interfacesMap, Roles: rolesVerify, Middleware: form},
	}
}

var inboxLabels = []struct{ status, label string }{
	{"error", "refused (AE)"}, {"rejected", "unreadable (AR)"}, {"received", "not finished"}, {"applied", "applied"},
}

func (w *webUI) interfaces(c echo.Context) error {
	ctx := c.Request().Context()
	status := c.QueryParam("status")
	pg := web.InterfacesPage{Layout: w.layout(c, "Interfaces", "interfaces")}
	counts, err := w.api.records().InboxCounts(ctx)
	if err != nil {
		return err
	}
	known := false
	for _, l := range inboxLabels {
		pg.Counts = append(pg.Counts, web.InboxCount{Status: l.status, Label: l.label, N: counts[l.status], Active: l.status == status})
		known = known || l.status == status
	}
	if !known {
		status = ""
	}
	msgs, err := w.api.records().Inbox(ctx, exchange.InboxFilter{Status: status, Limit: 100})
	if err != nil {
		return err
	}
	for _, m := range msgs {
		pg.Messages = append(pg.Messages, web.InboxRow{ID: m.ID, Received: m.ReceivedAt, Channel: m.Channel, Sender: m.Sender,
			Control: m.ControlID, Type: m.MessageType, Status: m.Status, Ack: m.AckCode, Error: m.ErrorMessage, Field: m.ErrorField,
			OrderID: m.OrderID, CanReplay: m.Status != "applied"})
	}
	holds, err := w.api.Compounding.OpenHolds(ctx)
	if err != nil {
		return err
	}
	for _, h := range holds {
		pg.Holds = append(pg.Holds, web.HoldRow{PreparationID: h.PreparationID, Kind: h.Kind, Reason: h.Reason, Since: h.CreatedAt,
			CanContinue: h.Kind != compounding.HoldStopped})
	}
	maps, err := w.api.records().CodeMappings(ctx)
	if err != nil {
		return err
	}
	for _, m := range maps {
		pg.Mappings = append(pg.Mappings, web.MappingRow{System: m.System, Code: m.Code, Drug: m.Drug, Note: m.Note})
	}
	if pg.Drugs, err = w.api.records().RecipeDrugs(ctx); err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) interfacesReplay(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ex, err := w.api.exchange()
	if err != nil {
		return err
	}
	m, err := ex.Replay(c.Request().Context(), id, httpapi.PrincipalOf(c).UserID)
	var p *interop.Problem
	switch {
	case errors.As(err, &p):
		return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Message %d: %s", id, p.Message))
	case err != nil:
		return err
	case m.Status == "applied":
		return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Message %d applied.", id))
	}
	return redirectWithFlash(c, "/interfaces?status=error", fmt.Sprintf("Message %d still refused: %s", id, m.ErrorMessage))
}

func (w *webUI) interfacesDecide(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if reason == "" {
		return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Preparation %d: give a reason for the decision.", id))
	}
	d, err := w.api.Compounding.DecideHold(c.Request().Context(), compounding.HoldDecision{PreparationID: id,
		Decision: c.FormValue("decision"), Reason: reason, Actor: httpapi.PrincipalOf(c).UserID, Now: w.api.now()}, nil)
	var e *apperr.Error
	if errors.As(err, &e) && e.Kind != apperr.Internal && e.Kind != apperr.Unavailable {
		return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Preparation %d: %s", id, e.Message))
	}
	if err != nil {
		return err
	}
	return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Preparation %d: %s (now %s).", id, d.Value.Decision, d.Value.Status))
}

func (w *webUI) interfacesMap(c echo.Context) error {
	m := exchange.CodeMapping{System: strings.TrimSpace(c.FormValue("system")), Code: strings.TrimSpace(c.FormValue("code")),
		Drug: strings.ToLower(strings.Join(strings.Fields(c.FormValue("drug")), " ")), Note: strings.TrimSpace(c.FormValue("note")), UpdatedAt: w.api.now()}
	if err := w.api.records().SaveCodeMapping(c.Request().Context(), m, httpapi.PrincipalOf(c).UserID); err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Kind != apperr.Internal && e.Kind != apperr.Unavailable {
			return redirectWithFlash(c, "/interfaces", "Mapping not saved: "+e.Message)
		}
		return err
	}
	return redirectWithFlash(c, "/interfaces", fmt.Sprintf("Code %s now maps to %s; replay the messages it refused.", m.Code, m.Drug))
}
