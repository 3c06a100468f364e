package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apikey"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/exchange"
	"github.com/laminar-rx/laminar/internal/fhir"
	"github.com/laminar-rx/laminar/internal/interop"
)

var (
	inboxReaders  = []auth.Role{auth.Pharmacist, auth.Admin, auth.SafetyOfficer}
	mappingEditor = []auth.Role{auth.Pharmacist, auth.Admin}
	outboxReaders = []auth.Role{auth.SafetyOfficer, auth.Admin, auth.Pharmacist}
)

// interopRoutes are the interfaces with the hospital's systems: FHIR R4,
// the interface inbox and outbox, the drug code map and API keys.
func (a *API) interopRoutes() []Route {
	const f = "/fhir/r4"
	return []Route{
		{Method: http.MethodGet, Path: f + "/metadata", Handler: a.fhirMetadata, Public: true},
		{Method: http.MethodPost, Path: f + "/MedicationRequest", Handler: a.fhirPost("MedicationRequest"), Roles: ordering},
		{Method: http.MethodPost, Path: f, Handler: a.fhirPost("Bundle"), Roles: ordering},
		{Method: http.MethodPost, Path: f + "/Bundle", Handler: a.fhirPost("Bundle"), Roles: ordering},
		{Method: http.MethodGet, Path: f + "/MedicationRequest/:id", Handler: a.fhirGetMedicationRequest, Roles: Anyone},
		{Method: http.MethodGet, Path: f + "/MedicationDispense", Handler: a.fhirSearchDispenses, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/interfaces/inbox", Handler: a.listInbox, Roles: inboxReaders},
		{Method: http.MethodGet, Path: "/api/v1/interfaces/inbox/:id", Handler: a.getInboxMessage, Roles: inboxReaders},
		{Method: http.MethodPost, Path: "/api/v1/interfaces/inbox/:id/replay", Handler: a.replayInbox, Roles: pharmacists},
		{Method: http.MethodGet, Path: "/api/v1/interfaces/outbox", Handler: a.listOutbox, Roles: outboxReaders},
		{Method: http.MethodGet, Path: "/api/v1/interfaces/code-map", Handler: a.listCodeMap, Roles: mappingEditor},
		{Method: http.MethodPut, Path: "/api/v1/interfaces/code-map", Handler: a.putCodeMap, Roles: mappingEditor},
		{Method: http.MethodDelete, Path: "/api/v1/interfaces/code-map", Handler: a.deleteCodeMap, Roles: mappingEditor},
		{Method: http.MethodGet, Path: "/api/v1/holds", Handler: a.listHolds, Roles: queueReaders},
		{Method: http.MethodGet, Path: "/api/v1/preparations/:id/hold", Handler: a.getHold, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/preparations/:id/hold", Handler: a.decideHold, Roles: pharmacists},
		{Method: http.MethodGet, Path: "/api/v1/api-keys", Handler: a.listAPIKeys, Roles: admins},
		{Method: http.MethodPost, Path: "/api/v1/api-keys", Handler: a.createAPIKey, Roles: admins},
		{Method: http.MethodPost, Path: "/api/v1/api-keys/:id/revoke", Handler: a.revokeAPIKey, Roles: admins},
	}
}

func (a *API) exchange() (*exchange.Service, error) {
	if a.Exchange == nil {
		return nil, apperr.New(apperr.Unavailable, "the interfaces are not configured on this server")
	}
	return a.Exchange, nil
}

// ---------------------------------------------------------------------------
// FHIR

// fhirError writes an error on a FHIR route as an OperationOutcome.
func fhirError(c echo.Context, status int, e *apperr.Error) (error, bool) {
	if !strings.HasPrefix(c.Request().URL.Path, "/fhir/") {
		return nil, false
	}
	code := map[int]string{400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 409: "conflict",
		413: "too-costly", 415: "not-supported", 422: "processing", 429: "throttled"}[status]
	if code == "" {
		code = "exception"
	}
	oo := exchange.OperationOutcome(code, e.Message, e.Field)
	// Laminar's own error code travels in details, as in every other answer.
	oo.Issue[0].Details = &fhir.CodeableConcept{Coding: []fhir.Coding{{System: "urn:laminar:error", Code: e.CodeOrKind()}}, Text: e.Message}
	return fhirJSON(c, status, oo), true
}

func fhirJSON(c echo.Context, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return apperr.Wrap(err, "encode FHIR resource")
	}
	return c.Blob(status, fhir.MediaType+"; charset=utf-8", b)
}

func (a *API) fhirMetadata(c echo.Context) error {
	return fhirJSON(c, http.StatusOK, map[string]any{
		"resourceType": "CapabilityStatement", "status": "active", "kind": "instance", "fhirVersion": "4.0.1",
		"format": []string{"json"}, "date": "2026-12-01",
		"rest": []map[string]any{{"mode": "server", "resource": []map[string]any{
			{"type": "MedicationRequest", "interaction": []map[string]string{{"code": "create"}, {"code": "read"}}},
			{"type": "MedicationDispense", "interaction": []map[string]string{{"code": "search-type"}},
				"searchParam": []map[string]string{{"name": "patient", "type": "token"}}},
		}, "interaction": []map[string]string{{"code": "transaction"}}}},
	})
}

// fhirPost takes a MedicationRequest or a transaction Bundle.
func (a *API) fhirPost(want string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ex, err := a.exchange()
		if err != nil {
			return err
		}
		ct := c.Request().Header.Get(echo.HeaderContentType)
		if mt, _, err := mime.ParseMediaType(ct); err != nil || (mt != fhir.MediaType && mt != echo.MIMEApplicationJSON) {
			return &apperr.Error{Kind: apperr.Invalid, Code: "unsupported_media_type",
				Message: "send the resource as application/fhir+json, not " + strconv.Quote(ct)}
		}
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return apperr.New(apperr.TooLarge, "the request body is too large")
			}
			return apperr.New(apperr.Invalid, "the request body could not be read")
		}
		if rt, err := fhir.ResourceType(body); err == nil && rt != want {
			return apperr.New(apperr.Invalid, "this endpoint takes a %s, not a %s", want, rt)
		}
		p := PrincipalOf(c)
		key := strings.TrimSpace(c.Request().Header.Get("Idempotency-Key"))
		if len(key) > 200 {
			return apperr.InvalidField("Idempotency-Key", "is longer than 200 characters")
		}
		resp, err := ex.ReceiveFHIR(c.Request().Context(), body, exchange.FHIRCaller{UserID: p.UserID, Username: p.Username}, key)
		if err != nil {
			return err
		}
		if resp.Location != "" {
			c.Response().Header().Set(echo.HeaderLocation, "/fhir/r4/"+resp.Location)
		}
		if resp.Raw != nil {
			c.Response().Header().Set("Idempotent-Replayed", "true")
			return c.Blob(resp.Status, fhir.MediaType+"; charset=utf-8", resp.Raw)
		}
		return fhirJSON(c, resp.Status, resp.Resource)
	}
}

