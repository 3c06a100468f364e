package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/workflow"
)

var (
	deviceUsers = []auth.Role{auth.Technician, auth.Pharmacist, auth.Admin}
	labelUsers  = []auth.Role{auth.Technician, auth.Pharmacist}
)

// deviceRoutes are the balances, label printers, the print queue and the
// tablet's hood.
func (a *API) deviceRoutes() []Route {
	d := a.devices()
	return []Route{
		{Method: http.MethodGet, Path: "/api/v1/balances", Handler: d.listBalances, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/balances", Handler: d.registerBalance, Roles: admins},
		{Method: http.MethodGet, Path: "/api/v1/balances/:id", Handler: d.getBalance, Roles: deviceUsers},
		{Method: http.MethodPut, Path: "/api/v1/balances/:id", Handler: d.updateBalance, Roles: admins},
		{Method: http.MethodGet, Path: "/api/v1/balances/:id/reading", Handler: d.reading, Roles: deviceUsers},
		{Method: http.MethodGet, Path: "/api/v1/balances/:id/live", Handler: d.live, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/balances/:id/simulator", Handler: d.simulate, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/preparations/:id/tare", Handler: d.tare, Roles: technicians},
		{Method: http.MethodGet, Path: "/api/v1/printers", Handler: d.listPrinters, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/printers", Handler: d.registerPrinter, Roles: admins},
		{Method: http.MethodGet, Path: "/api/v1/printers/:id", Handler: d.getPrinter, Roles: deviceUsers},
		{Method: http.MethodPut, Path: "/api/v1/printers/:id", Handler: d.updatePrinter, Roles: admins},
		{Method: http.MethodGet, Path: "/api/v1/print-jobs", Handler: d.listJobs, Roles: deviceUsers},
		{Method: http.MethodGet, Path: "/api/v1/print-jobs/:id", Handler: d.getJob, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/print-jobs/:id/retry", Handler: d.retryJob, Roles: deviceUsers},
		{Method: http.MethodPost, Path: "/api/v1/preparations/:id/print", Handler: a.printLabel, Roles: labelUsers},
		{Method: http.MethodGet, Path: "/api/v1/hoods", Handler: d.hoods, Roles: Anyone},
		{Method: http.MethodGet, Path: "/api/v1/tablet/station", Handler: d.station, Roles: Anyone},
		{Method: http.MethodPost, Path: "/api/v1/tablet/station", Handler: d.bind, Roles: technicians},
	}
}

// deviceAPI holds the devices service for the handlers.
type deviceAPI struct {
	a   *API
	svc *devices.Service
}

// devices gives the handlers the devices service (New builds one on the
// store when the caller gave none).
func (a *API) devices() *deviceAPI {
	return &deviceAPI{a: a, svc: a.Devices}
}

func (d *deviceAPI) listBalances(c echo.Context) error {
	bs, err := d.svc.Balances(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"balances": bs})
}

func (d *deviceAPI) registerBalance(c echo.Context) error {
	var in devices.BalanceInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := d.svc.RegisterBalance(c.Request().Context(), in, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (d *deviceAPI) getBalance(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	b, err := d.svc.Balance(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (d *deviceAPI) updateBalance(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in devices.BalanceInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := d.svc.UpdateBalance(c.Request().Context(), id, in, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

// reading is one immediate reading (stable or not), JSON as the command
// prints it.
func (d *deviceAPI) reading(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	rd, err := d.svc.Live(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rd)
}

// liveInterval is how often the live stream reads the balance; liveLimit
// ends a forgotten stream (the tablet's EventSource reconnects).
const (
	liveInterval = 250 * time.Millisecond
	liveLimit    = 10 * time.Minute
)

// live streams the balance's readings as server-sent events: "reading"
// with {"weight","stable","raw"}, or "fault" with {"code","message"} while
// the balance cannot be read (the stream goes on; the fault may clear).
func (d *deviceAPI) live(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := d.svc.Balance(c.Request().Context(), id); err != nil {
		return err
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/event-stream")
	res.Header().Set("Cache-Control", "no-store")
	res.Header().Set("X-Accel-Buffering", "no")
	res.WriteHeader(http.StatusOK)
	if _, err := res.Write([]byte("retry: 2000\n\n")); err != nil {
		return nil
	}
	res.Flush()
	ctx := c.Request().Context()
	tick := time.NewTicker(liveInterval)
	defer tick.Stop()
	end := time.After(liveLimit)
	for {
		msg := liveEvent(d.svc.Live(ctx, id))
		if ctx.Err() != nil {
			return nil
		}
		if _, err := res.Write(msg); err != nil {
			return nil
		}
		res.Flush()
		select {
		case <-ctx.Done():
			return nil
		case <-end:
			return nil
		case <-tick.C:
		}
	}
}

func liveEvent(rd any, err error) []byte {
	if err != nil {
		ae := apperr.Wrap(err, "balance reading")
		b, _ := json.Marshal(map[string]string{"code": ae.CodeOrKind(), "message": ae.Message})
		return []byte("event: fault\ndata: " + string(b) + "\n\n")
	}
	b, _ := json.Marshal(rd)
	return []byte("event: reading\ndata: " + string(b) + "\n\n")
}

type simulateInput struct {
	Command string `json:"command"`
}

// simulate changes a simulated balance (demo and training only).
func (d *deviceAPI) simulate(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in simulateInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := d.svc.Simulate(c.Request().Context(), id, in.Command); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"done": in.Command})
}

type tareInput struct {
	StepID    string `json:"step_id"`
	BalanceID int64  `json:"balance_id"`
}

// tare tares the balance at the start of a weigh step.
func (d *deviceAPI) tare(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in tareInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.StepID == "" {
		return apperr.InvalidField("step_id", "is required: the weigh step")
	}
	if in.BalanceID <= 0 {
		return apperr.InvalidField("balance_id", "is required: the balance to tare")
	}
	res, err := d.svc.Tare(c.Request().Context(), devices.StepInput{BalanceID: in.BalanceID, PreparationID: id, StepID: in.StepID, Actor: actorOf(c)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (d *deviceAPI) listPrinters(c echo.Context) error {
	ps, err := d.svc.Printers(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"printers": ps})
}

func (d *deviceAPI) registerPrinter(c echo.Context) error {
	var in devices.PrinterInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := d.svc.RegisterPrinter(c.Request().Context(), in, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (d *deviceAPI) getPrinter(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	p, err := d.svc.Printer(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (d *deviceAPI) updatePrinter(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in devices.PrinterInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := d.svc.UpdatePrinter(c.Request().Context(), id, in, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (d *deviceAPI) listJobs(c echo.Context) error {
	var prep int64
	if s := c.QueryParam("preparation_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return apperr.InvalidField("preparation_id", "%q is not a preparation id", s)
		}
		prep = n
	}
	jobs, err := d.svc.Jobs(c.Request().Context(), prep, c.QueryParam("status"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"jobs": jobs})
}

func (d *deviceAPI) getJob(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	j, err := d.svc.Job(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

func (d *deviceAPI) retryJob(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	j, err := d.svc.Retry(c.Request().Context(), id, PrincipalOf(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

func (d *deviceAPI) hoods(c echo.Context) error {
	hs, err := d.svc.Hoods(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"hoods": hs})
}

func (d *deviceAPI) station(c echo.Context) error {
	st, err := d.svc.TabletStation(c.Request().Context(), PrincipalOf(c).SessionID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

type bindInput struct {
	Hood string `json:"hood"`
}

// bind records the hood this tablet session stands at.
func (d *deviceAPI) bind(c echo.Context) error {
	var in bindInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	p := PrincipalOf(c)
	st, err := d.svc.BindTablet(c.Request().Context(), p.SessionID, in.Hood, p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

type printInput struct {
	PrinterID int64 `json:"printer_id"`
}

// printLabel sends the preparation's current label to a label printer
// through the print queue (202: queued; follow the job). It issues no new
// label: POST …/labels does that.
func (a *API) printLabel(c echo.Context) error {
	id, err := PathID(c, "id")
	if err != nil {
		return err
	}
	var in printInput
	if _, err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.PrinterID <= 0 {
		return apperr.InvalidField("printer_id", "is required: the printer to print on")
	}
	ctx := c.Request().Context()
	l, err := a.currentLabel(ctx, id)
	if err != nil {
		return err
	}
	job, err := a.devices().svc.Enqueue(ctx, devices.PrintRequest{PrinterID: in.PrinterID, Label: l, Actor: PrincipalOf(c).UserID})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, job)
}

// currentLabel builds the preparation's current label (the one label_seq
// names). It issues nothing: completion issued label 1, and POST …/labels
// issues the next (409 no_label when there is none).
func (a *API) currentLabel(ctx context.Context, id int64) (workflow.Label, error) {
	lv, err := a.Compounding.CurrentLabel(ctx, id)
	if err != nil {
		return workflow.Label{}, err
	}
	return a.labelOf(lv), nil
}
