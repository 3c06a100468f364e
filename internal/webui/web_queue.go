package webui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// queuePageSize is how many preparations one page of the queue shows: a
// tablet screen or two, and a page that stays small at any queue size.
const queuePageSize = 20

// tailSize is how many cards each list under the queue shows.
const tailSize = 6

// rejectedWithin is how far back the "rejected / remake" list looks.
const rejectedWithin = 24 * time.Hour

// queue is the technician's list of what to make next: one window of the
// queue (filters and pages in the URL), most urgent first, identical
// preparations on the page gathered into batches.
func (w *webUI) queue(c echo.Context) error {
	return w.renderQueue(c, http.StatusOK, "")
}

// queueFilter reads the filter and page from the URL; anything unknown is
// taken as "any", never an error, so an old bookmark still opens.
func queueFilter(c echo.Context) web.QueueFilter {
	f := web.QueueFilter{Priority: c.QueryParam("priority"), Status: c.QueryParam("status"), Ward: c.QueryParam("ward"), Page: 1}
	if !workflow.Priority(f.Priority).Valid() {
		f.Priority = ""
	}
	switch workflow.Status(f.Status) {
	case workflow.StatusQueued, workflow.StatusInProgress, workflow.StatusNeedsOverride:
	default:
		f.Status = ""
	}
	if len(f.Ward) > 200 {
		f.Ward = ""
	}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n < 100000 {
		f.Page = n
	}
	return f
}

// queueURL is the queue with a filter and a page.
func queueURL(f web.QueueFilter, page int) string {
	q := url.Values{}
	for k, v := range map[string]string{"priority": f.Priority, "status": f.Status, "ward": f.Ward} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/tablet"
	}
	return "/tablet?" + q.Encode()
}

func (w *webUI) renderQueue(c echo.Context, status int, problem string) error {
	ctx := c.Request().Context()
	p := httpapi.PrincipalOf(c)
	now := w.api.Now()
	f := queueFilter(c)
	svc := w.api.Compounding
	items, total, err := svc.QueueWindow(ctx, compounding.QueueFilter{Priority: f.Priority, Status: f.Status, Ward: f.Ward,
		ExceptClaimedBy: p.UserID, Limit: queuePageSize, Offset: (f.Page - 1) * queuePageSize})
	if err != nil {
		return err
	}
	pg := web.QueuePage{Layout: w.layout(c, "Queue", "queue"), Error: problem, Now: now, Filter: f, Total: total}
	pg.Pages = max(1, (total+queuePageSize-1)/queuePageSize)
	if len(items) > 0 {
		pg.From = (f.Page-1)*queuePageSize + 1
		pg.To = pg.From + len(items) - 1
	}
	if f.Page > 1 {
		pg.PrevURL = queueURL(f, min(f.Page-1, pg.Pages))
	}
	if f.Page < pg.Pages {
		pg.NextURL = queueURL(f, f.Page+1)
	}
	if pg.CompetencyDue, err = w.competencyDue(ctx); err != nil {
		return err
	}
	if pg.Wards, err = svc.QueueWards(ctx); err != nil {
		return err
	}
	nm := w.names(ctx)
	mine, err := svc.QueueClaimed(ctx, p.UserID)
	if err != nil {
		return err
	}
	for _, it := range mine {
		pg.Mine = append(pg.Mine, queueCard(it, p.UserID, nm, now))
	}
	pg.Groups = queueGroups(items, p.UserID, nm, now)
	if err := w.queueTails(c, &pg, nm, now); err != nil {
		return err
	}
	return w.render(c, status, pg)
}

// queueCard is a queue item as a card, with its alarms.
func queueCard(it workflow.QueueItem, me int64, nm *names, now time.Time) web.QueueCard {
	c := cardOf(it, me, nm)
	c.Overdue = it.DueAt.Before(now) && (it.Status == workflow.StatusQueued || it.Status == workflow.StatusInProgress || it.Status == workflow.StatusNeedsOverride)
	c.StatusText = statusText[it.Status]
	if it.RemakeOf != nil {
		c.RemakeOf, c.RemakeReason = *it.RemakeOf, it.RemakeReason
	}
	return c
}

// queueGroups gathers a page's cards: identical queued preparations on the
// page into one batch (at the place of the first), the others in runs.
func queueGroups(items []workflow.QueueItem, me int64, nm *names, now time.Time) []web.QueueGroup {
	batches := map[string]int{}
	for _, g := range workflow.Groups(items) {
		batches[g.BatchKey] = g.Count
	}
	var groups []web.QueueGroup
	at := map[string]int{}
	for _, it := range items {
		card := queueCard(it, me, nm, now)
		if it.Status == workflow.StatusQueued && batches[it.BatchKey] > 1 {
			if i, ok := at[it.BatchKey]; ok {
				groups[i].Cards = append(groups[i].Cards, card)
				continue
			}
			at[it.BatchKey] = len(groups)
			groups = append(groups, web.QueueGroup{Title: it.Drug + " " + web.Dose(it.Dose), Batch: true, Cards: []web.QueueCard{card}})
			continue
		}
		// Single preparations run together in one untitled group until the
		// next batch.
		if n := len(groups); n > 0 && groups[n-1].Title == "" {
			groups[n-1].Cards = append(groups[n-1].Cards, card)
		} else {
			groups = append(groups, web.QueueGroup{Cards: []web.QueueCard{card}})
		}
	}
	return groups
}

// queueTails fills the lists under the queue: waiting for a check, ready
// to release, rejected in the last day with their remakes.
func (w *webUI) queueTails(c echo.Context, pg *web.QueuePage, nm *names, now time.Time) error {
	ctx := c.Request().Context()
	me := httpapi.PrincipalOf(c).UserID
	for _, t := range []struct {
		into     *web.QueueTail
		statuses []workflow.Status
		since    time.Time
	}{
		{&pg.Waiting, []workflow.Status{workflow.StatusCompleted, workflow.StatusSecondCheck}, time.Time{}},
		{&pg.Ready, []workflow.Status{workflow.StatusVerified}, time.Time{}},
		{&pg.Rejected, []workflow.Status{workflow.StatusRejected}, now.Add(-rejectedWithin)},
	} {
		rows, err := w.api.Compounding.QueueAfter(ctx, t.statuses, t.since, tailSize)
		if err != nil {
			return err
		}
		for _, r := range rows {
			card := queueCard(r.QueueItem, me, nm, now)
			if r.RemadeBy != nil {
				card.RemadeBy = *r.RemadeBy
			}
			if r.CompletedAt != nil {
				card.Waited = waited(now.Sub(*r.CompletedAt))
			}
			t.into.Cards = append(t.into.Cards, card)
			t.into.Total = r.Total
		}
	}
	return nil
}

// waited says a duration in hours and minutes, for people: "4 min",
// "1 h 5 min", "2 d 3 h".
func waited(d time.Duration) string {
	m := int(d.Minutes())
	switch {
	case m < 1:
		return "under a minute"
	case m < 60:
		return fmt.Sprintf("%d min", m)
	case m < 48*60:
		return fmt.Sprintf("%d h %d min", m/60, m%60)
	}
	return fmt.Sprintf("%d d %d h", m/(24*60), (m/60)%24)
}
