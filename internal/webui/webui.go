// Package webui serves Laminar's browser screens beside the JSON API: the
// technician's queue and preparation screen, the pharmacist's verification,
// the log, competencies, interfaces, the guard rails and the admin's formulary
// and accounts.
// Its routes join the JSON API's one route table (httpapi.API.Pages), so
// each screen's roles stand beside it and the same guard checks them. The
// page templates and page models live in the web package.
package webui

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/catalog"
	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/compounding"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/devices"
	"github.com/laminar-rx/laminar/internal/exchange"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/live"
	"github.com/laminar-rx/laminar/internal/rules"
	"github.com/laminar-rx/laminar/web"
)

// Deps are the services the screens use. The app builds them once and
// passes the same ones to the JSON API.
type Deps struct {
	// Store is the database the services are built on; the screens reach
	// it only through them.
	Store *compounding.Store
	// Compounding is the preparation service (nil: one over Store).
	Compounding *compounding.Service
	// Competency is the competency service (nil: one over Store).
	Competency *competency.Service
	// Auth resolves sessions; when it is the auth service it also logs
	// people in and manages accounts.
	Auth httpapi.Authenticator
	// Exchange is the interface service (nil: the Interfaces screen's
	// actions answer that the interfaces are off).
	Exchange *exchange.Service
	// Devices are the balances, label printers and print queue (nil: their
	// screens answer that they are not set up).
	Devices *devices.Service
	// Live fans out status changes to the screens' event stream (nil: the
	// stream answers 503). The app starts and closes it.
	Live   *live.Hub
	Config config.Config
	Log    *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// New loads the pages and returns the screens, to be mounted on the JSON
// API's server as httpapi.API.Pages.
func New(d Deps) (httpapi.Pages, error) {
	site, err := web.Load()
	if err != nil {
		return nil, err
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Compounding == nil {
		d.Compounding = compounding.New(d.Store, d.Config.Location)
	}
	if d.Competency == nil {
		d.Competency = competency.NewService(d.Store, d.Config.Location, d.Now)
	}
	return &webUI{api: &d, site: site}, nil
}

// now is the clock in UTC.
func (d *Deps) now() time.Time { return d.Now().UTC() }

// AuditFilter reads the log screen's filters as the log API does.
func (d *Deps) AuditFilter(c echo.Context) (audit.Filter, error) {
	return httpapi.ParseAuditFilter(c, d.Config.Location)
}

func (d *Deps) exchange() (*exchange.Service, error) {
	if d.Exchange == nil {
		return nil, apperr.New(apperr.Unavailable, "the interfaces are not configured on this server")
	}
	return d.Exchange, nil
}

// catalog is the formulary service over the screens' store.
func (d *Deps) catalog() *catalog.Service { return catalog.New(d.Store) }

// rules is the rule tables' service over the screens' store.
func (d *Deps) rules() *rules.Service { return rules.New(d.Store) }

// records are the interfaces' inbox, outbox and code map over the screens'
// store (readable with the interfaces off).
func (d *Deps) records() *exchange.Records { return exchange.NewRecords(d.Store) }
