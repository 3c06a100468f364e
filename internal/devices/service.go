package devices

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/balance"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// Preparations loads a preparation; the compounding service or the store
// provides it.
type Preparations interface {
	Preparation(ctx context.Context, id int64) (*workflow.Preparation, error)
}

// Service is the devices service on one database.
type Service struct {
	db *sqlx.DB
	// sealer chains the log events of the service's changes before it
	// answers (see package audit).
	sealer *audit.Sealer
	preps  Preparations
	log    *slog.Logger
	// Now is the clock; tests replace it.
	Now func() time.Time
	// StableTimeout bounds the wait for a stable reading (default 5 s).
	StableTimeout time.Duration

	mu      sync.Mutex
	clients map[int64]*clientEntry
	// printer is the print queue's sender settings.
	printer PrintSettings
	wake    chan struct{}
	// seen is each balance's last answer (for the admin's list).
	seen map[int64]Heard
}

type clientEntry struct {
	address string
	dialect balance.Dialect
	c       *balance.Client
}

// New returns the service on db; preps loads preparations for the weigh
// checks.
func New(db *sqlx.DB, preps Preparations, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, sealer: audit.NewSealer(db), preps: preps, log: log, Now: time.Now, clients: map[int64]*clientEntry{}, seen: map[int64]Heard{},
		printer: DefaultPrintSettings(), wake: make(chan struct{}, 1)}
}

// Close closes the balance connections.
func (s *Service) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, e := range s.clients {
		_ = e.c.Close()
		delete(s.clients, id)
	}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// inTx runs fn in one transaction and appends events at its end.
func (s *Service) inTx(ctx context.Context, fn func(tx *sqlx.Tx) ([]audit.Event, error)) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return store.Translate(err)
	}
	defer func() { _ = tx.Rollback() }()
	evs, err := fn(tx)
	if err != nil {
		return store.Translate(err)
	}
	for _, e := range evs {
		if _, err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return store.Translate(err)
	}
	if len(evs) == 0 {
		return nil
	}
	return s.sealer.Sync(ctx)
}

func event(typ string, actor int64, prep int64, payload map[string]any) audit.Event {
	b, _ := json.Marshal(payload)
	e := audit.Event{Type: typ, Payload: b}
	if actor != 0 {
		e.ActorID = &actor
	}
	if prep != 0 {
		e.PreparationID = &prep
	}
	return e
}

// ---------------------------------------------------------------------------
// Balance registry

type balanceRow struct {
	ID          int64           `db:"id"`
	Name        string          `db:"name"`
	Address     string          `db:"address"`
	Dialect     string          `db:"dialect"`
	Readability decimal.Decimal `db:"readability_g"`
	Hood        string          `db:"hood"`
	Simulated   bool            `db:"simulated"`
	Active      bool            `db:"active"`
	CreatedAt   time.Time       `db:"created_at"`
}

func (r balanceRow) balance() Balance {
	return Balance{ID: r.ID, Name: r.Name, Address: r.Address, Dialect: balance.Dialect(r.Dialect),
		Readability: r.Readability.String() + " g", Hood: r.Hood, Simulated: r.Simulated, Active: r.Active, CreatedAt: r.CreatedAt}
}

func hoodTaken(err error, what string) error {
	if ae, ok := err.(*apperr.Error); ok && ae.Kind == apperr.Conflict {
		if strings.Contains(ae.Message, "_hood") {
			return apperr.WithCode(apperr.Conflict, "hood_taken", "another active %s is already at this hood; move or deactivate it first", what)
		}
		return apperr.WithCode(apperr.Conflict, "name_taken", "another %s already has this name", what)
	}
	return err
}

// RegisterBalance adds a balance (admin).
func (s *Service) RegisterBalance(ctx context.Context, in BalanceInput, actor int64) (Balance, error) {
	f, err := in.validate()
	if err != nil {
		return Balance{}, err
	}
	var row balanceRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &row, query("balance-insert"), f.name, f.address, string(f.dialect), f.readability,
			f.hood, f.simulated, f.active, actor); err != nil {
			return nil, err
		}
		return []audit.Event{event(EvBalanceRegistered, actor, 0, balancePayload(row))}, nil
	})
	return row.balance(), hoodTaken(err, "balance")
}

