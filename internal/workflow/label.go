package workflow

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"image/draw"
	"image/png"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/datamatrix"
	"github.com/go-pdf/fpdf"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// LabelData is the content of a label's 2-D barcode: the preparation ID and
// the label's sequence number, so an older printout can be told apart.
func LabelData(prepID int64, seq int) string {
	return fmt.Sprintf("LMN-P%d-L%d", prepID, seq)
}

var labelRE = regexp.MustCompile(`^LMN-P([1-9][0-9]{0,17})-L([1-9][0-9]{0,8})$`)

// ParseLabelData reads scanned label data. It tolerates what a scanner adds:
// an AIM symbology prefix (]d1, ]d2, ]Q1 ...) and surrounding white space.
func ParseLabelData(s string) (prepID int64, seq int, err error) {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && t[0] == ']' {
		t = t[3:]
	}
	m := labelRE.FindStringSubmatch(t)
	if m == nil {
		return 0, 0, apperr.WithCode(apperr.Refused, "wrong_label", "%q is not a Laminar preparation label (expected LMN-P<preparation>-L<label>)", short(s))
	}
	id, err1 := strconv.ParseInt(m[1], 10, 64)
	n, err2 := strconv.Atoi(m[2])
	if err1 != nil || err2 != nil {
		return 0, 0, apperr.WithCode(apperr.Refused, "wrong_label", "%q is not a Laminar preparation label", short(s))
	}
	return id, n, nil
}

// Label is what a CSP label carries (USP <797> "Label"). It is the one
// model behind the three renderings: PDF (printed from a browser), HTML and
// ZPL (sent to a thermal label printer); all three show the same text in
// the same order and the same DataMatrix (Data).
type Label struct {
	PreparationID int64
	Seq           int
	Data          string
	Reprint       bool
	Patient       PatientSnapshot
	Drug          string
	Dose          string
	Volume        string
	Concentration string
	BaseSolution  string
	TotalVolume   string
	Route         string
	Rate          string
	BUD           string
	Storage       string
	Hazardous     bool
	Handling      string
	// Deviation is the delivered dose's deviation from the dose to give,
	// with that dose ("+1.1% of 1,087.5 mg").
	Deviation string
	// HighAlert names the high-alert category, "" for none.
	HighAlert  string
	PreparedBy string
	VerifiedBy string
	PrintedAt  string
	Recipe     string
	// Auxiliary are the auxiliary labels the drug's flags call for, in a
	// fixed order.
	Auxiliary []Auxiliary
}

// Auxiliary is an auxiliary label: a short warning printed in reverse
// (white on black) beside the main text.
type Auxiliary struct {
	Code string `json:"code"`
	// Lines is the text, one or two short lines.
	Lines [2]string `json:"lines"`
}

// The auxiliary labels, in the order they are printed.
var (
	AuxHazardous        = Auxiliary{"hazardous", [2]string{"HAZARDOUS", "Handle with PPE"}}
	AuxHighAlert        = Auxiliary{"high_alert", [2]string{"HIGH-ALERT", "Double check"}}
	AuxRefrigerate      = Auxiliary{"refrigerate", [2]string{"REFRIGERATE", "2-8 °C"}}
	AuxFreeze           = Auxiliary{"freeze", [2]string{"KEEP FROZEN", "-25 to -10 °C"}}
	AuxProtectFromLight = Auxiliary{"protect_from_light", [2]string{"PROTECT", "FROM LIGHT"}}
)

// AuxiliaryFor returns the auxiliary labels of a worksheet: hazardous
// (NIOSH), high-alert, refrigerate or keep frozen (from the storage), and
// protect from light.
func AuxiliaryFor(ws *Worksheet) []Auxiliary {
	var out []Auxiliary
	if ws.Hazardous {
		out = append(out, AuxHazardous)
	}
	if ws.HighAlert != nil {
		out = append(out, AuxHighAlert)
	}
	switch string(ws.Storage) {
	case "refrigerator":
		out = append(out, AuxRefrigerate)
	case "freezer":
		out = append(out, AuxFreeze)
	}
	if ws.ProtectFromLight {
		out = append(out, AuxProtectFromLight)
	}
	return out
}

