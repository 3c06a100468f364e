package webui_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/webui"
)

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style|template)\b.*?</(script|style|template)>`)
	optionTag     = regexp.MustCompile(`(?is)<option\b[^>]*>`)
	anyTag        = regexp.MustCompile(`(?s)<[^>]*>`)
	snakeCode     = regexp.MustCompile(`\b[a-z0-9]+(?:_[a-z0-9]+)+\b`)
	mainPart      = regexp.MustCompile(`(?is)<main\b.*</main>`)
)

// visibleText is what a person reads in a page's main part: the text
// between the tags, without scripts, styles, or attribute values (form
// field names are not read).
func visibleText(page string) string {
	if m := mainPart.FindString(page); m != "" {
		page = m
	}
	page = scriptOrStyle.ReplaceAllString(page, " ")
	page = optionTag.ReplaceAllString(page, " ")
	return html.UnescapeString(anyTag.ReplaceAllString(page, " "))
}

// Every admin screen speaks in words: no snake_case code (single_dose,
// niosh_table1, pharmacy_bulk, …) in what a person reads.
func TestAdminPagesHaveNoCodes(t *testing.T) {
	var dev *devices.Service
	e, a := webServer(t, func(d *webui.Deps) {
		dev = devices.New(d.Store.DB, d.Store, d.Log)
		d.Devices = dev
	})
	tok := session(t, e, "admin1")
	// A balance and a printer, so their lists have rows to read.
	var admin int64
	if err := a.Store.DB.Get(&admin, `SELECT id FROM users WHERE username = 'admin1'`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := dev.RegisterBalance(ctx, devices.BalanceInput{Name: "Hood 1 balance", Address: "127.0.0.1:4001",
		Dialect: "mt-sics", Readability: "1 mg", Hood: "H1"}, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := dev.RegisterPrinter(ctx, devices.PrinterInput{Name: "P1", Address: "127.0.0.1", LabelSize: "4x3 in", DPI: 203, Hood: "H1"}, admin); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{
		"/admin/products", "/admin/products?q=cefazolin", "/admin/products/new", "/admin/products/1", "/admin/products/1/stability",
		"/admin/users", "/admin/users/new", "/admin/users/1",
		"/admin/recipes", "/admin/recipes/new", "/admin/recipes/1",
		"/admin/balances", "/admin/balances/new", "/admin/balances/1", "/admin/printers", "/admin/printers/new", "/admin/printers/1", "/print-queue",
	} {
		t.Run(path, func(t *testing.T) {
			rec := browse(e, "GET", path, tok, nil)
			if rec.Code != 200 {
				t.Fatalf("= %d\n%.500s", rec.Code, rec.Body)
			}
			if codes := snakeCode.FindAllString(visibleText(rec.Body.String()), -1); len(codes) > 0 {
				t.Errorf("codes on the page: %s", strings.Join(codes, ", "))
			}
		})
	}
}
