package downtime

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/pdfdoc"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// page is a portrait page (mm) with the stamp on top and "page N of M"
// at the foot of every page.
type page struct{ *pdfdoc.Doc }

func newPage(title, stamp string) *page {
	return &page{pdfdoc.New(pdfdoc.Layout{Margin: 14, Top: 22, Footer: title,
		// µg prints as mcg, the spelling ISMP asks for.
		Signs: []string{"µ", "mc"},
		Header: func(d *pdfdoc.Doc) {
			f := d.F
			f.SetFont("Helvetica", "B", 9)
			f.SetFillColor(0, 0, 0)
			f.SetTextColor(255, 255, 255)
			f.SetXY(14, 8)
			f.CellFormat(0, 6, d.Tr(stamp), "", 2, "L", true, 0, "")
			f.SetTextColor(0, 0, 0)
			f.SetFont("Helvetica", "B", 11)
			f.CellFormat(0, 6, d.Tr(title), "", 1, "L", false, 0, "")
			f.Ln(1)
		}})}
}

// pair writes "label: value" rows, two per line.
func (p *page) pairs(kv [][2]string) {
	for i, x := range kv {
		p.F.SetFont("Helvetica", "B", 9)
		p.F.CellFormat(28, 5.5, p.Tr(x[0]), "", 0, "L", false, 0, "")
		p.F.SetFont("Helvetica", "", 9)
		ln := 0
		if i%2 == 1 || i == len(kv)-1 {
			ln = 1
		}
		p.F.CellFormat(66, 5.5, p.Tr(x[1]), "", ln, "L", false, 0, "")
	}
}

func (p *page) text(s string, size float64) {
	p.F.SetFont("Helvetica", "", size)
	p.F.MultiCell(0, size*0.5, p.Tr(s), "", "L", false)
}

// blank is a line to fill in by hand.
func (p *page) blank(label string, width float64) {
	p.F.SetFont("Helvetica", "", 9)
	p.F.CellFormat(width, 8, p.Tr(label+" ____________________"), "", 0, "L", false, 0, "")
}

func (p *page) bytes() ([]byte, error) {
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("render downtime PDF: %w", err)
	}
	return b, nil
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// WorksheetPDF is the paper worksheet of one preparation.
func WorksheetPDF(prep *workflow.Preparation, it workflow.QueueItem, stamp string, loc *time.Location) ([]byte, error) {
	ws := &prep.Worksheet
	title := fmt.Sprintf("Downtime worksheet P%d - %s %s", prep.ID, ws.DrugDisplay, it.DoseDisplay)
	p := newPage(title, stamp)
	if ws.Hazardous {
		p.F.SetFont("Helvetica", "B", 11)
		p.F.SetFillColor(0, 0, 0)
		p.F.SetTextColor(255, 255, 255)
		p.F.CellFormat(0, 7, p.Tr("HAZARDOUS DRUG - HANDLE WITH PPE "+ws.Handling), "", 1, "L", true, 0, "")
		p.F.SetTextColor(0, 0, 0)
	}
	status := string(prep.Status)
	if prep.Status == workflow.StatusInProgress {
		status = "in progress when exported (steps done then are not shown: check the vials and bag in the hood)"
	}
	p.Heading("Patient")
	pt := ws.Patient
	p.pairs([][2]string{
		{"Name", pt.Name}, {"MRN", pt.MRN}, {"Born", pt.BirthDate}, {"Location", pt.Location},
		{"Weight", dash(pt.Weight)}, {"Height", dash(pt.Height)},
	})
	p.Heading("Order")
	p.pairs([][2]string{
		{"Drug", ws.DrugDisplay}, {"Ordered dose", ws.OrderedDose + dashIf(ws.DoseBasis)},
		{"Route", ws.Route}, {"Priority", strings.ReplaceAll(string(it.Priority), "_", " ")},
		{"Due", it.DueAt.In(loc).Format("2006-01-02 15:04")}, {"Order", fmt.Sprintf("%d", prep.OrderID)},
		{"Preparation", fmt.Sprintf("P%d", prep.ID)}, {"Recipe", fmt.Sprintf("%s v%d", ws.RecipeName, ws.RecipeVersion)},
	})
	p.text("Status: "+status, 9)
	quantities(p, ws)
	steps(p, ws)
	budSection(p, ws, loc)
	labelSection(p, ws, prep.ID, loc)
	p.Heading("Sign-off")
	p.blank("Prepared by", 90)
	p.blank("Date/time", 90)
	p.F.Ln(9)
	p.blank("Checked by (pharmacist)", 90)
	p.blank("Date/time", 90)
	p.F.Ln(9)
	p.text("Record this preparation in Laminar when it is back (Downtime record): it is marked as made during downtime and verified like any other.", 8)
	return p.bytes()
}

func dashIf(basis string) string {
	if basis == "" {
		return ""
	}
	return " (" + basis + ")"
}

