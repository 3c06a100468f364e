package devices

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
)

type printerRow struct {
	ID        int64     `db:"id"`
	Name      string    `db:"name"`
	Address   string    `db:"address"`
	WidthMM   float64   `db:"width_mm"`
	HeightMM  float64   `db:"height_mm"`
	DPI       int       `db:"dpi"`
	Hood      string    `db:"hood"`
	Active    bool      `db:"active"`
	CreatedAt time.Time `db:"created_at"`
}

func (r printerRow) printer() Printer {
	return Printer{ID: r.ID, Name: r.Name, Address: r.Address, LabelSize: sizeText(r.WidthMM, r.HeightMM), DPI: r.DPI,
		Hood: r.Hood, Active: r.Active, CreatedAt: r.CreatedAt}
}

func printerPayload(r printerRow) map[string]any {
	return map[string]any{"printer_id": r.ID, "name": r.Name, "address": r.Address,
		"label_size": sizeText(r.WidthMM, r.HeightMM), "dpi": r.DPI, "hood": r.Hood, "active": r.Active}
}

// RegisterPrinter adds a label printer (admin).
func (s *Service) RegisterPrinter(ctx context.Context, in PrinterInput, actor int64) (Printer, error) {
	f, err := in.validate()
	if err != nil {
		return Printer{}, err
	}
	var row printerRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &row, query("printer-insert"), f.name, f.address, f.stock.WidthMM, f.stock.HeightMM,
			f.stock.DPI, f.hood, f.active, actor); err != nil {
			return nil, err
		}
		return []audit.Event{event(EvPrinterRegistered, actor, 0, printerPayload(row))}, nil
	})
	return row.printer(), hoodTaken(err, "printer")
}

// UpdatePrinter changes a printer (admin); the change is audited.
func (s *Service) UpdatePrinter(ctx context.Context, id int64, in PrinterInput, actor int64) (Printer, error) {
	f, err := in.validate()
	if err != nil {
		return Printer{}, err
	}
	var row printerRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &row, query("printer-update"), id, f.name, f.address, f.stock.WidthMM, f.stock.HeightMM,
			f.stock.DPI, f.hood, f.active); err != nil {
			return nil, notFound(err, "printer", id)
		}
		return []audit.Event{event(EvPrinterChanged, actor, 0, printerPayload(row))}, nil
	})
	return row.printer(), hoodTaken(err, "printer")
}

// Printers lists every printer, active first.
func (s *Service) Printers(ctx context.Context) ([]Printer, error) {
	var rows []printerRow
	if err := s.db.SelectContext(ctx, &rows, query("printer-list")); err != nil {
		return nil, store.Translate(err)
	}
	out := make([]Printer, len(rows))
	for i, r := range rows {
		out[i] = r.printer()
	}
	return out, nil
}

// Printer returns one printer.
func (s *Service) Printer(ctx context.Context, id int64) (Printer, error) {
	var row printerRow
	if err := s.db.GetContext(ctx, &row, query("printer-get"), id); err != nil {
		return Printer{}, store.Translate(notFound(err, "printer", id))
	}
	return row.printer(), nil
}

func (s *Service) activePrinter(ctx context.Context, id int64) (Printer, error) {
	p, err := s.Printer(ctx, id)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return Printer{}, apperr.InvalidField("printer_id", "printer %d is not registered", id)
		}
		return Printer{}, err
	}
	if !p.Active {
		return Printer{}, apperr.WithCode(apperr.Refused, "printer_inactive", "printer %s is out of service; choose another", p.Name)
	}
	return p, nil
}

// EnsurePrinter registers a printer, or updates the one of the same name.
func (s *Service) EnsurePrinter(ctx context.Context, in PrinterInput, actor int64) (Printer, error) {
	ps, err := s.Printers(ctx)
	if err != nil {
		return Printer{}, err
	}
	for _, p := range ps {
		if strings.EqualFold(p.Name, strings.TrimSpace(in.Name)) {
			if p.Address == in.Address && p.Hood == in.Hood && p.Active {
				return p, nil
			}
			return s.UpdatePrinter(ctx, p.ID, in, actor)
		}
	}
	return s.RegisterPrinter(ctx, in, actor)
}