// BuildLabel assembles a label from a worksheet; times are shown in loc.
func BuildLabel(ws *Worksheet, prepID int64, seq int, preparedBy, verifiedBy string, bud *time.Time, printedAt time.Time, loc *time.Location) Label {
	if loc == nil {
		loc = time.UTC
	}
	q := ws.Quantities
	l := Label{
		PreparationID: prepID, Seq: seq, Data: LabelData(prepID, seq), Reprint: seq > 1,
		Patient: ws.Patient, Drug: ws.DrugDisplay,
		Dose: q["delivered_dose"].Display, Volume: q["volume"].Display,
		Concentration: q["final_concentration"].Display,
		Route:         ws.Route, Rate: q["rate"].Display,
		Storage:   storageText(string(ws.Storage)),
		Hazardous: ws.Hazardous, Handling: ws.Handling,
		PreparedBy: preparedBy, VerifiedBy: verifiedBy,
		PrintedAt: printedAt.In(loc).Format("2006-01-02 15:04 MST"),
		Recipe:    fmt.Sprintf("%s v%d", ws.RecipeName, ws.RecipeVersion),
		Auxiliary: AuxiliaryFor(ws),
	}
	if ws.Deviation != "" {
		l.Deviation = ws.Deviation + " of " + q["dose"].Display + " to give"
	}
	if ws.HighAlert != nil {
		l.HighAlert = ws.HighAlert.Category
	}
	if ws.Diluent != nil {
		l.BaseSolution = q["base_volume"].Display + " " + ws.Diluent.Name()
		l.TotalVolume = q["total_volume"].Display
	} else {
		l.TotalVolume = q["volume"].Display
	}
	if bud != nil {
		l.BUD = bud.In(loc).Format("2006-01-02 15:04 MST")
	} else if ws.BUD != nil {
		l.BUD = ws.BUD.BUD.In(loc).Format("2006-01-02 15:04 MST")
	}
	return l
}

func storageText(s string) string {
	switch s {
	case "room":
		return "Store at controlled room temperature (20-25 °C)"
	case "refrigerator":
		return "Refrigerate (2-8 °C)"
	case "freezer":
		return "Freeze (-25 to -10 °C)"
	}
	return s
}

// labelTitle heads every rendering.
const labelTitle = "COMPOUNDED PREPARATION"

// Headlines are the lines under the title: the high-alert category and,
// on a reprint, that it supersedes the earlier labels.
func (l Label) Headlines() []string {
	var out []string
	if l.HighAlert != "" {
		out = append(out, "HIGH-ALERT MEDICATION - "+strings.ToUpper(l.HighAlert))
	}
	if l.Reprint {
		out = append(out, fmt.Sprintf("REPRINT %d - supersedes earlier labels", l.Seq))
	}
	return out
}

// Lines is the label text, top to bottom, as key and value; every
// rendering prints exactly these.
func (l Label) Lines() [][2]string {
	out := [][2]string{
		{"Patient", l.Patient.Name},
		{"MRN", l.Patient.MRN},
		{"Location", l.Patient.Location},
		{"Drug", l.Drug + " " + l.Dose + " (" + l.Volume + ")"},
	}
	if l.Deviation != "" {
		out = append(out, [2]string{"Delivered", l.Dose + ", " + l.Deviation})
	}
	if l.BaseSolution != "" {
		out = append(out, [2]string{"in", l.BaseSolution})
	}
	out = append(out,
		[2]string{"Total volume", l.TotalVolume},
		[2]string{"Concentration", l.Concentration},
		[2]string{"Route", l.Route},
	)
	if l.Rate != "" {
		out = append(out, [2]string{"Rate", l.Rate})
	}
	out = append(out,
		[2]string{"BUD", l.BUD},
		[2]string{"Storage", l.Storage},
		[2]string{"Prepared by", l.PreparedBy},
		[2]string{"Verified by", or(l.VerifiedBy, "________")},
		[2]string{"Preparation", fmt.Sprintf("P%d  label %d  %s", l.PreparationID, l.Seq, l.Data)},
	)
	return out
}

// The label's geometry in millimetres on 4 × 3 inch stock, shared by the PDF
// and ZPL renderings (ZPL scales it to the printer's stock and dots): text
// on the left, the DataMatrix top right, auxiliary labels under it.
const (
	geoWidth    = 101.6
	geoHeight   = 76.2
	geoMargin   = 4.0
	geoKeyW     = 20.0
	geoValueX   = geoMargin + geoKeyW
	geoValueW   = 48.0
	geoLineH    = 3.6
	geoTitleH   = 5.0
	geoCodeX    = 73.0
	geoCodeSize = 24.0
	geoAuxY     = 35.0
	geoAuxW     = 24.6
	geoAuxH     = 8.0
	geoAuxGap   = 1.2
)