// UpdateBalance changes a balance (admin); the change is audited.
func (s *Service) UpdateBalance(ctx context.Context, id int64, in BalanceInput, actor int64) (Balance, error) {
	f, err := in.validate()
	if err != nil {
		return Balance{}, err
	}
	var row balanceRow
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &row, query("balance-update"), id, f.name, f.address, string(f.dialect), f.readability,
			f.hood, f.simulated, f.active); err != nil {
			return nil, notFound(err, "balance", id)
		}
		return []audit.Event{event(EvBalanceChanged, actor, 0, balancePayload(row))}, nil
	})
	if err == nil {
		s.forget(id)
	}
	return row.balance(), hoodTaken(err, "balance")
}

func balancePayload(r balanceRow) map[string]any {
	return map[string]any{"balance_id": r.ID, "name": r.Name, "address": r.Address, "dialect": r.Dialect,
		"readability": r.Readability.String() + " g", "hood": r.Hood, "simulated": r.Simulated, "active": r.Active}
}

func notFound(err error, what string, id int64) error {
	if apperr.KindOf(store.Translate(err)) == apperr.NotFound {
		return apperr.New(apperr.NotFound, "%s %d does not exist", what, id)
	}
	return err
}

// Balances lists every balance, active first.
func (s *Service) Balances(ctx context.Context) ([]Balance, error) {
	var rows []balanceRow
	if err := s.db.SelectContext(ctx, &rows, query("balance-list")); err != nil {
		return nil, store.Translate(err)
	}
	out := make([]Balance, len(rows))
	for i, r := range rows {
		out[i] = r.balance()
	}
	return out, nil
}

// Balance returns one balance.
func (s *Service) Balance(ctx context.Context, id int64) (Balance, error) {
	var row balanceRow
	if err := s.db.GetContext(ctx, &row, query("balance-get"), id); err != nil {
		return Balance{}, store.Translate(notFound(err, "balance", id))
	}
	return row.balance(), nil
}

// activeBalance returns a balance that may be used for weighing.
func (s *Service) activeBalance(ctx context.Context, id int64) (Balance, error) {
	b, err := s.Balance(ctx, id)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			e := apperr.InvalidField("balance_id", "balance %d is not registered", id)
			return Balance{}, e
		}
		return Balance{}, err
	}
	if !b.Active {
		return Balance{}, apperr.WithCode(apperr.Refused, "balance_inactive", "balance %s is out of service; use the balance of your hood", b.Name)
	}
	return b, nil
}

// client returns the connection to a balance, kept between readings.
func (s *Service) client(b Balance) *balance.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.clients[b.ID]
	if e != nil && e.address == b.Address && e.dialect == b.Dialect {
		return e.c
	}
	if e != nil {
		_ = e.c.Close()
	}
	c := balance.NewClient(b.Address, b.Dialect)
	c.StableTimeout = s.StableTimeout
	s.clients[b.ID] = &clientEntry{address: b.Address, dialect: b.Dialect, c: c}
	return c
}

func (s *Service) forget(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.clients[id]; e != nil {
		_ = e.c.Close()
		delete(s.clients, id)
	}
}

// EnsureBalance registers a balance, or updates the one of the same name
// (the demo's simulator gets a new port on every start).
func (s *Service) EnsureBalance(ctx context.Context, in BalanceInput, actor int64) (Balance, error) {
	bs, err := s.Balances(ctx)
	if err != nil {
		return Balance{}, err
	}
	for _, b := range bs {
		if strings.EqualFold(b.Name, strings.TrimSpace(in.Name)) {
			if b.Address == in.Address && b.Hood == in.Hood && b.Active {
				return b, nil
			}
			return s.UpdateBalance(ctx, b.ID, in, actor)
		}
	}
	return s.RegisterBalance(ctx, in, actor)
}

// Heard is what a balance last answered since this server started: a
// reading, or the failure in plain words.
type Heard struct {
	At      time.Time
	Reading string
	Stable  bool
	Err     string
}

// heard notes a balance's answer for the admin's list.
func (s *Service) heard(id int64, rd balance.Reading, err error) {
	h := Heard{At: s.now()}
	if err != nil {
		h.Err = err.Error()
		if ae, ok := err.(*apperr.Error); ok {
			h.Err = ae.Message
		}
	} else if rd.Unit != "" {
		h.Reading, h.Stable = rd.Weight(), rd.Stable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[id] = h
}

// LastHeard returns what the balance last answered since this server
// started (false when it has not been read).
func (s *Service) LastHeard(id int64) (Heard, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.seen[id]
	return h, ok
}
