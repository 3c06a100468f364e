package webui

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// The device screens: the admin registers balances and label printers with
// the same checks as the JSON API; the print queue is for pharmacists and
// technicians too, with a retry for a failed label.

// rolesPrintQueue may read the print queue and retry a failed label.
var rolesPrintQueue = []auth.Role{auth.Technician, auth.Pharmacist, auth.Admin}

func (w *webUI) deviceRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/admin/balances", Handler: w.balances, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodGet, Path: "/admin/balances/new", Handler: w.balanceForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/balances/new", Handler: w.balanceSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/balances/:id", Handler: w.balanceForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/balances/:id", Handler: w.balanceSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/printers", Handler: w.printers, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodGet, Path: "/admin/printers/new", Handler: w.printerForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/printers/new", Handler: w.printerSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/admin/printers/:id", Handler: w.printerForm, Roles: rolesAdmin, Middleware: page},
		{Method: http.MethodPost, Path: "/admin/printers/:id", Handler: w.printerSave, Roles: rolesAdmin, Middleware: form},
		{Method: http.MethodGet, Path: "/print-queue", Handler: w.printQueue, Roles: rolesPrintQueue, Middleware: page},
		{Method: http.MethodPost, Path: "/print-queue/:id/retry", Handler: w.printRetry, Roles: rolesPrintQueue, Middleware: form},
	}
}

func (w *webUI) devices() (*devices.Service, error) {
	if w.api.Devices == nil {
		return nil, apperr.New(apperr.Unavailable, "balances and label printers are not set up on this server")
	}
	return w.api.Devices, nil
}

var dialectWords = map[string]string{"mt-sics": "Mettler Toledo (MT-SICS)", "sbi": "Sartorius (SBI)"}

func inService(active bool) string {
	if active {
		return "in service"
	}
	return "out of service"
}

// ---------------------------------------------------------------- balances

func (w *webUI) balances(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	bs, err := svc.Balances(c.Request().Context())
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.layout(c, "Balances", "admin"), Heading: "Balances", Tabs: adminTabs("balances"),
		Intro:  "The balances the tablets read. One balance in service per hood; the live reading is on the tablet of that hood.",
		NewURL: "/admin/balances/new", NewText: "Register a balance",
		Columns: []web.Column{{Title: "Name"}, {Title: "Address"}, {Title: "Protocol"}, {Title: "Readability"}, {Title: "Hood"}, {Title: "State"}, {Title: "Last heard"}}}
	for _, b := range bs {
		state := inService(b.Active)
		if b.Simulated {
			state += ", simulated"
		}
		heard := "not read since the server started"
		if h, ok := svc.LastHeard(b.ID); ok {
			switch {
			case h.Err != "":
				heard = "no reading: " + h.Err
			case h.Reading != "" && h.Stable:
				heard = h.Reading + ", stable"
			case h.Reading != "":
				heard = h.Reading + ", still moving"
			default:
				heard = "answered"
			}
			heard += " (" + pg.Time(h.At) + ")"
		}
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{b.Name, b.Address, dialectWords[string(b.Dialect)], b.Readability, b.Hood, state, heard},
			URL: fmt.Sprintf("/admin/balances/%d", b.ID), Muted: !b.Active})
	}
	return w.render(c, http.StatusOK, pg)
}

func balanceFields(in devices.BalanceInput, isNew bool) []web.Field {
	f := []web.Field{
		{Name: "name", Label: "Name", Value: in.Name, Required: true, Help: "As the technicians know it, e.g. Hood 1 balance."},
		{Name: "address", Label: "Network address", Value: in.Address, Required: true, Autocomplete: "off",
			Help: "host:port of the balance or its serial-to-network adapter, e.g. 10.1.2.30:4001."},
		{Name: "dialect", Label: "Protocol", Type: "select", Options: labelled([]string{"mt-sics", "sbi"}, dialectWords, in.Dialect)},
		{Name: "readability", Label: "Readability (smallest step shown)", Value: in.Readability, Required: true, InputMode: "decimal",
			Help: "A weight from 0.000001 g to 1 g, e.g. 0.001 g."},
		{Name: "hood", Label: "Hood", Value: in.Hood, Help: "The hood it stands in, e.g. Hood 1. One balance in service per hood."},
	}
	if !isNew {
		f = append(f, web.Field{Name: "active", Label: "In service (untick to take it out of service — you are asked to confirm)", Type: "checkbox",
			Checked: in.Active == nil || *in.Active})
	}
	return f
}