// Barcode returns the label's 2-D barcode (Data Matrix of Data) as PNG.
func (l Label) Barcode(px int) ([]byte, error) {
	code, err := datamatrix.Encode(l.Data)
	if err != nil {
		return nil, apperr.Wrap(err, "encode label barcode")
	}
	// Whole pixels per module keep every module the same size.
	dim := code.Bounds().Dx()
	px = max(px/dim, 1) * dim
	scaled, err := barcode.Scale(code, px, px)
	if err != nil {
		return nil, apperr.Wrap(err, "scale label barcode")
	}
	// A quiet zone of two modules on every side: scanners (and decoders)
	// need white around the symbol to find it.
	quiet := 2 * px / dim
	img := image.NewGray(image.Rect(0, 0, px+2*quiet, px+2*quiet))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(quiet, quiet, quiet+px, quiet+px), scaled, scaled.Bounds().Min, draw.Src)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, apperr.Wrap(err, "write label barcode")
	}
	return b.Bytes(), nil
}

// PDF renders the label on a 4 × 3 inch page.
func (l Label) PDF() ([]byte, error) {
	img, err := l.Barcode(240)
	if err != nil {
		return nil, err
	}
	f := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: geoWidth, Ht: geoHeight}})
	f.SetMargins(geoMargin, geoMargin, geoMargin)
	f.SetAutoPageBreak(false, 0)
	f.SetCreationDate(time.Unix(0, 0).UTC())
	f.AddPage()
	tr := f.UnicodeTranslatorFromDescriptor("")
	f.RegisterImageOptionsReader("dm", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(img))
	f.ImageOptions("dm", geoCodeX, geoMargin, geoCodeSize, geoCodeSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	f.SetFont("Helvetica", "B", 9)
	f.SetXY(geoMargin, geoMargin)
	f.CellFormat(geoCodeX-geoMargin-1, geoTitleH, tr(labelTitle), "", 2, "L", false, 0, "")
	for _, h := range l.Headlines() {
		f.CellFormat(geoCodeX-geoMargin-1, 4, tr(h), "", 2, "L", false, 0, "")
	}
	y := f.GetY() + 1
	for _, kv := range l.Lines() {
		f.SetXY(geoMargin, y)
		f.SetFont("Helvetica", "B", 7)
		f.CellFormat(geoKeyW, geoLineH, tr(kv[0]), "", 0, "L", false, 0, "")
		f.SetFont("Helvetica", "", 7.5)
		f.MultiCell(geoValueW, geoLineH, tr(kv[1]), "", "L", false)
		y = f.GetY()
	}
	f.SetFillColor(0, 0, 0)
	f.SetTextColor(255, 255, 255)
	for i, a := range l.Auxiliary {
		ay := geoAuxY + float64(i)*(geoAuxH+geoAuxGap)
		f.Rect(geoCodeX, ay, geoAuxW, geoAuxH, "F")
		f.SetFont("Helvetica", "B", 8)
		f.SetXY(geoCodeX, ay+0.5)
		f.CellFormat(geoAuxW, 3.6, tr(a.Lines[0]), "", 2, "C", false, 0, "")
		f.SetFont("Helvetica", "", 6.5)
		f.SetX(geoCodeX)
		f.CellFormat(geoAuxW, 3.2, tr(a.Lines[1]), "", 2, "C", false, 0, "")
	}
	f.SetTextColor(0, 0, 0)
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, apperr.Wrap(err, "render label PDF")
	}
	return b.Bytes(), nil
}

var labelHTML = template.Must(template.New("label").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Label P{{.L.PreparationID}}</title>
<style>body{font-family:sans-serif;width:4in}dt{font-weight:bold}.ha{border:2px solid #000;padding:2px;font-weight:bold}.aux{display:inline-block;background:#000;color:#fff;padding:2px 6px;margin:2px;text-align:center}</style></head>
<body><h1>Compounded preparation</h1>
{{if .L.HighAlert}}<p class="ha">High-alert medication — {{.L.HighAlert}}</p>{{end}}
{{if .L.Reprint}}<p>Reprint {{.L.Seq}}: supersedes earlier labels</p>{{end}}
<img alt="{{.L.Data}}" src="data:image/png;base64,{{.Img}}" width="120" height="120">
{{range .L.Auxiliary}}<p class="aux" data-aux="{{.Code}}"><strong>{{index .Lines 0}}</strong><br>{{index .Lines 1}}</p>{{end}}
<dl>{{range .L.Lines}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>{{end}}</dl>
</body></html>`))

// HTML renders the label as a printable page with the barcode inline.
func (l Label) HTML(imgBase64 string) ([]byte, error) {
	var b bytes.Buffer
	err := labelHTML.Execute(&b, struct {
		L   Label
		Img string
	}{l, imgBase64})
	if err != nil {
		return nil, apperr.Wrap(err, "render label HTML")
	}
	return b.Bytes(), nil
}
