package workflow

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Stock is the label stock a printer holds and its resolution.
type Stock struct {
	// WidthMM and HeightMM are the label's size (4 × 3 in = 101.6 × 76.2).
	WidthMM, HeightMM float64
	// DPI is the print head's resolution: 203, 300 or 600.
	DPI int
}

// DefaultStock is 4 × 3 inch labels on a 203 dpi printer.
var DefaultStock = Stock{WidthMM: geoWidth, HeightMM: geoHeight, DPI: 203}

// Validate checks the stock can carry the label: 2 × 1.5 inch at least
// (the layout is scaled, never cropped) and a resolution a ZPL printer has.
func (s Stock) Validate() error {
	switch s.DPI {
	case 152, 203, 300, 600:
	default:
		return apperr.InvalidField("dpi", "%d is not a label printer resolution: expected 152, 203, 300 or 600", s.DPI)
	}
	if s.WidthMM < geoWidth/2 || s.HeightMM < geoHeight/2 || s.WidthMM > 220 || s.HeightMM > 400 {
		return apperr.InvalidField("label_size", "%gx%g mm does not fit a CSP label: expected 50.8x38.1 mm (2x1.5 in) to 220x400 mm", s.WidthMM, s.HeightMM)
	}
	return nil
}

// zplWriter turns the millimetre geometry into dots of one stock.
type zplWriter struct {
	b     strings.Builder
	dpmm  float64 // dots per millimetre
	scale float64 // the layout shrunk or grown to the stock
}

func (w *zplWriter) dots(mm float64) int { return int(math.Round(mm * w.scale * w.dpmm)) }

// text places a field of data at (x, y) mm; font height in mm; width > 0
// wraps it in a block of up to lines lines.
func (w *zplWriter) text(x, y, height, width float64, lines int, reverse bool, align, data string) {
	fmt.Fprintf(&w.b, "^FO%d,%d^A0N,%d,%d", w.dots(x), w.dots(y), w.dots(height), w.dots(height*0.9))
	if width > 0 {
		fmt.Fprintf(&w.b, "^FB%d,%d,0,%s,0", w.dots(width), lines, align)
	}
	if reverse {
		w.b.WriteString("^FR")
	}
	w.b.WriteString("^FH_^FD" + zplEscape(data) + "^FS\n")
}

// zplEscape hex-escapes (^FH with "_") every byte ZPL would take for a
// command or that is not printable ASCII; with ^CI28 the bytes are UTF-8.
func zplEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '^' || c == '~' || c == '_' {
			fmt.Fprintf(&b, "_%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// wrapLines estimates how many lines text takes in a column: ZPL's font 0
// is condensed, about half as wide as it is high.
func wrapLines(text string, widthMM, heightMM float64) int {
	perLine := max(int(widthMM/(heightMM*0.5)), 1)
	n := (utf8.RuneCountInString(text) + perLine - 1) / perLine
	return min(max(n, 1), 3)
}

// ZPL renders the label as ZPL II for a thermal printer loaded with stock:
// the same text and order as the PDF, the same DataMatrix (^BX) of Data,
// and the auxiliary labels in reverse print.
func (l Label) ZPL(stock Stock) ([]byte, error) {
	if err := stock.Validate(); err != nil {
		return nil, err
	}
	w := &zplWriter{dpmm: float64(stock.DPI) / 25.4, scale: min(stock.WidthMM/geoWidth, stock.HeightMM/geoHeight)}
	fmt.Fprintf(&w.b, "^XA\n^CI28\n^PW%d\n^LL%d\n^LH0,0\n", int(math.Round(stock.WidthMM*w.dpmm)), int(math.Round(stock.HeightMM*w.dpmm)))
	textW := geoCodeX - geoMargin - 1
	w.text(geoMargin, geoMargin, 3.2, textW, 1, false, "L", labelTitle)
	y := geoMargin + geoTitleH
	for _, h := range l.Headlines() {
		w.text(geoMargin, y, 2.6, textW, 1, false, "L", h)
		y += 4
	}
	y++
	const fontH = 2.5
	for _, kv := range l.Lines() {
		w.text(geoMargin, y, fontH, geoKeyW, 1, false, "L", kv[0])
		n := wrapLines(kv[1], geoValueW, fontH)
		w.text(geoValueX, y, fontH, geoValueW, n, false, "L", kv[1])
		y += float64(n) * geoLineH
	}
	// DataMatrix, ECC 200; the module size fills the square reserved for
	// it (about 20 modules with the quiet zone for this data).
	module := max(w.dots(geoCodeSize)/20, 2)
	fmt.Fprintf(&w.b, "^FO%d,%d^BXN,%d,200^FH_^FD%s^FS\n", w.dots(geoCodeX+1), w.dots(geoMargin+1), module, zplEscape(l.Data))
	for i, a := range l.Auxiliary {
		ay := geoAuxY + float64(i)*(geoAuxH+geoAuxGap)
		fmt.Fprintf(&w.b, "^FO%d,%d^GB%d,%d,%d,B,0^FS\n", w.dots(geoCodeX), w.dots(ay), w.dots(geoAuxW), w.dots(geoAuxH), w.dots(geoAuxH))
		w.text(geoCodeX, ay+0.8, 2.9, geoAuxW, 1, true, "C", a.Lines[0])
		w.text(geoCodeX, ay+4.4, 2.3, geoAuxW, 1, true, "C", a.Lines[1])
	}
	w.b.WriteString("^PQ1\n^XZ\n")
	return []byte(w.b.String()), nil
}
