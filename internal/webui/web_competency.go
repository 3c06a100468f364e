package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/web"
)

// The competency screens: the people who compound and where they stand
// (lapsed and expiring first), one person's competencies with their
// history, and the form that records a new evaluation.

var stateWords = map[string]string{
	"current": "Current", "due_soon": "Due soon", "lapsed": "Lapsed", "failed": "Failed - retest needed", "missing": "No passing record",
}

func (w *webUI) competencyOverview(c echo.Context) error {
	people, rules, err := w.api.Competency.Overview(c.Request().Context())
	if err != nil {
		return err
	}
	pg := web.AdminListPage{Layout: w.layout(c, "Competency", "competency"), Heading: "Competency",
		Intro:   fmt.Sprintf("Who may compound. People who may not, or whose competencies lapse within %d days, come first. Rules: %s.", rules.DueSoonDays, rules.Version),
		Columns: []web.Column{{Title: "Person"}, {Title: "May compound"}, {Title: "Needs attention"}}}
	for _, p := range people {
		may := "Yes"
		if !p.Qualified {
			may = "No"
		}
		var attention []string
		for _, s := range p.DueSoon {
			attention = append(attention, attentionWords(s))
		}
		pg.Rows = append(pg.Rows, web.Row{Cells: []string{personName(p.Person), may, strings.Join(attention, "; ")},
			URL: fmt.Sprintf("/competency/%d", p.Person.ID)})
	}
	return w.render(c, http.StatusOK, pg)
}

func personName(p competency.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName + " (" + p.Username + ")"
	}
	return p.Username
}

// attentionWords says what needs doing about a standing.
func attentionWords(s competency.Standing) string {
	switch s.State {
	case "due_soon":
		return s.Name + " due by " + s.CurrentThrough
	case "lapsed":
		return s.Name + " lapsed after " + s.CurrentThrough
	case "failed":
		return s.Name + " failed on " + s.FailedAt.Format("2006-01-02") + ": retest"
	}
	return s.Name + ": no passing record"
}

func (w *webUI) competencyPerson(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	pg, err := w.competencyPage(c, id, competency.NewRecord{Result: string(competency.Pass), PassedAt: time.Now().In(w.api.Config.Location).Format("2006-01-02")})
	if err != nil {
		return err
	}
	return w.render(c, http.StatusOK, pg)
}

func (w *webUI) competencyPage(c echo.Context, id int64, in competency.NewRecord) (web.CompetencyPage, error) {
	svc := w.api.Competency
	ps, rules, err := svc.Of(c.Request().Context(), id)
	if err != nil {
		return web.CompetencyPage{}, err
	}
	loc := w.api.Config.Location
	pg := web.CompetencyPage{Layout: w.layout(c, "Competency", "competency"), Person: personName(ps.Person),
		Qualified: ps.Qualified, Back: "/competency", Rules: rules.Version + " - " + rules.Source}
	if ps.Qualified {
		pg.Summary = "May compound Category 1 and 2 preparations."
		for _, s := range ps.Standings {
			if s.Kind == competency.HazardousHandling && !s.Qualified() {
				pg.Summary += " Not hazardous drugs: " + attentionWords(s) + "."
			}
		}
	} else {
		var why []string
		for _, s := range ps.Standings {
			if !s.Qualified() && s.Kind != competency.HazardousHandling {
				why = append(why, attentionWords(s))
			}
		}
		pg.Summary = "May not compound: " + strings.Join(why, "; ") + "."
	}
	for _, s := range ps.Standings {
		row := web.CompetencyRow{Name: s.Name, State: s.State, StateWords: stateWords[s.State], CurrentThrough: s.CurrentThrough}
		if s.LastPassed != nil {
			row.LastPassed = s.LastPassed.Passed.In(loc).Format("2006-01-02")
		}
		pg.Rows = append(pg.Rows, row)
	}
	for _, r := range ps.Records {
		name := string(r.Kind)
		if kr, ok := rules.Kind(r.Kind); ok {
			name = kr.Name
		}
		row := web.CompetencyRecordRow{Kind: name, Result: string(r.Result), Passed: r.Passed.In(loc).Format("2006-01-02"),
			Evaluator: r.Evaluator, Note: r.Note, RecordedAt: r.RecordedAt.In(loc).Format("2006-01-02 15:04")}
		if r.HasFile {
			row.EvidenceURL = fmt.Sprintf("/api/v1/users/%d/competencies/%d/evidence", id, r.ID)
		}
		pg.Records = append(pg.Records, row)
	}
	kinds := make([]web.Option, 0, len(rules.Kinds))
	for _, k := range rules.Kinds {
		kinds = append(kinds, web.Option{Value: string(k.Kind), Label: k.Name, Selected: string(k.Kind) == in.Kind})
	}
	pg.Form = web.AdminFormPage{Heading: "Record an evaluation", Action: fmt.Sprintf("/competency/%d", id), Submit: "Record",
		Fields: []web.Field{
			{Name: "kind", Label: "Competency", Type: "select", Options: kinds, Required: true},
			{Name: "passed_at", Label: "Date of the evaluation", Type: "date", Value: in.PassedAt, Required: true,
				Help: "The competency counts through the end of that day plus its interval, in the site's time zone."},
			{Name: "result", Label: "Result", Type: "select", Required: true, Options: []web.Option{
				{Value: "pass", Label: "Pass", Selected: in.Result != "fail"}, {Value: "fail", Label: "Fail", Selected: in.Result == "fail"}}},
			{Name: "evaluator", Label: "Evaluator", Value: in.Evaluator, Help: "Who observed or read the test (a person or the laboratory)."},
			{Name: "note", Label: "Note", Type: "textarea", Value: in.Note, Help: "For example the CFU counts."},
		}}
	return pg, nil
}

func (w *webUI) competencyRecord(c echo.Context) error {
	id, err := httpapi.PathID(c, "id")
	if err != nil {
		return err
	}
	in := competency.NewRecord{Kind: c.FormValue("kind"), PassedAt: c.FormValue("passed_at"), Result: c.FormValue("result"),
		Evaluator: c.FormValue("evaluator"), Note: c.FormValue("note")}
	_, err = w.api.Competency.Record(c.Request().Context(), httpapi.PrincipalOf(c).UserID, id, in)
	if err == nil {
		return redirectWithFlash(c, fmt.Sprintf("/competency/%d", id), "Recorded.")
	}
	if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound {
		return err
	}
	pg, perr := w.competencyPage(c, id, in)
	if perr != nil {
		return perr
	}
	fieldErrors(&pg.Form, err)
	return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), pg)
}

// competencyDue lists, for the queue, each technician's competencies that
// lapse within the announcement window or already did.
func (w *webUI) competencyDue(ctx context.Context) ([]string, error) {
	people, _, err := w.api.Competency.Overview(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range people {
		if len(p.DueSoon) == 0 {
			continue
		}
		var what []string
		for _, s := range p.DueSoon {
			what = append(what, attentionWords(s))
		}
		out = append(out, personName(p.Person)+": "+strings.Join(what, "; "))
	}
	return out, nil
}
