package httpapi

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/logwords"
)

// auditRoutes: reading and checking the compounding log, for the safety
// officer and the admin.
func (a *API) auditRoutes() []Route {
	readers := []auth.Role{auth.SafetyOfficer, auth.Admin}
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/audit", Handler: a.listAudit, Roles: readers},
		{Method: http.MethodGet, Path: "/api/v1/audit/verify", Handler: a.verifyAudit, Roles: readers},
		{Method: http.MethodGet, Path: "/api/v1/audit/checkpoints", Handler: a.listCheckpoints, Roles: readers},
	}
}

// The page size of GET /api/v1/audit when none (or too large) is asked.
const (
	auditDefaultLimit = 100
	auditMaxLimit     = 1000
)

// AuditFilter reads the log filters of a request: from, to (RFC 3339 or a
// date, which means midnight at the site), actor (a user id or username),
// type (comma-separated), preparation_id, cursor, order (asc or desc) and
// limit. The web UI's log screen uses it too.
func (a *API) AuditFilter(c echo.Context) (audit.Filter, error) {
	return ParseAuditFilter(c, a.Config.Location)
}

// ParseAuditFilter is AuditFilter with dates read at the site's time zone
// loc (nil: UTC).
func ParseAuditFilter(c echo.Context, loc *time.Location) (audit.Filter, error) {
	var f audit.Filter
	q := c.QueryParams()
	parseTime := func(field string) (time.Time, error) {
		v := strings.TrimSpace(q.Get(field))
		if v == "" {
			return time.Time{}, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, nil
		}
		if loc == nil {
			loc = time.UTC
		}
		if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			return t, nil
		}
		return time.Time{}, apperr.InvalidField(field, "%q is not an RFC 3339 time (2026-11-24T14:30:00Z) or a date (2026-11-24)", v)
	}
	parseID := func(field string) (int64, error) {
		v := strings.TrimSpace(q.Get(field))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return 0, apperr.InvalidField(field, "%q is not a positive whole number", v)
		}
		return n, nil
	}
	var err error
	if f.From, err = parseTime("from"); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, apperr.InvalidField("to", "to must be after from")
	}
	if actor := strings.TrimSpace(q.Get("actor")); actor != "" {
		if n, err := strconv.ParseInt(actor, 10, 64); err == nil {
			f.ActorID = &n
		} else {
			f.ActorName = actor
		}
	}
	for _, t := range strings.Split(q.Get("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			f.Types = append(f.Types, t)
		}
	}
	if n, err := parseID("preparation_id"); err != nil {
		return f, err
	} else if n > 0 {
		f.PreparationID = &n
	}
	if f.Cursor, err = parseID("cursor"); err != nil {
		return f, err
	}
	switch strings.ToLower(q.Get("order")) {
	case "", "asc":
	case "desc":
		f.Newest = true
	default:
		return f, apperr.InvalidField("order", "order must be asc or desc")
	}
	if v := strings.TrimSpace(q.Get("limit")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > auditMaxLimit {
			return f, apperr.InvalidField("limit", "limit must be a whole number from 1 to %d", auditMaxLimit)
		}
		f.Limit = n
	}
	return f, nil
}

// wantsCSV reports whether the client asked for the CSV export.
func wantsCSV(c echo.Context) bool {
	return c.QueryParam("format") == "csv" || strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
}

