package webui

import (
	"context"
	"fmt"
	"time"

	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// verifyQueue is the pharmacist's queue; the list part reloads itself on
// every preparation event (see events and verifyList).
func (w *webUI) verifyQueue(c echo.Context) error {
	list, err := w.verifyListData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, web.VerifyQueuePage{Layout: w.layout(c, "Verify", "verify"), List: list})
}

// verifyList is the fragment the live page swaps in.
func (w *webUI) verifyList(c echo.Context) error {
	list, err := w.verifyListData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, list)
}

func (w *webUI) verifyListData(c echo.Context) (web.VerifyListFragment, error) {
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c).UserID
	waiting, err := w.api.Compounding.Verifications(ctx)
	if err != nil {
		return web.VerifyListFragment{}, err
	}
	queue, err := w.api.Compounding.Queue(ctx)
	if err != nil {
		return web.VerifyListFragment{}, err
	}
	nm := w.names(ctx)
	f := web.VerifyListFragment{Layout: w.layout(c, "Verify", "verify"), Updated: w.api.Now()}
	for _, it := range waiting {
		card := cardOf(it, me, nm)
		if it.CompletedAt != nil {
			card.Waited = waited(w.api.Now().Sub(*it.CompletedAt))
		}
		f.Cards = append(f.Cards, card)
	}
	for _, it := range queue {
		if it.Status == workflow.StatusInProgress {
			f.InProgress = append(f.InProgress, cardOf(it, me, nm))
		}
	}
	return f, nil
}

// verifyPage shows one preparation's evidence and the decision form.
func (w *webUI) verifyPage(c echo.Context) error {
	pg, err := w.verifyData(c)
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) verifyData(c echo.Context) (web.VerifyPage, error) {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return web.VerifyPage{}, err
	}
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c)
	p, err := w.api.Compounding.Preparation(ctx, id)
	if err != nil {
		return web.VerifyPage{}, err
	}
	nm := w.names(ctx)
	pg := web.VerifyPage{Layout: w.layout(c, fmt.Sprintf("Verify #%d", p.ID), "verify"), Prep: w.prepView(p, nm)}
	if len(p.Worksheet.Holds) > 0 {
		ovs, err := w.api.Compounding.Overrides(ctx, p.ID)
		if err != nil {
			return web.VerifyPage{}, err
		}
		loc := w.api.Config.Location
		if loc == nil {
			loc = time.UTC
		}
		for _, o := range ovs {
			pg.Prep.Overrides = append(pg.Prep.Overrides, fmt.Sprintf("by %s on %s (password re-entered): %s",
				o.UserName, o.At.In(loc).Format("2006-01-02 15:04"), o.Reason))
		}
	}
	if err := w.checks(ctx, p, me.UserID, &pg); err != nil {
		return web.VerifyPage{}, err
	}
	pg.CanDecide = p.Status.Allows(workflow.ActVerify) == nil && me.Has(rolesVerify...)
	products := map[int64]string{}
	ws := &p.Worksheet
	for _, pr := range append(append([]workflow.Product{ws.Product}, ws.AllowedProducts...), ws.AllowedDiluents...) {
		products[pr.ID] = pr.Label()
	}
	steps := map[string]string{}
	for i, s := range ws.Steps {
		steps[s.ID] = fmt.Sprintf("%d. %s", i+1, web.StepKind(string(s.Kind)))
	}
	w.entryEvidence(ctx, p, steps, products, nm, &pg)
	photos, err := w.api.Compounding.Photos(ctx, p.ID)
	if err != nil {
		return web.VerifyPage{}, err
	}
	for _, ph := range photos {
		pg.Photos = append(pg.Photos, web.PhotoEvidence{URL: httpapi.PhotoURL(p.ID, ph.ID), At: ph.TakenAt, Step: steps[ph.StepID]})
	}
	if pg.Downtime, err = w.downtimeEvidence(ctx, p.ID, nm); err != nil {
		return web.VerifyPage{}, err
	}
	pg.Steps = stepEvidence(ws, steps, &pg)
	if p.LabelSeq > 0 {
		pg.LabelURL = fmt.Sprintf("/api/v1/preparations/%d/label?format=html", p.ID)
	}
	if pg.Print, err = w.labelPrintNotice(ctx, p); err != nil {
		return web.VerifyPage{}, err
	}
	exs, err := w.api.Compounding.Exceptions(ctx, p)
	if err != nil {
		return web.VerifyPage{}, err
	}
	for _, x := range exs {
		pg.Exceptions = append(pg.Exceptions, web.ExceptionLine{Text: x.Text, Anchor: x.Anchor})
	}
	return pg, nil
}

