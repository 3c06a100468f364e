package devices

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
)

// Station is what a tablet at a hood uses: the hood's balance and printer
// (either may be nil when none is registered there).
type Station struct {
	Hood    string   `json:"hood"`
	Balance *Balance `json:"balance"`
	Printer *Printer `json:"printer"`
}

// BindTablet records the hood a tablet session stands at.
func (s *Service) BindTablet(ctx context.Context, sessionID string, hood string, actor int64) (Station, error) {
	h, err := label("hood", hood, true)
	if err != nil {
		return Station{}, err
	}
	st, err := s.station(ctx, h)
	if err != nil {
		return Station{}, err
	}
	if st.Balance == nil && st.Printer == nil {
		return Station{}, apperr.InvalidField("hood", "no balance or printer is registered at hood %q", h)
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if _, err := tx.ExecContext(ctx, query("tablet-bind"), sessionID, h, s.now()); err != nil {
			return nil, err
		}
		return []audit.Event{event(EvTabletHood, actor, 0, map[string]any{"hood": h})}, nil
	})
	return st, err
}

// TabletStation returns the hood, balance and printer of a tablet session;
// an unbound session gets an empty station.
func (s *Service) TabletStation(ctx context.Context, sessionID string) (Station, error) {
	var hood string
	err := s.db.GetContext(ctx, &hood, query("tablet-hood"), sessionID)
	if errors.Is(err, sql.ErrNoRows) {
		return Station{}, nil
	}
	if err != nil {
		return Station{}, store.Translate(err)
	}
	return s.station(ctx, hood)
}

func (s *Service) station(ctx context.Context, hood string) (Station, error) {
	st := Station{Hood: hood}
	var b balanceRow
	switch err := s.db.GetContext(ctx, &b, query("balance-of-hood"), hood); {
	case err == nil:
		v := b.balance()
		st.Balance = &v
	case !errors.Is(err, sql.ErrNoRows):
		return st, store.Translate(err)
	}
	var p printerRow
	switch err := s.db.GetContext(ctx, &p, query("printer-of-hood"), hood); {
	case err == nil:
		v := p.printer()
		st.Printer = &v
	case !errors.Is(err, sql.ErrNoRows):
		return st, store.Translate(err)
	}
	return st, nil
}

// Hoods lists the hoods that have a device, for the tablet's picker.
func (s *Service) Hoods(ctx context.Context) ([]string, error) {
	var hoods []string
	err := s.db.SelectContext(ctx, &hoods, query("hoods"))
	return hoods, store.Translate(err)
}
