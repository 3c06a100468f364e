package webui

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

func actorFor(p *auth.Principal) workflow.Actor {
	return workflow.Actor{UserID: p.UserID, Admin: p.Has(auth.Admin)}
}

// names caches user display names for one page.
type names struct {
	w     *webUI
	ctx   context.Context
	cache map[int64]string
}

func (w *webUI) names(ctx context.Context) *names {
	return &names{w: w, ctx: ctx, cache: map[int64]string{}}
}

func (n *names) of(id *int64) string {
	if id == nil {
		return ""
	}
	if s, ok := n.cache[*id]; ok {
		return s
	}
	s := n.w.api.Compounding.UserName(n.ctx, id)
	n.cache[*id] = s
	return s
}

// cardOf turns a queue item into what a queue card shows.
func cardOf(it workflow.QueueItem, me int64, nm *names) web.QueueCard {
	c := web.QueueCard{
		ID: it.PreparationID, Drug: it.Drug, Dose: it.Dose, DueAt: it.DueAt, Priority: string(it.Priority),
		Status: string(it.Status), Location: it.Location, Hazardous: it.Hazardous, HighAlert: it.HighAlert,
		ClaimedBy: nm.of(it.ClaimedBy), PreparedBy: nm.of(it.PreparedBy),
		Volume: it.FinalVolume, Diluent: it.Diluent, Route: it.Route,
	}
	if it.CompletedAt != nil {
		c.CompletedAt = *it.CompletedAt
	}
	c.Mine = it.ClaimedBy != nil && *it.ClaimedBy == me
	c.Own = it.PreparedBy != nil && *it.PreparedBy == me
	if it.FirstCheckBy != nil {
		c.FirstCheckBy = nm.of(it.FirstCheckBy)
		c.Own = c.Own || *it.FirstCheckBy == me
	}
	return c
}