// stepEvidence groups the scans, weights and photos under the step they
// were recorded for, in the worksheet's order; anything recorded for a
// step the worksheet no longer has comes last.
func stepEvidence(ws *workflow.Worksheet, labels map[string]string, pg *web.VerifyPage) []web.StepEvidence {
	out := make([]web.StepEvidence, 0, len(ws.Steps)+1)
	at := map[string]int{}
	for _, s := range ws.Steps {
		at[labels[s.ID]] = len(out)
		out = append(out, web.StepEvidence{Anchor: "step-" + s.ID, Title: labels[s.ID], Instruction: s.Instruction, Done: s.Done})
	}
	other := func(label string) int {
		if i, ok := at[label]; ok {
			return i
		}
		at[label] = len(out)
		out = append(out, web.StepEvidence{Title: "Other entries", Done: true})
		return at[label]
	}
	for _, e := range pg.Scans {
		i := other(e.Step)
		out[i].Scans = append(out[i].Scans, e)
	}
	for _, e := range pg.Weights {
		i := other(e.Step)
		out[i].Weights = append(out[i].Weights, e)
	}
	for _, e := range pg.Photos {
		i := other(e.Step)
		out[i].Photos = append(out[i].Photos, e)
	}
	return out
}

// verifySubmit records a pharmacist's signed decision: the same checks as
// the JSON API (a reason to reject, the password or PIN re-entered, never
// one's own work), then the preparation service's Verify.
func (w *webUI) verifySubmit(c echo.Context) error {
	pg, err := w.verifyData(c)
	if err != nil {
		return err
	}
	pg.Decision = c.FormValue("decision")
	pg.Reason = strings.TrimSpace(c.FormValue("reason"))
	secret := c.FormValue("pin")
	fail := func(status int, field, msg string) error {
		pg.Error, pg.Field = msg, field
		return w.render(c, status, pg)
	}
	switch {
	case pg.Decision != "approve" && pg.Decision != "reject":
		return fail(http.StatusBadRequest, "decision", "Choose approve or reject.")
	case pg.Decision == "reject" && pg.Reason == "":
		return fail(http.StatusBadRequest, "reason", "Say why it is rejected; the technician reads it when remaking.")
	case len(pg.Reason) > 2000:
		return fail(http.StatusBadRequest, "reason", "The reason is longer than 2,000 characters.")
	case secret == "":
		return fail(http.StatusBadRequest, "pin", "Enter your PIN or password to sign the decision.")
	case pg.Own != "":
		return fail(http.StatusForbidden, "", pg.Own)
	}
	svc, err := w.logins()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c)
	if err := svc.ReauthPassword(ctx, me, secret); err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal {
			return err
		}
		return fail(httpapi.StatusOf(e.Kind), "pin", e.Message)
	}
	d, err := w.api.Compounding.Verify(ctx, compounding.VerifyInput{PreparationID: pg.Prep.ID, Actor: actorFor(me),
		Decision: workflow.Decision(pg.Decision), Reason: pg.Reason, Now: w.api.Now()}, nil)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal {
			return err
		}
		return fail(httpapi.StatusOf(e.Kind), e.Field, e.Message)
	}
	res := d.Value
	msg := fmt.Sprintf("#%d approved: it can be released.", res.PreparationID)
	if res.Status == workflow.StatusSecondCheck {
		msg = fmt.Sprintf("#%d approved: first check made; a second pharmacist must check it before it is released.", res.PreparationID)
	}
	if pg.Decision == "reject" {
		msg = fmt.Sprintf("#%d rejected; the waste is recorded", res.PreparationID)
		if res.RemakeID != nil {
			msg += fmt.Sprintf(" and remake #%d is queued", *res.RemakeID)
		}
		msg += "."
	}
	return redirectWithFlash(c, "/verify", msg)
}

