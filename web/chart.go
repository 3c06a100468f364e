package web

import (
	"fmt"
	"html"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
)

// Chart is a bar chart drawn as inline SVG on the server: no library, no
// script, readable by a screen reader through its title, and followed by a
// table of the same numbers.
type Chart struct {
	// Title names the chart for assistive technology.
	Title string
	// Labels are the categories along the x axis (weeks).
	Labels []string
	Series []Series
	// Stacked draws the series on top of each other; otherwise side by side.
	Stacked bool
	// Unit labels the y axis ("per 1,000", "minutes").
	Unit string
	// Scale is the number of decimal places the integer values carry:
	// 1 means 123 is 12.3. Integers keep the drawing free of float rounding
	// surprises in the numbers shown.
	Scale int
}

// Series is one set of values, one per label.
type Series struct {
	Name   string
	Color  string
	Values []int64
}

const (
	chartW, chartH                 = 640, 300
	padL, padR, padT, padB         = 64, 16, 16, 32
	plotW, plotH                   = chartW - padL - padR, chartH - padT - padB
	gridLines                      = 4
	minBarGap, barFill     float64 = 4, 0.7
)

// Number formats a scaled integer as the chart shows it: 123 with Scale 1
// is "12.3", 120 is "12", 1234560 is "123,456".
func (c Chart) Number(v int64) string { return c.number(v) }

// number formats a scaled integer for the axis and the table, by the
// rules every number shown follows (calc.DisplayDecimal).
func (c Chart) number(v int64) string {
	return calc.DisplayDecimal(decimal.New(v, -int32(max(c.Scale, 0))))
}

// DisplayInt writes an integer with thousands separators (1,250).
func DisplayInt(v int64) string { return calc.DisplayDecimal(decimal.NewFromInt(v)) }

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten, so the
// grid lines fall on round numbers.
func niceMax(v int64) int64 {
	if v <= 0 {
		return gridLines
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 8, 10} {
		if m*p >= v && (m*p)%gridLines == 0 {
			return m * p
		}
	}
	return ((v + gridLines - 1) / gridLines) * gridLines
}

// SVG draws the chart followed by a table of its numbers.
func (c Chart) SVG() template.HTML {
	var max int64
	for i := range c.Labels {
		var sum int64
		for _, s := range c.Series {
			if i < len(s.Values) {
				if c.Stacked {
					sum += s.Values[i]
				} else if s.Values[i] > sum {
					sum = s.Values[i]
				}
			}
		}
		if sum > max {
			max = sum
		}
	}
	top := niceMax(max)
	y := func(v int64) float64 { return float64(padT) + float64(plotH) - float64(v)*float64(plotH)/float64(top) }

	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, sans-serif" font-size="13">`, chartW, chartH, esc(c.Title))
	for g := 0; g <= gridLines; g++ {
		v := top * int64(g) / gridLines
		yy := y(v)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#d1d5db"/>`, padL, chartW-padR, yy, yy)
		fmt.Fprintf(&b, `<text x="%d" y="%.1f" text-anchor="end" fill="#374151">%s</text>`, padL-6, yy+4, esc(c.number(v)))
	}
	fmt.Fprintf(&b, `<text x="14" y="%d" transform="rotate(-90 14 %d)" text-anchor="middle" fill="#374151">%s</text>`, padT+plotH/2, padT+plotH/2, esc(c.Unit))
	n := len(c.Labels)
	if n > 0 {
		slot := float64(plotW) / float64(n)
		barW := slot * barFill
		if !c.Stacked && len(c.Series) > 0 {
			barW /= float64(len(c.Series))
		}
		for i, label := range c.Labels {
			x0 := float64(padL) + slot*float64(i) + (slot-slot*barFill)/2
			var base int64
			for si, s := range c.Series {
				if i >= len(s.Values) || s.Values[i] <= 0 {
					continue
				}
				v := s.Values[i]
				x := x0
				yTop, yBot := y(base+v), y(base)
				if c.Stacked {
					base += v
				} else {
					x = x0 + barW*float64(si)
					yTop, yBot = y(v), y(0)
				}
				w := barW
				if w > minBarGap {
					w -= 1
				}
				fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
					x, yTop, w, yBot-yTop, esc(s.Color), esc(label), esc(s.Name), esc(c.number(v)))
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#374151">%s</text>`, float64(padL)+slot*(float64(i)+0.5), padT+plotH+18, esc(label))
		}
	}
	b.WriteString(`</svg>`)
	// The legend is HTML under the drawing so that it wraps on a narrow
	// screen: a swatch and the series name.
	b.WriteString(`<ul class="legend">`)
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<li><span class="swatch" style="background:%s"></span>%s</li>`, esc(s.Color), esc(s.Name))
	}
	b.WriteString(`</ul>`)

	// The same numbers as a table, for people who cannot see the bars.
	b.WriteString(`<details><summary>Show the numbers</summary><div class="table-wrap" tabindex="0" role="region" aria-label="The chart's numbers"><table><thead><tr><th scope="col">Week</th>`)
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col" class="num">%s</th>`, esc(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, label := range c.Labels {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(label))
		for _, s := range c.Series {
			v := int64(0)
			if i < len(s.Values) {
				v = s.Values[i]
			}
			fmt.Fprintf(&b, `<td class="num">%s</td>`, esc(c.number(v)))
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table></div></details>`)
	return template.HTML(b.String())
}