// quantities lists every computed number with its derivation.
func quantities(p *page, ws *workflow.Worksheet) {
	p.Heading("Calculation")
	names := make([]string, 0, len(ws.Quantities))
	for k := range ws.Quantities {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		l := ws.Quantities[k]
		p.F.SetFont("Helvetica", "B", 9)
		p.F.CellFormat(45, 5, p.Tr(strings.ReplaceAll(k, "_", " ")), "", 0, "L", false, 0, "")
		p.F.SetFont("Helvetica", "", 9)
		p.F.CellFormat(0, 5, p.Tr(l.Display), "", 1, "L", false, 0, "")
		for _, s := range l.Steps {
			p.F.SetX(20)
			p.F.SetFont("Helvetica", "", 8)
			p.F.MultiCell(0, 4, p.Tr(s), "", "L", false)
		}
	}
	for _, w := range ws.Warnings {
		p.text("Warning: "+w, 8.5)
	}
}

// steps lists the preparation's steps with fields to fill in by hand.
func steps(p *page, ws *workflow.Worksheet) {
	p.Heading("Steps")
	for i, st := range ws.Steps {
		p.F.SetFont("Helvetica", "B", 9)
		p.F.MultiCell(0, 5, p.Tr(fmt.Sprintf("%d. %s", i+1, st.Instruction)), "", "L", false)
		e := st.Expects
		switch {
		case strings.HasPrefix(string(st.Kind), "scan"):
			if len(e.Products) > 0 {
				p.text("Allowed: "+strings.Join(e.Products, "; "), 8)
			}
			n := max(e.Count, 1)
			for c := 0; c < n; c++ {
				p.blank("Lot", 60)
				p.blank("Expiry", 55)
				p.blank("Initials", 60)
				p.F.Ln(8)
			}
		case st.Kind == workflow.StepWeigh:
			p.text(fmt.Sprintf("Expected %s (volume %s x specific gravity %s, tolerance %s)", dash(e.ExpectedWeight), dash(e.WeighVolume), dash(e.SpecificGravity), dash(e.Tolerance)), 8)
			p.blank("Measured (g)", 60)
			p.blank("Balance", 55)
			p.blank("Initials", 60)
			p.F.Ln(8)
		default:
			p.blank("Done - initials", 60)
			p.blank("Time", 55)
			p.F.Ln(8)
		}
	}
}

func budSection(p *page, ws *workflow.Worksheet, loc *time.Location) {
	p.Heading("Beyond-use date")
	p.pairs([][2]string{
		{"Category", string(ws.Category)}, {"Storage", string(ws.Storage)},
		{"Method", string(ws.Method)}, {"Stability", dash(ws.StabilityLimit)},
	})
	if ws.BUD != nil {
		p.text(fmt.Sprintf("If compounded now: BUD %s (limited by %s, rules %s). %s",
			ws.BUD.BUD.In(loc).Format("2006-01-02 15:04"), ws.BUD.LimitedBy, ws.BUD.RulesVersion, ws.BUD.Reason), 8)
	}
	p.text("On paper the BUD is the earliest of the category limit counted from the start of compounding, the stability limit above, and every component's expiry.", 8)
	p.blank("BUD written on label", 90)
	p.F.Ln(8)
}

func labelSection(p *page, ws *workflow.Worksheet, id int64, loc *time.Location) {
	p.Heading("Label")
	l := workflow.BuildLabel(ws, id, 0, "", "", nil, time.Now(), loc)
	p.pairs([][2]string{
		{"Patient", l.Patient.Name}, {"MRN", l.Patient.MRN},
		{"Drug", l.Drug + " " + l.Dose}, {"Volume", dash(l.Volume)},
		{"Base", dash(l.BaseSolution)}, {"Total", dash(l.TotalVolume)},
		{"Concentration", dash(l.Concentration)}, {"Route", l.Route},
		{"Rate", dash(l.Rate)}, {"Storage", dash(l.Storage)},
	})
	p.text(fmt.Sprintf("Write on the label: \"Compounded preparation - made during downtime - P%d\" and the BUD.", id), 8)
}

// IndexPDF lists the exported preparations by due time.
func IndexPDF(items []workflow.QueueItem, files []string, stamp string, loc *time.Location) ([]byte, error) {
	p := newPage(fmt.Sprintf("Downtime index - %d open preparations, by due time", len(items)), stamp)
	cols := []struct {
		name string
		w    float64
	}{{"Due", 28}, {"Priority", 20}, {"Prep", 16}, {"Drug and dose", 62}, {"Location", 28}, {"File", 34}}
	p.F.SetFont("Helvetica", "B", 9)
	for _, c := range cols {
		p.F.CellFormat(c.w, 6, p.Tr(c.name), "B", 0, "L", false, 0, "")
	}
	p.F.Ln(-1)
	p.F.SetFont("Helvetica", "", 9)
	for i, it := range items {
		hz := ""
		if it.Hazardous {
			hz = " (HAZ)"
		}
		row := []string{
			it.DueAt.In(loc).Format("2006-01-02 15:04"), strings.ReplaceAll(string(it.Priority), "_", " "),
			fmt.Sprintf("P%d", it.PreparationID), it.Drug + " " + it.DoseDisplay + hz, it.Location, files[i],
		}
		for j, c := range cols {
			p.F.CellFormat(c.w, 6, p.Tr(row[j]), "", 0, "L", false, 0, "")
		}
		p.F.Ln(-1)
	}
	if len(items) == 0 {
		p.text("No preparation was queued or in progress at the time of export.", 9)
	}
	return p.bytes()
}