func (a *API) fhirGetMedicationRequest(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ex, err := a.exchange()
	if err != nil {
		return err
	}
	mr, err := ex.MedicationRequest(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return fhirJSON(c, http.StatusOK, mr)
}

func (a *API) fhirSearchDispenses(c echo.Context) error {
	ex, err := a.exchange()
	if err != nil {
		return err
	}
	patient := strings.TrimSpace(c.QueryParam("patient"))
	// patient=MRN, or a token system|MRN, or a reference Patient/MRN.
	if i := strings.LastIndexAny(patient, "|/"); i >= 0 {
		patient = patient[i+1:]
	}
	if patient == "" {
		return apperr.InvalidField("patient", "is required: the patient's medical record number, e.g. ?patient=MRN100234")
	}
	b, err := ex.Dispenses(c.Request().Context(), patient)
	if err != nil {
		return err
	}
	return fhirJSON(c, http.StatusOK, b)
}

// ---------------------------------------------------------------------------
// Inbox and outbox

type inboxView struct {
	exchange.InboxMessage
	Body string `json:"body,omitempty"`
	Ack  string `json:"ack,omitempty"`
}

// printable shows a stored message as text: HL7 segment ends become line
// ends, and bytes that are not UTF-8 are replaced.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if !utf8.ValidString(s) {
		return ""
	}
	return s
}