func (a *API) listAudit(c echo.Context) error {
	f, err := a.AuditFilter(c)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return a.exportAuditCSV(c, f) // every match unless a limit was asked
	}
	if f.Limit == 0 {
		f.Limit = auditDefaultLimit
	}
	events, err := a.safety().Log(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := map[string]any{"events": events, "next_cursor": nil}
	if len(events) == f.Limit {
		out["next_cursor"] = events[len(events)-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

// AuditCSVRawHeader names the raw columns at the end of the CSV export:
// the event exactly as the log holds it, with the hashes that let an
// auditor re-check the chain.
var AuditCSVRawHeader = []string{"id", "at", "type", "actor_id", "actor", "preparation_id", "payload", "prev_hash", "hash"}

// AuditCSVReadableHeader names the readable columns that open each line
// of the CSV export; the time is in the site's time zone, named.
func AuditCSVReadableHeader(zone string) []string {
	return []string{"Time (" + zone + ")", "Person", "Patient", "MRN", "Preparation", "Drug", "Dose", "What happened", "Details", "Outcome"}
}

// csvSafe keeps a readable cell from being read as a spreadsheet formula:
// a patient name or a typed reason could start with =, +, - or @.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// auditCSVRow is one event as a line of the export: readable columns, then
// the raw ones.
func auditCSVRow(e audit.Entry, loc *time.Location) []string {
	optID := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	d := logwords.Describe(e.Type, e.Payload)
	prep, dose := "", ""
	if e.PreparationID != nil {
		prep = "#" + optID(e.PreparationID)
	}
	if e.Dose != "" {
		dose = logwords.Dose(e.Dose)
	}
	return []string{
		e.At.In(loc).Format("2006-01-02 15:04:05"), csvSafe(e.Actor), csvSafe(e.PatientName), csvSafe(e.PatientMRN), prep,
		csvSafe(formulary.TallMan(e.Drug)), dose, d.Name, csvSafe(formulary.TallMan(d.What)), d.Outcome,
		strconv.FormatInt(e.ID, 10), e.At.UTC().Format(time.RFC3339Nano), e.Type, optID(e.ActorID), e.Actor,
		optID(e.PreparationID), string(e.Payload), e.PrevHash, e.Hash,
	}
}

// exportAuditCSV streams the matching events as CSV: each line opens with
// readable columns (time in the site's zone, who, patient, drug, what,
// outcome) and ends with the raw event and its hashes. No raw cell can
// start with a spreadsheet formula character: types and usernames are
// lower-case words, payloads start with "{"; readable cells are guarded.
//
// An export reads through the store's small streaming pool, never the main
// one, and each person may run only a few at once: a client that stops
// reading holds its connection only until the write timeout.
func (a *API) exportAuditCSV(c echo.Context, f audit.Filter) error {
	release, err := a.exports.acquire(PrincipalOf(c).UserID, max(1, a.Config.Security.ExportsPerUser))
	if err != nil {
		return err
	}
	defer release()
	loc := a.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="laminar-audit.csv"`)
	cw := csv.NewWriter(w)
	started := false
	start := func() error {
		if !started {
			started = true
			w.WriteHeader(http.StatusOK)
			return cw.Write(append(AuditCSVReadableHeader(loc.String()), AuditCSVRawHeader...))
		}
		return nil
	}
	err = a.safety().EachLogEntry(c.Request().Context(), f, func(e audit.Entry) error {
		if err := start(); err != nil {
			return err
		}
		return cw.Write(auditCSVRow(e, loc))
	})
	if err != nil && !started {
		return err // nothing sent yet: the usual error envelope
	}
	if err != nil {
		// Half a file was sent: abort the connection so that the
		// truncated export cannot pass for a complete one.
		a.Log.Error("audit CSV export cut short", "err", err)
		panic(http.ErrAbortHandler)
	}
	if err := start(); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (a *API) verifyAudit(c echo.Context) error {
	rep, err := a.safety().VerifyLog(c.Request().Context(), a.Config.CheckpointsFile(), a.Config.AuditPublicKeyFile())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// checkpointsShown is how many of the latest checkpoints the API lists.
const checkpointsShown = 20

// listCheckpoints shows the latest signed checkpoints, newest first, and
// the fingerprints of the keys that may sign them: the safety officer can
// note one down somewhere the database's administrators cannot reach.
func (a *API) listCheckpoints(c echo.Context) error {
	cps, err := audit.LatestCheckpoints(a.Config.CheckpointsFile(), checkpointsShown)
	if err != nil {
		return apperr.Wrap(err, "read the checkpoint file")
	}
	keys := []string{}
	if pubs, err := audit.ReadPublicKeys(a.Config.AuditPublicKeyFile()); err == nil {
		for _, k := range pubs {
			keys = append(keys, audit.Fingerprint(k))
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"checkpoints": cps, "keys": keys})
}
