package web

import (
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

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
		"precise":  Precise,
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

// longNumber is a number with more decimals than a screen shows.
var longNumber = regexp.MustCompile(`\d+\.\d{5,}`)

// Precise shows a line of text (a derivation step) with every number of
// more than four decimals rounded to four; the exact value stays on the
// number, on request (a tooltip or a tap), never in the page's text.
func Precise(s string) template.HTML {
	var b strings.Builder
	last := 0
	for _, m := range longNumber.FindAllStringIndex(s, -1) {
		b.WriteString(template.HTMLEscapeString(s[last:m[0]]))
		exact := s[m[0]:m[1]]
		shown := exact
		if d, err := decimal.NewFromString(exact); err == nil {
			shown = d.Round(4).String()
		}
		fmt.Fprintf(&b, `<span class="qv" title="exact %s" tabindex="0">%s</span>`, template.HTMLEscapeString(exact), template.HTMLEscapeString(shown))
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(s[last:]))
	return template.HTML(b.String())
}

// ExpiryDate shows a container's expiry as the vial prints it: the date,
// in the site's time zone. An expiry is stored as the end of its day there
// (the database keeps microseconds, so it may read as the next midnight):
// it is shown as the day it ends.
func ExpiryDate(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Add(-time.Microsecond).Format("2006-01-02")
}