// claim takes a preparation and opens its guided steps. Claiming one the
// technician already holds (a double tap) just opens it.
func (w *webUI) claim(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	p := httpapi.PrincipalOf(c)
	ctx := c.Request().Context()
	if _, err := w.api.Compounding.Claim(ctx, id, actorFor(p), w.api.Now(), nil); err != nil {
		if prep, gerr := w.api.Compounding.Preparation(ctx, id); gerr == nil && prep.ClaimedBy != nil && *prep.ClaimedBy == p.UserID {
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/tablet/prep/%d", id))
		}
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal {
			return err
		}
		words := web.Refusal(e.CodeOrKind())
		return w.renderQueue(c, httpapi.StatusOf(e.Kind), words.Title+": "+e.Message+". "+words.Next)
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/tablet/prep/%d", id))
}

// newLabel issues a new label for a damaged or lost one (the form's POST,
// with its CSRF token): the old label can no longer release the bag. The
// page then opens the new label to print.
func (w *webUI) newLabel(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := w.api.Compounding.IssueLabel(c.Request().Context(), id, "html", actorFor(httpapi.PrincipalOf(c)), w.api.Now(), nil)
	if err != nil {
		e := httpapi.ToAppErr(err)
		if e.Kind == apperr.Internal {
			return err
		}
		return redirectWithFlash(c, fmt.Sprintf("/tablet/prep/%d", id), "No new label: "+e.Message)
	}
	msg := fmt.Sprintf("Label %d issued.", d.Value.LabelSeq)
	if d.Value.Supersedes != "" {
		msg = fmt.Sprintf("Label %d issued: it replaces label %d, which can no longer release the bag. Put the new label on.", d.Value.LabelSeq, d.Value.LabelSeq-1)
	}
	return redirectWithFlash(c, fmt.Sprintf("/tablet/prep/%d?print=1", id), msg)
}

// prep is the guided preparation: one step at a time.
func (w *webUI) prep(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := httpapi.PrincipalOf(c)
	prep, err := w.api.Compounding.Preparation(ctx, id)
	if err != nil {
		return err
	}
	nm := w.names(ctx)
	view := w.prepView(prep, nm)
	if err := w.addReferences(ctx, &view, &prep.Worksheet); err != nil {
		return err
	}
	pg := web.PrepPage{Layout: w.layout(c, fmt.Sprintf("#%d %s", prep.ID, prep.Worksheet.DrugDisplay), "queue"), Prep: view}
	pg.Mine = prep.Status == workflow.StatusInProgress && prep.ClaimedBy != nil && *prep.ClaimedBy == p.UserID
	pg.LabelURL = fmt.Sprintf("/api/v1/preparations/%d/label?format=html", prep.ID)
	pg.PrintNow = c.QueryParam("print") == "1"
	if h, err := w.api.Compounding.OpenHold(ctx, prep.ID); err != nil {
		return err
	} else if h != nil {
		pg.Hold = &web.HoldBanner{Reason: h.Reason}
	}
	if pg.Print, err = w.labelPrintNotice(ctx, prep); err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

var statusText = map[workflow.Status]string{
	workflow.StatusNeedsOverride: "Needs pharmacist override",
	workflow.StatusQueued:        "Queued", workflow.StatusInProgress: "In progress", workflow.StatusCompleted: "Awaiting verification",
	workflow.StatusSecondCheck: "Awaiting second check",
	workflow.StatusVerified:    "Verified", workflow.StatusReleased: "Released", workflow.StatusRejected: "Rejected", workflow.StatusCancelled: "Cancelled",
}

var quantityLabels = []struct{ key, label string }{
	{"weight", "Patient weight"}, {"bsa", "Body surface area"}, {"dose", "Dose"}, {"vials", "Vials"},
	{"reconstitution_diluent", "Diluent per vial"}, {"reconstituted_volume", "Volume after reconstitution"},
	{"concentration", "Concentration drawn"}, {"volume", "Volume to draw"}, {"delivered_dose", "Dose delivered"},
	{"base_volume", "Base solution"}, {"total_volume", "Total volume"}, {"final_concentration", "Final concentration"},
	{"rate", "Infusion rate"},
}

// prepView turns a preparation into what the tablet and the pharmacist see.
func (w *webUI) prepView(p *workflow.Preparation, nm *names) web.Preparation {
	ws := &p.Worksheet
	v := web.Preparation{
		ID: p.ID, Status: string(p.Status), StatusText: statusText[p.Status], Drug: ws.DrugDisplay, Dose: ws.OrderedDose,
		Route: ws.Route, Diluent: ws.DiluentName, Priority: string(p.Priority), DueAt: p.DueAt,
		Patient: web.Patient{Name: ws.Patient.Name, MRN: ws.Patient.MRN, Location: ws.Patient.Location, BirthDate: ws.Patient.BirthDate,
			Weight: ws.Patient.Weight, Height: ws.Patient.Height},
		Hazardous: ws.Hazardous, HazardNote: ws.Handling, Recipe: fmt.Sprintf("%s (version %d)", ws.RecipeName, ws.RecipeVersion),
		PreparedBy: nm.of(p.PreparedBy), ClaimedBy: nm.of(p.ClaimedBy), CompletedAt: p.CompletedAt, Version: p.Version,
		Storage: string(ws.Storage),
	}
	if l, ok := ws.Quantities["base_volume"]; ok {
		v.FinalVolume = l.Value
	}
	if p.RemakeOf != nil {
		v.RemakeOf, v.RemakeReason = *p.RemakeOf, p.RemakeReason
	}
	guardView(ws, &v)
	if d, ok := ws.Quantities["dose"]; ok && d.Value != ws.OrderedDose {
		v.Dose = d.Value
	}
	seen := map[string]bool{}
	for _, q := range quantityLabels {
		if l, ok := ws.Quantities[q.key]; ok {
			seen[q.key] = true
			v.Quantities = append(v.Quantities, derived(q.label, l))
		}
	}
	var rest []string
	for k := range ws.Quantities {
		if !seen[k] && k != "vial_remainder" {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		v.Quantities = append(v.Quantities, derived(strings.ReplaceAll(k, "_", " "), ws.Quantities[k]))
	}
	if len(ws.Gravimetric) > 0 {
		v.Quantities = append(v.Quantities, weightChecks(ws, p.Progress))
	}
	res := p.BUD
	if res == nil {
		res = ws.BUD
	}
	if res != nil {
		t := res.BUD
		v.BUD = &t
		v.BUDLimit = string(res.LimitedBy)
		if res.LimitingComponent != "" {
			v.BUDLimit += " (" + res.LimitingComponent + ")"
		}
		v.BUDReason = res.Reason
		if p.BUD == nil && ws.BUDProvisional {
			v.BUDReason += " — provisional until completion"
		}
	}
	photoStep := false
	for _, s := range ws.Steps {
		photoStep = photoStep || s.Kind == workflow.StepPhoto
	}
	for _, s := range ws.Steps {
		sv := stepView(ws, s, p.Progress, w.api.Config.Location)
		sv.Photo = !photoStep && s.Kind == workflow.StepDraw
		v.Steps = append(v.Steps, sv)
	}
	return v
}

// The display of a quantity is left to the template's ISMP formatter;
// counts are shown as they are.
// The display is the worksheet's, at measurable precision; the exact value
// is offered on request only (a tooltip), never in the page's text.
func derived(label string, l workflow.Line) web.Derived {
	d := web.Derived{Label: label, Value: l.Value, Steps: l.Steps, Note: l.Note, Display: l.Display}
	if l.Exact != "" && l.Exact != l.Value {
		d.Exact = l.Exact
	} else if l.Display != "" && l.Display != web.Dose(l.Value) {
		d.Exact = l.Value
	}
	return d
}

// guardView adds what the guard rails found: the high-alert flag, the dose
// delivered and its deviation, and the dose limits held.
func guardView(ws *workflow.Worksheet, v *web.Preparation) {
	if ws.HighAlert != nil {
		v.HighAlert, v.DoubleCheck = ws.HighAlert.Category, ws.HighAlert.DoubleCheck
	}
	v.TypedWitness = ws.NeedsWitness()
	if d, ok := ws.Quantities["delivered_dose"]; ok && ws.Deviation != "" {
		v.Delivered, v.Deviation = d.Display, ws.Deviation
	}
	for _, h := range ws.Holds {
		v.Holds = append(v.Holds, h.Message+" (source: "+h.Source+")")
	}
}

func stepView(ws *workflow.Worksheet, s workflow.Step, prog workflow.Progress, loc *time.Location) web.Step {
	v := web.Step{ID: s.ID, Title: s.Instruction, Done: s.Done, Failed: s.State == "failed"}
	switch {
	case s.Kind.IsScan():
		v.Kind = "scan"
		v.Expect = strings.Join(s.Expects.Products, " or ")
		if s.Expects.Count > 1 {
			v.Detail = fmt.Sprintf("%d containers, one scan each.", s.Expects.Count)
		}
		if s.Kind == workflow.StepScanVial {
			v.Derivation = ws.Quantities["vials"].Steps
		}
		var got []string
		for _, r := range prog.Scans {
			if r.StepID == s.ID && r.Accepted {
				t := "lot " + r.Lot
				if r.ExpiresAt != nil {
					t += ", expires " + web.ExpiryDate(*r.ExpiresAt, loc)
				}
				got = append(got, t)
			}
		}
		v.Result = strings.Join(got, "; ")
		v.Scanned = len(got)
		v.Count = max(s.Expects.Count, 1)
	case s.Kind == workflow.StepWeigh:
		v.Kind = "weight"
		v.Quantity = s.Expects.ExpectedWeight
		v.Detail = "Tare the scale first. Tolerance ±" + s.Expects.Tolerance + "."
		v.Derivation = []string{fmt.Sprintf("%s × specific gravity %s = %s", web.Dose(s.Expects.WeighVolume), s.Expects.SpecificGravity, web.Dose(s.Expects.ExpectedWeight))}
		for _, r := range prog.Weights {
			if r.StepID == s.ID {
				v.Result = fmt.Sprintf("%s (%s)", web.Dose(r.Measured), r.Deviation)
			}
		}
	case s.Kind == workflow.StepPhoto:
		v.Kind = "photo"
		if prog.Photos[s.ID] > 0 {
			v.Result = "photo saved"
		}
	default:
		v.Kind = "manual"
		switch s.Kind {
		case workflow.StepDraw:
			v.Quantity = s.Expects.Volume
			l := ws.Quantities["volume"]
			v.Derivation = l.Steps
			if l.Note != "" {
				v.Detail = l.Note + "."
			}
		case workflow.StepReconstitute:
			v.Quantity = s.Expects.Volume
			v.Derivation = ws.Quantities["concentration"].Steps
		}
		if s.Done {
			v.Result = "done"
		}
	}
	return v
}

// weightChecks counts the weighings done against those the worksheet
// plans: a step counts once, when its last weight is within tolerance.
func weightChecks(ws *workflow.Worksheet, prog workflow.Progress) web.Derived {
	planned, done := 0, 0
	for _, s := range ws.Steps {
		if s.Kind != workflow.StepWeigh {
			continue
		}
		planned++
		pass := false
		for _, r := range prog.Weights {
			if r.StepID == s.ID {
				pass = r.Pass
			}
		}
		if pass {
			done++
		}
	}
	return web.Derived{Label: "Weight checks", Value: strconv.Itoa(done),
		Display: fmt.Sprintf("%d done of %d planned", done, planned), Steps: ws.Gravimetric}
}