// checks fills in who made the first check of a preparation awaiting its
// second, and why the viewer may not verify it: they had a hand in making
// it, or made the first check.
func (w *webUI) checks(ctx context.Context, p *workflow.Preparation, me int64, pg *web.VerifyPage) error {
	hands, err := w.api.Compounding.Hands(ctx, p.ID)
	if err != nil {
		return err
	}
	if err := p.Independent(workflow.Actor{UserID: me}, hands); err != nil {
		m := httpapi.ToAppErr(err).Message
		pg.Own = strings.ToUpper(m[:1]) + m[1:] + "."
	}
	if p.Status != workflow.StatusSecondCheck {
		return nil
	}
	apps, err := w.api.Compounding.Approvals(ctx, p.ID)
	if err != nil || len(apps) == 0 {
		return err
	}
	loc := w.api.Config.Location
	if loc == nil {
		loc = time.UTC
	}
	pg.FirstCheck = fmt.Sprintf("First check by %s on %s. A second pharmacist, who neither made it nor made the first check, must approve it before it is released.",
		apps[0].UserName, apps[0].At.In(loc).Format("2006-01-02 15:04"))
	return nil
}

// entryEvidence lists the scans and weights, each typed one marked with
// its reason and witness, and gathers the typed entries for the page's top.
func (w *webUI) entryEvidence(ctx context.Context, p *workflow.Preparation, steps map[string]string, products map[int64]string, nm *names, pg *web.VerifyPage) {
	typed := func(e workflow.Entry) string {
		if !e.Typed() {
			return ""
		}
		t := "typed by hand, reason: " + e.TypedReason
		if e.WitnessID != nil {
			t += "; witnessed by " + nm.of(e.WitnessID)
		}
		return t
	}
	for _, s := range p.Progress.Scans {
		e := web.ScanEvidence{ID: s.ID, At: s.At, Step: steps[s.StepID], Raw: s.Data, GTIN: s.GTIN, Lot: s.Lot, Serial: s.Serial,
			Accepted: s.Accepted, Code: s.Code, Message: s.Message, Warning: s.Warning, Typed: typed(s.Entry)}
		if s.ProductID != nil {
			e.Product = products[*s.ProductID]
			if e.Product == "" {
				e.Product = w.productName(ctx, *s.ProductID)
			}
		}
		if s.ExpiresAt != nil {
			e.Expiry = web.ExpiryDate(*s.ExpiresAt, w.api.Config.Location)
		}
		if s.ContainerNo > 0 {
			n := 1
			if st, ok := p.Worksheet.Step(s.StepID); ok {
				n = max(st.Expects.Count, 1)
			}
			e.Confirmed = fmt.Sprintf("no serial number, same lot as an earlier scan: confirmed by the technician as container %d of %d", s.ContainerNo, n)
		}
		if e.Typed != "" {
			res := "accepted"
			if !s.Accepted {
				res = "refused"
			}
			pg.Typed = append(pg.Typed, fmt.Sprintf("Code for step %s (%s, %s): %s", e.Step, or(e.Product, "unknown product"), res, e.Typed))
		}
		pg.Scans = append(pg.Scans, e)
	}
	for _, x := range p.Progress.Weights {
		src := "typed"
		if x.BalanceID != nil {
			src = fmt.Sprintf("balance #%d: %q", *x.BalanceID, x.Raw)
		}
		if t := typed(x.Entry); t != "" {
			src = t
			pg.Typed = append(pg.Typed, fmt.Sprintf("Weight for step %s (%s): %s", steps[x.StepID], web.Dose(x.Measured), t))
		}
		pg.Weights = append(pg.Weights, web.WeightEvidence{ID: x.ID, At: x.At, Step: steps[x.StepID], Measured: x.Measured,
			Expected: x.Expected, Deviation: x.Deviation, Tolerance: x.Tolerance, Pass: x.Pass, Source: src, Typed: x.Entry.Typed() || x.BalanceID == nil})
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// productName names a formulary product that is not on the worksheet (a
// wrong product scanned), as the formulary labels it.
func (w *webUI) productName(ctx context.Context, id int64) string {
	if label, err := w.api.catalog().ProductLabel(ctx, id); err == nil {
		return label
	}
	return "a product not on this worksheet"
}
