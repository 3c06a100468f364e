// Package devices is the service for the cleanroom's devices: the balances
// the server reads itself (registry, tare, live and stable readings), the
// label printers and their print queue, and the hood each tablet stands
// at. It opens its transactions on the store's database, keeps its SQL in
// queries.sql and writes its audit events in the same transactions.
package devices

import (
	"math"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Audit event types written by this package.
const (
	EvBalanceRegistered = "device.balance_registered"
	EvBalanceChanged    = "device.balance_changed"
	EvPrinterRegistered = "device.printer_registered"
	EvPrinterChanged    = "device.printer_changed"
	EvTabletHood        = "device.tablet_hood"
	EvTared             = "preparation.balance_tared"
	EvPrintQueued       = "label.print_queued"
	EvPrinted           = "label.printed_on_printer"
	EvPrintFailed       = "label.print_failed"
	EvPrintRetried      = "label.print_retried"
)

// Balance is a registered balance.
type Balance struct {
	ID      int64           `json:"id"`
	Name    string          `json:"name"`
	Address string          `json:"address"`
	Dialect balance.Dialect `json:"dialect"`
	// Readability is the smallest step it shows ("0.001 g").
	Readability string    `json:"readability"`
	Hood        string    `json:"hood,omitempty"`
	Simulated   bool      `json:"simulated"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
}

// BalanceInput is what an admin registers.
type BalanceInput struct {
	Name        string `json:"name"`
	Address     string `json:"address"`
	Dialect     string `json:"dialect"`
	Readability string `json:"readability"`
	Hood        string `json:"hood"`
	Simulated   bool   `json:"simulated"`
	Active      *bool  `json:"active"`
}

// balanceFields is a validated BalanceInput.
type balanceFields struct {
	name, address, hood string
	dialect             balance.Dialect
	readability         decimal.Decimal
	simulated, active   bool
}

// Validate checks every field and names the first one at fault.
func (in BalanceInput) validate() (balanceFields, error) {
	f := balanceFields{simulated: in.Simulated, active: in.Active == nil || *in.Active}
	var err error
	if f.name, err = label("name", in.Name, true); err != nil {
		return f, err
	}
	if f.address, err = Address("address", in.Address, 0); err != nil {
		return f, err
	}
	if f.dialect, err = balance.ParseDialect(in.Dialect); err != nil {
		return f, err
	}
	if f.hood, err = label("hood", in.Hood, false); err != nil {
		return f, err
	}
	q, err := calc.Parse(in.Readability)
	if err != nil {
		return f, apperr.InvalidField("readability", "%q is not a weight such as \"0.001 g\"", in.Readability)
	}
	g, err := q.In("g")
	if err != nil || g.Value.Sign() <= 0 || g.Value.GreaterThan(decimal.NewFromInt(1)) {
		return f, apperr.InvalidField("readability", "%q: expected the balance's smallest step, from 0.000001 g to 1 g (e.g. \"0.001 g\")", in.Readability)
	}
	f.readability = g.Value
	return f, nil
}

// Printer is a registered label printer.
type Printer struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Address string `json:"address"`
	// LabelSize is "101.6x76.2 mm".
	LabelSize string    `json:"label_size"`
	DPI       int       `json:"dpi"`
	Hood      string    `json:"hood,omitempty"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
}

// Stock is the printer's label stock for the ZPL renderer.
func (p Printer) Stock() workflow.Stock {
	w, h, _ := parseSize(p.LabelSize)
	return workflow.Stock{WidthMM: w, HeightMM: h, DPI: p.DPI}
}

// PrinterInput is what an admin registers.
type PrinterInput struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	// LabelSize is "4x3 in" or "101.6x76.2 mm".
	LabelSize string `json:"label_size"`
	DPI       int    `json:"dpi"`
	Hood      string `json:"hood"`
	Active    *bool  `json:"active"`
}

type printerFields struct {
	name, address, hood string
	stock               workflow.Stock
	active              bool
}

func (in PrinterInput) validate() (printerFields, error) {
	f := printerFields{active: in.Active == nil || *in.Active}
	var err error
	if f.name, err = label("name", in.Name, true); err != nil {
		return f, err
	}
	if f.address, err = Address("address", in.Address, 9100); err != nil {
		return f, err
	}
	if f.hood, err = label("hood", in.Hood, false); err != nil {
		return f, err
	}
	if in.LabelSize == "" {
		in.LabelSize = "4x3 in"
	}
	if in.DPI == 0 {
		in.DPI = 203
	}
	w, h, err := parseSize(in.LabelSize)
	if err != nil {
		return f, err
	}
	f.stock = workflow.Stock{WidthMM: w, HeightMM: h, DPI: in.DPI}
	return f, f.stock.Validate()
}

var sizeRE = regexp.MustCompile(`^\s*([0-9]{1,3}(?:\.[0-9]{1,2})?)\s*[x×]\s*([0-9]{1,3}(?:\.[0-9]{1,2})?)\s*(mm|in)\s*$`)

// parseSize reads "4x3 in" or "101.6x76.2 mm" into millimetres.
func parseSize(s string) (w, h float64, err error) {
	m := sizeRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return 0, 0, apperr.InvalidField("label_size", "%q: expected width x height with a unit, such as \"4x3 in\" or \"101.6x76.2 mm\"", s)
	}
	w, _ = strconv.ParseFloat(m[1], 64)
	h, _ = strconv.ParseFloat(m[2], 64)
	if m[3] == "in" {
		w, h = w*25.4, h*25.4
	}
	return w, h, nil
}

// sizeText is the stored size in the form parseSize reads back.
func sizeText(w, h float64) string {
	mm := func(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }
	return mm(w) + "x" + mm(h) + " mm"
}

// label checks a short name: printable, at most 60 characters.
func label(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return "", apperr.InvalidField(field, "is required")
	case utf8.RuneCountInString(s) > 60:
		return "", apperr.InvalidField(field, "is longer than 60 characters")
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return "", apperr.InvalidField(field, "holds a control character")
		}
	}
	return s, nil
}

// Address checks host:port; a bare host takes defaultPort when it is set.
func Address(field, s string, defaultPort int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.InvalidField(field, "is required: host:port such as 10.1.2.3:4001")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil && defaultPort > 0 && !strings.Contains(s, ":") {
		host, port, err = s, strconv.Itoa(defaultPort), nil
	}
	if err != nil {
		return "", apperr.InvalidField(field, "%q is not host:port (such as 10.1.2.3:4001)", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", apperr.InvalidField(field, "%q: the port must be 1 to 65535", s)
	}
	if host == "" || len(host) > 253 || strings.ContainsAny(host, " /\\@?#") {
		return "", apperr.InvalidField(field, "%q: the host must be a name or an IP address", s)
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
