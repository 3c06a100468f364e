package safety

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/logwords"
	"github.com/laminar-rx/laminar/internal/pdfdoc"
)

// reportEvents caps the events listed in a printed report; the CSV export
// has them all.
const reportEvents = 3000

// Report is the printable report of a period: the summary counts, the
// errors caught by kind and by technician, typed entries, overrides,
// turnaround, waste and remakes, then the events of the period.
func (s *Service) Report(ctx context.Context, p Period, now time.Time) ([]byte, error) {
	d, err := s.Dashboard(ctx, p)
	if err != nil {
		return nil, err
	}
	entries, err := audit.List(ctx, s.st.DB, audit.Filter{From: p.From, To: p.To, Limit: reportEvents + 1})
	if err != nil {
		return nil, err
	}
	r := newReport(s.loc, fmt.Sprintf("Compounding safety report, %s to %s (%s)", s.time(p.From), s.time(p.To), s.loc),
		"Printed "+s.time(now)+" - Laminar")
	r.summary(d)
	r.kinds(d)
	r.people(d)
	r.overrides(d)
	r.turnaround(d)
	r.waste(d)
	r.events(entries)
	b, err := r.Bytes()
	if err != nil {
		return nil, fmt.Errorf("write the report: %w", err)
	}
	return b, nil
}

func (s *Service) time(t time.Time) string { return timeIn(t, s.loc) }

// report is a portrait page with a title on every page and "page N of M"
// at the foot.
type report struct {
	*pdfdoc.Doc
	loc *time.Location
}

func newReport(loc *time.Location, title, stamp string) *report {
	return &report{loc: loc, Doc: pdfdoc.New(pdfdoc.Layout{Margin: 12, Top: 20, Footer: stamp,
		Signs: []string{"✗", "x"},
		Header: func(d *pdfdoc.Doc) {
			d.F.SetFont("Helvetica", "B", 11)
			d.F.SetXY(12, 8)
			d.F.CellFormat(0, 6, d.Tr(title), "", 1, "L", false, 0, "")
			d.F.Ln(1)
		}})}
}

func (r *report) note(s string) {
	r.F.SetFont("Helvetica", "I", 8.5)
	r.F.MultiCell(0, 4.2, r.Tr(s), "", "L", false)
}

// table writes a header row and rows; cells wrap within their column and
// a row moves to the next page whole.
func (r *report) table(widths []float64, head []string, rows [][]string) {
	const lh = 4.2
	line := func(cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		r.F.SetFont("Helvetica", style, 8.5)
		lines := make([][]string, len(cells))
		n := 1
		for i, c := range cells {
			lines[i] = r.split(c, widths[i]-1.5)
			if len(lines[i]) == 0 {
				lines[i] = []string{""}
			}
			n = max(n, len(lines[i]))
		}
		h := float64(n) * lh
		_, pageH := r.F.GetPageSize()
		_, _, _, bottom := r.F.GetMargins()
		if r.F.GetY()+h > pageH-bottom-2 {
			r.F.AddPage()
		}
		x, y := 12.0, r.F.GetY()
		for i := range cells {
			for j, l := range lines[i] {
				r.F.SetXY(x, y+float64(j)*lh)
				r.F.CellFormat(widths[i], lh, l, "", 0, "L", false, 0, "")
			}
			x += widths[i]
		}
		r.F.SetDrawColor(200, 200, 200)
		r.F.Line(12, y+h, 12+sum(widths), y+h)
		r.F.SetY(y + h + 0.6)
	}
	line(head, true)
	for _, row := range rows {
		line(row, false)
	}
	if len(rows) == 0 {
		r.note("None in this period.")
	}
}

// split wraps s to width w in the current font. The font's widths are by
// Windows-1252 byte, and SplitText reads runes: each byte goes in as the
// rune of the same number and comes back out as that byte.
func (r *report) split(s string, w float64) []string {
	b := r.Tr(s)
	rs := make([]rune, len(b))
	for i := 0; i < len(b); i++ {
		rs[i] = rune(b[i])
	}
	lines := r.F.SplitText(string(rs), w)
	for i, l := range lines {
		out := make([]byte, 0, len(l))
		for _, c := range l {
			out = append(out, byte(c))
		}
		lines[i] = string(out)
	}
	return lines
}

func sum(ws []float64) float64 {
	var s float64
	for _, w := range ws {
		s += w
	}
	return s
}