func (w *webUI) balanceForm(c echo.Context) error {
	pg := web.AdminFormPage{Layout: w.layout(c, "Balance", "admin"), Tabs: adminTabs("balances"), Back: "/admin/balances"}
	if c.Param("id") == "" {
		pg.Heading, pg.Action, pg.Submit = "Register a balance", "/admin/balances/new", "Register balance"
		pg.Fields = balanceFields(devices.BalanceInput{Dialect: "mt-sics", Readability: "0.001 g"}, true)
		return w.render(c, http.StatusOK, pg)
	}
	b, err := w.balanceOf(c)
	if err != nil {
		return err
	}
	in := devices.BalanceInput{Name: b.Name, Address: b.Address, Dialect: string(b.Dialect), Readability: b.Readability, Hood: b.Hood, Active: &b.Active}
	pg.Heading, pg.Action, pg.Submit = "Edit "+b.Name, c.Request().URL.Path, "Save changes"
	pg.Fields = balanceFields(in, false)
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) balanceOf(c echo.Context) (devices.Balance, error) {
	svc, err := w.devices()
	if err != nil {
		return devices.Balance{}, err
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return devices.Balance{}, err
	}
	return svc.Balance(c.Request().Context(), id)
}

func (w *webUI) balanceSave(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	isNew := c.Param("id") == ""
	active := isNew || c.FormValue("active") == "1"
	in := devices.BalanceInput{Name: strings.TrimSpace(c.FormValue("name")), Address: strings.TrimSpace(c.FormValue("address")),
		Dialect: c.FormValue("dialect"), Readability: strings.TrimSpace(c.FormValue("readability")), Hood: strings.TrimSpace(c.FormValue("hood")), Active: &active}
	pg := web.AdminFormPage{Layout: w.layout(c, "Balance", "admin"), Tabs: adminTabs("balances"), Back: "/admin/balances",
		Action: c.Request().URL.Path, Fields: balanceFields(in, isNew), Heading: "Register a balance", Submit: "Register balance"}
	ctx, me := c.Request().Context(), httpapi.PrincipalOf(c).UserID
	var b devices.Balance
	if isNew {
		b, err = svc.RegisterBalance(ctx, in, me)
	} else {
		before, err := w.balanceOf(c)
		if err != nil {
			return err
		}
		in.Simulated = before.Simulated
		pg.Heading, pg.Submit = "Edit "+before.Name, "Save changes"
		if before.Active && !active && c.FormValue("confirm") != "1" {
			return w.confirmOutOfService(c, "balance", before.Name, deviceHidden(c, "name", "address", "dialect", "readability", "hood"))
		}
		b, err = svc.UpdateBalance(ctx, before.ID, in, me)
		if err != nil {
			return w.deviceFormError(c, &pg, err)
		}
	}
	if err != nil {
		return w.deviceFormError(c, &pg, err)
	}
	return redirectWithFlash(c, "/admin/balances", fmt.Sprintf("Saved %s (%s).", b.Name, inService(b.Active)))
}

// deviceFormError re-renders a device form with the errors beside their
// fields.
func (w *webUI) deviceFormError(c echo.Context, pg *web.AdminFormPage, err error) error {
	if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound || k == apperr.Unavailable {
		return err
	}
	fieldErrors(pg, err)
	return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), *pg)
}

// deviceHidden carries the submitted fields through the confirmation.
func deviceHidden(c echo.Context, names ...string) []web.Option {
	out := []web.Option{{Value: "confirm", Label: "1"}}
	for _, n := range names {
		out = append(out, web.Option{Value: n, Label: c.FormValue(n)})
	}
	return out
}

