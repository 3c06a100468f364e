package workflow

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/zpltest"
)

func zplLabel(t *testing.T, edit func(*Worksheet)) Label {
	t.Helper()
	ws, err := compute(t, orderOf(t, func(o *OrderInput) { o.InfuseOver = "30 min" }), cefazolinRecipe())
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&ws)
	}
	return BuildLabel(&ws, 42, 2, "tech1", "pharm1", nil, t0, time.UTC)
}

// unescapeZPL undoes ^FH_ hex escapes.
func unescapeZPL(s string) string {
	return regexp.MustCompile(`_([0-9A-F]{2})`).ReplaceAllStringFunc(s, func(m string) string {
		var b byte
		for _, c := range m[1:] {
			b <<= 4
			if c >= 'A' {
				b |= byte(c-'A') + 10
			} else {
				b |= byte(c - '0')
			}
		}
		return string([]byte{b})
	})
}

// fieldData lists every ^FD ... ^FS field of a ZPL document, unescaped.
func fieldData(zpl string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`\^FD(.*?)\^FS`).FindAllStringSubmatch(zpl, -1) {
		out = append(out, unescapeZPL(m[1]))
	}
	return out
}

func TestZPLCarriesTheLabel(t *testing.T) {
	t.Parallel()
	l := zplLabel(t, func(ws *Worksheet) {
		ws.Hazardous, ws.HighAlert, ws.ProtectFromLight = true, &guard.HighAlertFlag{}, true
	})
	b, err := l.ZPL(DefaultStock)
	if err != nil {
		t.Fatal(err)
	}
	zpl := string(b)
	if !strings.HasPrefix(zpl, "^XA") || !strings.HasSuffix(strings.TrimSpace(zpl), "^XZ") || strings.Count(zpl, "^XA") != 1 {
		t.Fatalf("not one ZPL label:\n%s", zpl)
	}
	for _, cmd := range []string{"^CI28", "^PW812", "^LL609", "^BXN,", ",200^"} {
		if !strings.Contains(zpl, cmd) {
			t.Errorf("ZPL lacks %s", cmd)
		}
	}
	if !regexp.MustCompile(`\^BXN,\d+,200\^FH_\^FDLMN-P42-L2\^FS`).MatchString(zpl) {
		t.Errorf("the DataMatrix does not hold the label data LMN-P42-L2:\n%s", zpl)
	}
	fields := strings.Join(fieldData(zpl), "\n")
	for _, kv := range l.Lines() {
		if !strings.Contains(fields, kv[0]) || !strings.Contains(fields, kv[1]) {
			t.Errorf("ZPL lacks the line %q: %q", kv[0], kv[1])
		}
	}
	for _, want := range []string{"COMPOUNDED PREPARATION", "REPRINT 2", "HAZARDOUS", "HIGH-ALERT", "REFRIGERATE", "PROTECT", "FROM LIGHT"} {
		if !strings.Contains(fields, want) {
			t.Errorf("ZPL lacks %q", want)
		}
	}
	if got := strings.Count(zpl, "^GB"); got != 4 {
		t.Errorf("%d reverse boxes, want 4 auxiliary labels", got)
	}
	at300, err := l.ZPL(Stock{WidthMM: 101.6, HeightMM: 76.2, DPI: 300})
	if err != nil || !strings.Contains(string(at300), "^PW1200") {
		t.Fatalf("300 dpi: %v\n%s", err, at300)
	}
}

func TestAuxiliaryLabelsFollowTheFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(*Worksheet)
		want string
	}{
		{"none", func(ws *Worksheet) { ws.Storage = "room" }, ""},
		{"refrigerated", nil, "refrigerate"},
		{"frozen", func(ws *Worksheet) { ws.Storage = "freezer" }, "freeze"},
		{"everything", func(ws *Worksheet) {
			ws.Hazardous, ws.HighAlert, ws.ProtectFromLight = true, &guard.HighAlertFlag{}, true
		},
			"hazardous high_alert refrigerate protect_from_light"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := zplLabel(t, tc.edit)
			var codes []string
			for _, a := range l.Auxiliary {
				codes = append(codes, a.Code)
			}
			if got := strings.Join(codes, " "); got != tc.want {
				t.Fatalf("auxiliary labels %q, want %q", got, tc.want)
			}
			html, err := l.HTML("AAAA")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Count(string(html), `class="aux"`) != len(codes) {
				t.Fatalf("HTML shows %d auxiliary labels, want %d", strings.Count(string(html), `class="aux"`), len(codes))
			}
		})
	}
}

// A patient name holding ZPL commands must print as text, not end the label
// or change the printer's settings.
func TestZPLEscapesCommands(t *testing.T) {
	t.Parallel()
	l := zplLabel(t, func(ws *Worksheet) { ws.Patient.Name = "Doe^XZ^XA~JR_x, Jane Ünal" })
	b, err := l.ZPL(DefaultStock)
	if err != nil {
		t.Fatal(err)
	}
	zpl := string(b)
	if strings.Count(zpl, "^XZ") != 1 || strings.Contains(zpl, "~JR") {
		t.Fatalf("a field's data became a command:\n%s", zpl)
	}
	if !strings.Contains(strings.Join(fieldData(zpl), "\n"), "Doe^XZ^XA~JR_x, Jane Ünal") {
		t.Fatalf("the name does not read back:\n%s", zpl)
	}
}

func TestStockValidation(t *testing.T) {
	t.Parallel()
	for _, s := range []Stock{{101.6, 76.2, 250}, {25, 25, 203}, {101.6, 76.2, 0}, {500, 76.2, 203}} {
		if _, err := (Label{Data: "LMN-P1-L1"}).ZPL(s); err == nil {
			t.Errorf("stock %+v accepted", s)
		}
	}
}

// The rendered ZPL carries the same DataMatrix as the PDF: both are
// decoded from images, as a scanner would read the printed labels.
func TestZPLRendersTheSameDataMatrixAsThePDF(t *testing.T) {
	t.Parallel()
	l := zplLabel(t, func(ws *Worksheet) {
		ws.Hazardous, ws.HighAlert, ws.ProtectFromLight = true, &guard.HighAlertFlag{}, true
	})
	for _, tc := range []struct {
		stock Stock
		dpmm  int
	}{
		{DefaultStock, 8},
		{Stock{WidthMM: 101.6, HeightMM: 76.2, DPI: 300}, 12},
		{Stock{WidthMM: 76.2, HeightMM: 50.8, DPI: 203}, 8},
	} {
		zpl, err := l.ZPL(tc.stock)
		if err != nil {
			t.Fatal(err)
		}
		img := zpltest.Render(t, zpl, tc.stock.WidthMM, tc.stock.HeightMM, tc.dpmm)
		if dir := os.Getenv("LAMINAR_SCREENSHOTS"); dir != "" {
			zpltest.SavePNG(t, img, filepath.Join(dir, "label-zpl-"+strings.ReplaceAll(t.Name(), "/", "-")+".png"))
		}
		// The layout is scaled to the stock; aim at its top right corner.
		scale := min(tc.stock.WidthMM/geoWidth, tc.stock.HeightMM/geoHeight)
		fx, fy := scale*geoWidth/tc.stock.WidthMM, scale*geoHeight/tc.stock.HeightMM
		if got := zpltest.DataMatrix(t, img, 0.65*fx, 0, fx, 0.44*fy); got != l.Data {
			t.Fatalf("%+v: the printed DataMatrix reads %q, want %q", tc.stock, got, l.Data)
		}
	}
}
