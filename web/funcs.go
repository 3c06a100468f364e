package web

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/calc"
)

// TimeLayout is how every screen shows a time: unambiguous, 24-hour, in
// the site's time zone (2026-11-24 14:30).
const TimeLayout = "2006-01-02 15:04"

func (s *Site) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":    s.AssetURL,
		"dose":     Dose,
		"tallman":  TallMan,
		"iso":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"join":     strings.Join,
		"inc":      func(i int) int { return i + 1 },
		"lower":    strings.ToLower,
		"card":     func(p hasLayout, c QueueCard) cardData { return cardData{L: p.base(), C: c} },
		"typedWhy": func(id string, witness bool) TypedWhy { return TypedWhy{ID: id, Witness: witness} },
		"refusal":  func(code string) string { return Refusal(code).Title },
		"nextstep": func(code string) string { return Refusal(code).Next },
	}
}

// TypedWhy is what the tablet asks with a typed code or weight: the
// reason, and a witness's badge and PIN where the site requires them.
type TypedWhy struct {
	ID      string
	Witness bool
}

// Dose formats a quantity for a person with the one ISMP formatter
// (calc.Display): "1,087.5 mg", "0.5 mL", "100,000 units". It takes a
// calc.Quantity or the API's quantity string. A string that does not
// parse is shown as given, flagged, rather than hidden: a blank where a dose
// should be is worse than an odd one.
func Dose(v any) string {
	switch q := v.(type) {
	case calc.Quantity:
		return calc.Display(q)
	case *calc.Quantity:
		if q == nil {
			return "—"
		}
		return calc.Display(*q)
	case string:
		if strings.TrimSpace(q) == "" {
			return "—"
		}
		p, err := calc.Parse(q)
		if err != nil {
			return q + " (?)"
		}
		return calc.Display(p)
	case fmt.Stringer:
		return Dose(q.String())
	}
	return fmt.Sprint(v)
}

// Time formats t in loc the one way screens show times. The zero time is
// shown as a dash.
func Time(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(TimeLayout)
}

// hasLayout is any page that embeds Layout.
type hasLayout interface{ base() Layout }

func (l Layout) base() Layout { return l }

// cardData pairs a queue card with the page's layout, so the card partial
// can format times in the site's zone and carry the CSRF token.
type cardData struct {
	L Layout
	C QueueCard
}