// confirmOutOfService asks once more, on a page of its own, before a
// device leaves service.
func (w *webUI) confirmOutOfService(c echo.Context, what, name string, hidden []web.Option) error {
	tab := map[string]string{"balance": "balances", "printer": "printers"}[what]
	msg := fmt.Sprintf("%s will no longer be offered to the tablets: a hood whose %s it is has none until another is put in service there.", name, what)
	if what == "balance" {
		msg += " Weights at that hood then have to be typed, with a reason."
	} else {
		msg += " Labels are then printed from the browser or on another printer."
	}
	return w.render(c, http.StatusOK, web.ConfirmPage{Layout: w.layout(c, "Take "+name+" out of service", "admin"), Tabs: adminTabs(tab),
		Heading: "Take " + name + " out of service?", Message: msg, Action: c.Request().URL.Path, Hidden: hidden,
		Confirm: "Yes, take " + name + " out of service", Back: c.Request().URL.Path})
}

// ---------------------------------------------------------------- printers

// sizeWords shows a stored "101.6x76.2 mm" with its size in inches when
// it is a whole number of hundredths.
func sizeWords(s string) string {
	var wmm, hmm float64
	if _, err := fmt.Sscanf(s, "%gx%g mm", &wmm, &hmm); err != nil {
		return s
	}
	in := func(f float64) (string, bool) {
		v := f / 25.4
		r := math.Round(v*100) / 100
		return strconv.FormatFloat(r, 'f', -1, 64), math.Abs(v-r) < 0.001
	}
	wi, ok1 := in(wmm)
	hi, ok2 := in(hmm)
	if ok1 && ok2 {
		return wi + " × " + hi + " in"
	}
	return strings.Replace(s, "x", " × ", 1)
}

func (w *webUI) printers(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	ps, err := svc.Printers(c.Request().Context())
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.layout(c, "Label printers", "admin"), Heading: "Label printers", Tabs: adminTabs("printers"),
		Intro:  "Thermal label printers that take ZPL over the network (raw printing, usually port 9100).",
		NewURL: "/admin/printers/new", NewText: "Register a printer",
		Columns: []web.Column{{Title: "Name"}, {Title: "Address"}, {Title: "Label size"}, {Title: "Resolution"}, {Title: "Hood"}, {Title: "State"}}}
	for _, p := range ps {
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{p.Name, p.Address, sizeWords(p.LabelSize), fmt.Sprintf("%d dpi", p.DPI), p.Hood, inService(p.Active)},
			URL: fmt.Sprintf("/admin/printers/%d", p.ID), Muted: !p.Active})
	}
	return w.render(c, http.StatusOK, pg)
}

var dpis = []string{"152", "203", "300", "600"}

func printerFields(in devices.PrinterInput, dpi string, isNew bool) []web.Field {
	f := []web.Field{
		{Name: "name", Label: "Name", Value: in.Name, Required: true, Help: "e.g. Hood 1 printer."},
		{Name: "address", Label: "Network address", Value: in.Address, Required: true, Autocomplete: "off",
			Help: "host:9100 (the port is 9100 when left out), e.g. 10.1.2.40:9100."},
		{Name: "label_size", Label: "Label size", Value: in.LabelSize, Required: true, Help: "Width x height with a unit: 4x3 in or 101.6x76.2 mm; at least 2x1.5 in."},
		{Name: "dpi", Label: "Resolution (dots per inch)", Type: "select", Options: labelled(dpis, map[string]string{"152": "152 dpi", "203": "203 dpi", "300": "300 dpi", "600": "600 dpi"}, dpi)},
		{Name: "hood", Label: "Hood", Value: in.Hood, Help: "The hood it serves, e.g. Hood 1. One printer in service per hood."},
	}
	if !isNew {
		f = append(f, web.Field{Name: "active", Label: "In service (untick to take it out of service — you are asked to confirm)", Type: "checkbox",
			Checked: in.Active == nil || *in.Active})
	}
	return f
}