func (r *report) summary(d Dashboard) {
	r.Heading("Summary")
	rows := [][]string{
		{"Doses made", count(d.Doses)},
		{"Errors caught", fmt.Sprintf("%s (%s per 1,000 doses)", count(d.Caught), d.CaughtPerK)},
		{"Typed entries (not read by a scanner or a balance)", fmt.Sprintf("%s (%s scans, %s weights)", count(d.Typed), count(d.TypedScans), count(d.TypedWeights))},
		{"Pharmacist overrides", count(d.Overrides)},
		{"Doses wasted", count(d.WastedDoses)},
		{"Remakes", count(d.Remakes)},
	}
	r.table([]float64{110, 70}, []string{"Measure", "Count"}, rows)
}

func (r *report) kinds(d Dashboard) {
	r.Heading("Errors caught, by kind")
	var rows [][]string
	for _, k := range d.ByKind {
		rows = append(rows, []string{k.Kind, count(k.N), k.PerKStr})
	}
	r.table([]float64{90, 40, 50}, []string{"Kind", "Caught", "Per 1,000 doses"}, rows)
	if len(d.ByCode) > 0 {
		rows = nil
		for _, c := range d.ByCode {
			rows = append(rows, []string{c.Words, c.Kind, count(c.N)})
		}
		r.F.Ln(1)
		r.table([]float64{90, 60, 30}, []string{"What was caught", "Kind", "Count"}, rows)
	}
}

func (r *report) people(d Dashboard) {
	r.Heading("By technician")
	var rows [][]string
	for _, p := range d.People {
		rows = append(rows, []string{p.Username, count(p.Doses), count(p.Caught), p.PerKStr, count(p.Typed)})
	}
	r.table([]float64{50, 30, 30, 40, 30}, []string{"Person", "Doses", "Caught", "Per 1,000 doses", "Typed entries"}, rows)
}

func (r *report) overrides(d Dashboard) {
	r.Heading("Pharmacist overrides")
	var rows [][]string
	for _, o := range d.OverrideList {
		rows = append(rows, []string{timeIn(o.At, r.loc), o.Pharmacist, fmt.Sprintf("#%d %s %s", o.PreparationID, formulary.TallMan(o.Drug), logwords.Dose(o.Dose)),
			o.PatientName + " (" + o.PatientMRN + ")", o.Reason})
	}
	r.table([]float64{28, 22, 45, 40, 57}, []string{"Time", "Pharmacist", "Preparation", "Patient", "Reason"}, rows)
}

func (r *report) turnaround(d Dashboard) {
	r.Heading("Order to release, by priority (minutes)")
	var rows [][]string
	for _, t := range d.Turnaround {
		rows = append(rows, []string{t.Words, count(t.N), Minutes(t.MedianS), Minutes(t.P90S)})
	}
	r.table([]float64{50, 40, 45, 45}, []string{"Priority", "Released", "Median", "90th percentile"}, rows)
}

func (r *report) waste(d Dashboard) {
	r.Heading("Waste and remakes")
	var rows [][]string
	for _, w := range d.Waste {
		rows = append(rows, []string{w.Reason, count(w.Doses), count(w.Containers), count(w.Remakes)})
	}
	r.table([]float64{90, 30, 30, 30}, []string{"Reason", "Doses", "Containers", "Remakes"}, rows)
	r.note("The formulary holds no cost per product, so waste is counted here, not priced.")
}

func (r *report) events(entries []audit.Entry) {
	r.Heading("Events of the period, oldest first")
	more := len(entries) > reportEvents
	if more {
		entries = entries[:reportEvents]
	}
	var rows [][]string
	for _, e := range entries {
		ev := Readable(e)
		name := ev.Name
		if ev.Caught != "" {
			name = "x " + name
		}
		if ev.Outcome != "" && e.Type == "preparation.weight_recorded" {
			// Other events' names say their outcome already.
			name += ": " + strings.ToLower(ev.Outcome)
		}
		prep := ""
		if e.PreparationID != nil {
			prep = fmt.Sprintf("#%d", *e.PreparationID)
			if e.Drug != "" {
				prep += " " + formulary.TallMan(e.Drug) + " " + logwords.Dose(e.Dose)
			}
			if e.PatientName != "" {
				prep += ", " + e.PatientName + " (" + e.PatientMRN + ")"
			}
		}
		rows = append(rows, []string{timeIn(e.At, r.loc), name, e.Actor, prep, formulary.TallMan(ev.What)})
	}
	r.table([]float64{26, 40, 18, 54, 54}, []string{"Time", "Event", "Person", "Preparation, patient", "What"}, rows)
	if more {
		r.note(fmt.Sprintf("Only the first %s events are listed; the log's CSV export has every event of the period.", count(reportEvents)))
	}
}