func (a *API) listInbox(c echo.Context) error {
	f := exchange.InboxFilter{Status: c.QueryParam("status")}
	switch f.Status {
	case "", "received", "applied", "error", "rejected":
	default:
		return apperr.InvalidField("status", "%q is not one of received, applied, error, rejected", f.Status)
	}
	if v := c.QueryParam("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return apperr.InvalidField("before", "must be a message id")
		}
		f.Before = n
	}
	rec := a.records()
	msgs, err := rec.Inbox(c.Request().Context(), f)
	if err != nil {
		return err
	}
	counts, err := rec.InboxCounts(c.Request().Context())
	if err != nil {
		return err
	}
	items := make([]inboxView, len(msgs))
	for i, m := range msgs {
		items[i] = inboxView{InboxMessage: m}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items, "counts": counts})
}

func (a *API) getInboxMessage(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	m, err := a.records().InboxMessage(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, inboxView{InboxMessage: m, Body: printable(m.Body), Ack: printable(m.Ack)})
}

func (a *API) replayInbox(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ex, err := a.exchange()
	if err != nil {
		return err
	}
	m, err := ex.Replay(c.Request().Context(), id, PrincipalOf(c).UserID)
	var p *interop.Problem
	if errors.As(err, &p) {
		return apperr.WithCode(apperr.Conflict, p.Code, "%s", p.Message)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, inboxView{InboxMessage: m, Body: printable(m.Body), Ack: printable(m.Ack)})
}

func (a *API) listOutbox(c echo.Context) error {
	items, err := a.records().Outbox(c.Request().Context(), 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

// ---------------------------------------------------------------------------
// Drug code map

type codeMapInput struct {
	System string `json:"system"`
	Code   string `json:"code"`
	Drug   string `json:"drug"`
	Note   string `json:"note"`
}

func (a *API) listCodeMap(c echo.Context) error {
	items, err := a.records().CodeMappings(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (a *API) putCodeMap(c echo.Context) error {
	var in codeMapInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	m := exchange.CodeMapping{System: strings.TrimSpace(in.System), Code: strings.TrimSpace(in.Code),
		Drug: strings.ToLower(strings.Join(strings.Fields(in.Drug), " ")), Note: strings.TrimSpace(in.Note), UpdatedAt: a.now()}
	if err := a.records().SaveCodeMapping(c.Request().Context(), m, PrincipalOf(c).UserID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (a *API) deleteCodeMap(c echo.Context) error {
	code := strings.TrimSpace(c.QueryParam("code"))
	if code == "" {
		return apperr.InvalidField("code", "is required")
	}
	if err := a.records().DeleteCodeMapping(c.Request().Context(), strings.TrimSpace(c.QueryParam("system")), code); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---------------------------------------------------------------------------
// API keys

type apiKeyInput struct {
	Username string `json:"username"`
	Name     string `json:"name"`
}

func (a *API) apiKeys() (*apikey.Service, error) {
	if a.APIKeys == nil {
		return nil, apperr.New(apperr.Unavailable, "API keys are not configured on this server")
	}
	return a.APIKeys, nil
}

func (a *API) listAPIKeys(c echo.Context) error {
	ks, err := a.apiKeys()
	if err != nil {
		return err
	}
	items, err := ks.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (a *API) createAPIKey(c echo.Context) error {
	ks, err := a.apiKeys()
	if err != nil {
		return err
	}
	var in apiKeyInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	created, err := ks.Create(c.Request().Context(), in.Username, in.Name, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, created)
}

func (a *API) revokeAPIKey(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	ks, err := a.apiKeys()
	if err != nil {
		return err
	}
	if err := ks.Revoke(c.Request().Context(), id, PrincipalOf(c).UserID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "revoked": true})
}

// ---------------------------------------------------------------------------
// Holds put by the ordering system

func (a *API) listHolds(c echo.Context) error {
	items, err := a.Compounding.OpenHolds(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (a *API) getHold(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	h, err := a.Compounding.OpenHold(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if h == nil {
		return apperr.WithCode(apperr.NotFound, "not_on_hold", "preparation %d is not on hold", id)
	}
	return c.JSON(http.StatusOK, h)
}

type holdDecisionInput struct {
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

func (a *API) decideHold(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in holdDecisionInput
	body, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return apperr.InvalidField("reason", "is required: say why the preparation goes on or stops")
	}
	key, err := idempotency(c, body)
	if err != nil {
		return err
	}
	d, err := a.Compounding.DecideHold(c.Request().Context(), compounding.HoldDecision{PreparationID: id, Decision: in.Decision,
		Reason: strings.TrimSpace(in.Reason), Actor: PrincipalOf(c).UserID, Now: a.now()}, key)
	return respond(c, http.StatusOK, d, err)
}