func (w *webUI) printerForm(c echo.Context) error {
	pg := web.AdminFormPage{Layout: w.layout(c, "Label printer", "admin"), Tabs: adminTabs("printers"), Back: "/admin/printers"}
	if c.Param("id") == "" {
		pg.Heading, pg.Action, pg.Submit = "Register a label printer", "/admin/printers/new", "Register printer"
		pg.Fields = printerFields(devices.PrinterInput{LabelSize: "4x3 in"}, "203", true)
		return w.render(c, http.StatusOK, pg)
	}
	p, err := w.printerOf(c)
	if err != nil {
		return err
	}
	in := devices.PrinterInput{Name: p.Name, Address: p.Address, LabelSize: p.LabelSize, Hood: p.Hood, Active: &p.Active}
	pg.Heading, pg.Action, pg.Submit = "Edit "+p.Name, c.Request().URL.Path, "Save changes"
	pg.Fields = printerFields(in, strconv.Itoa(p.DPI), false)
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) printerOf(c echo.Context) (devices.Printer, error) {
	svc, err := w.devices()
	if err != nil {
		return devices.Printer{}, err
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return devices.Printer{}, err
	}
	return svc.Printer(c.Request().Context(), id)
}

func (w *webUI) printerSave(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	isNew := c.Param("id") == ""
	if !isNew {
		// A malformed address is refused before the form is read.
		if _, err := httpapi.PathID(c, "id"); err != nil {
			return err
		}
	}
	active := isNew || c.FormValue("active") == "1"
	dpi := c.FormValue("dpi")
	in := devices.PrinterInput{Name: strings.TrimSpace(c.FormValue("name")), Address: strings.TrimSpace(c.FormValue("address")),
		LabelSize: strings.TrimSpace(c.FormValue("label_size")), Hood: strings.TrimSpace(c.FormValue("hood")), Active: &active}
	pg := web.AdminFormPage{Layout: w.layout(c, "Label printer", "admin"), Tabs: adminTabs("printers"), Back: "/admin/printers",
		Action: c.Request().URL.Path, Fields: printerFields(in, dpi, isNew), Heading: "Register a label printer", Submit: "Register printer"}
	n, convErr := strconv.Atoi(dpi)
	if convErr != nil {
		return w.deviceFormError(c, &pg, apperr.InvalidField("dpi", "choose the printer's resolution: 152, 203, 300 or 600 dpi"))
	}
	in.DPI = n
	if in.LabelSize == "" {
		// The API's default stock is for a JSON client; a form shows the
		// field, so an empty one is a mistake to point at.
		return w.deviceFormError(c, &pg, apperr.InvalidField("label_size", "is required: e.g. 4x3 in"))
	}
	ctx, me := c.Request().Context(), httpapi.PrincipalOf(c).UserID
	var p devices.Printer
	if isNew {
		p, err = svc.RegisterPrinter(ctx, in, me)
	} else {
		before, err := w.printerOf(c)
		if err != nil {
			return err
		}
		pg.Heading, pg.Submit = "Edit "+before.Name, "Save changes"
		if before.Active && !active && c.FormValue("confirm") != "1" {
			return w.confirmOutOfService(c, "printer", before.Name, deviceHidden(c, "name", "address", "label_size", "dpi", "hood"))
		}
		p, err = svc.UpdatePrinter(ctx, before.ID, in, me)
		if err != nil {
			return w.deviceFormError(c, &pg, err)
		}
	}
	if err != nil {
		return w.deviceFormError(c, &pg, err)
	}
	return redirectWithFlash(c, "/admin/printers", fmt.Sprintf("Saved %s (%s).", p.Name, inService(p.Active)))
}

// ------------------------------------------------------------- print queue

var jobStateWords = map[string]string{"queued": "waiting to print", "printed": "printed", "failed": "NOT PRINTED"}

func (w *webUI) printQueue(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	jobs, err := svc.Jobs(c.Request().Context(), 0, status)
	if err != nil {
		return err
	}
	me := httpapi.PrincipalOf(c)
	active := "print"
	var tabs []web.Tab
	if me.Has(auth.Admin) {
		active, tabs = "admin", adminTabs("print")
	}
	pg := web.PrintQueuePage{Layout: w.layout(c, "Print queue", active), Tabs: tabs, Status: status}
	for _, f := range []struct{ s, t string }{{"", "All"}, {"failed", "Not printed"}, {"queued", "Waiting"}, {"printed", "Printed"}} {
		u := "/print-queue"
		if f.s != "" {
			u += "?status=" + f.s
		}
		pg.Filters = append(pg.Filters, web.Tab{Title: f.t, URL: u, Active: f.s == status})
	}
	prepURL := func(id int64) string {
		switch {
		case me.Has(auth.Pharmacist), me.Has(auth.Admin):
			return fmt.Sprintf("/verify/%d", id)
		case me.Has(auth.Technician):
			return fmt.Sprintf("/tablet/prep/%d", id)
		}
		return ""
	}
	const maxRows = 200
	for i, j := range jobs {
		if i == maxRows {
			break
		}
		row := web.PrintJobRow{ID: j.ID, Preparation: fmt.Sprintf("#%d", j.PreparationID), PrepURL: prepURL(j.PreparationID),
			Label: fmt.Sprintf("%d (%s)", j.LabelSeq, j.LabelData), Printer: j.Printer, State: jobStateWords[j.Status], Failed: j.Status == "failed",
			Attempts: fmt.Sprintf("%d of %d", j.Attempts, j.MaxAttempts), LastError: sentence(j.LastError), When: pg.Time(j.CreatedAt)}
		if j.Status == "queued" && j.LastError != "" {
			row.State = "retrying"
		}
		pg.Jobs = append(pg.Jobs, row)
	}
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) printRetry(c echo.Context) error {
	svc, err := w.devices()
	if err != nil {
		return err
	}
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	j, err := svc.Retry(c.Request().Context(), id, httpapi.PrincipalOf(c).UserID)
	if err != nil {
		if apperr.KindOf(err) == apperr.Conflict {
			return redirectWithFlash(c, "/print-queue", fmt.Sprintf("Print job %d has not failed: nothing to retry.", id))
		}
		return err
	}
	return redirectWithFlash(c, "/print-queue", fmt.Sprintf("Sending label %d of #%d to %s again.", j.LabelSeq, j.PreparationID, j.Printer))
}

// labelPrintNotice says when the current label of a preparation did not
// reach a printer: its newest job failed (or is being retried) and no job
// of it printed. A label never sent to a printer (printed from the
// browser) has no notice.
func (w *webUI) labelPrintNotice(ctx context.Context, p *workflow.Preparation) (*web.LabelPrintNotice, error) {
	if w.api.Devices == nil || p.LabelSeq == 0 {
		return nil, nil
	}
	jobs, err := w.api.Devices.Jobs(ctx, p.ID, "")
	if err != nil {
		return nil, err
	}
	var newest *devices.PrintJob
	for i := range jobs {
		j := &jobs[i]
		if j.LabelSeq != p.LabelSeq {
			continue
		}
		if j.Status == "printed" {
			return nil, nil
		}
		if newest == nil {
			newest = j
		}
	}
	switch {
	case newest == nil:
		return nil, nil
	case newest.Status == "failed":
		return &web.LabelPrintNotice{Failed: true, QueueURL: "/print-queue?status=failed",
			Message: fmt.Sprintf("label %d on %s: %s — retry or print elsewhere.", p.LabelSeq, newest.Printer, strings.TrimSuffix(newest.LastError, "."))}, nil
	case newest.LastError != "":
		return &web.LabelPrintNotice{QueueURL: "/print-queue?status=queued",
			Message: fmt.Sprintf("label %d on %s: %s — still retrying (attempt %d of %d).", p.LabelSeq, newest.Printer, strings.TrimSuffix(newest.LastError, "."), newest.Attempts, newest.MaxAttempts)}, nil
	}
	return nil, nil
}
