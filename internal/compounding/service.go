// Package compounding is the preparation service: every use case of an
// order and of a preparation (claim, scan, weigh, complete, label, verify,
// release…). Each one opens a transaction, loads through the store, asks
// the domain (internal/workflow) what may happen, saves, appends the
// domain's events to the compounding log and commits. Transports call it;
// it never sees HTTP.
//
// This file holds the machinery every use case shares (the transaction
// runner write and the typed idempotency) and the busiest use case, the
// scan, so that one file shows a scan's whole path through the service.
package compounding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/formulary"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// writeSlots bounds the service's transactions running at once: queueing
// here rather than inside PostgreSQL (each waiter holding a connection)
// leaves connections free for reads, logins and the log's seal. A slot is
// held from begin to commit, not while the answer waits for the seal.
const writeSlots = 6

// Service is the preparation service on one store.
type Service struct {
	st *store.Store
	// loc is the site's time zone: a date-only expiry ends at its midnight.
	loc   *time.Location
	slots chan struct{}
	// qualified decides whether a person may claim work: their
	// competencies must be current for its category and hazard.
	qualified Qualifier
	// onClose runs in the transaction that releases or wastes a
	// preparation (the interfaces' outbox); nil: nothing.
	onClose CloseHook
}

// Qualifier decides whether a person may claim work of a compounding
// category (and hazard) at a time; competency.Service is one.
type Qualifier interface {
	CheckClaim(ctx context.Context, userID int64, category string, hazardous bool, now time.Time) error
}

// CloseHook is told, inside the transaction, that a preparation was
// released (kind "dispense") or wasted ("waste", with the reason); an
// error rolls the release back.
type CloseHook func(ctx context.Context, tx *store.Tx, prepID int64, kind, reason string, now time.Time) error

// OnClose sets the hook run when a preparation is released or wasted.
func (s *Service) OnClose(h CloseHook) { s.onClose = h }

func (s *Service) closed(ctx context.Context, tx *store.Tx, prepID int64, kind, reason string, now time.Time) error {
	if s.onClose == nil {
		return nil
	}
	return s.onClose(ctx, tx, prepID, kind, reason, now)
}

// New returns the service on st; loc is the site's time zone (nil: UTC).
func New(st *store.Store, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{st: st, loc: loc, slots: make(chan struct{}, writeSlots), qualified: competency.NewService(st, loc, nil)}
}

// outcome is what one use case did in its transaction: its answer, a
// refusal committed all the same (a refused scan is recorded), and the
// events for the compounding log.
type outcome[T any] struct {
	value   T
	refusal error
	events  []workflow.Event
}

// write runs fn in one transaction: it takes a write slot, claims the
// Idempotency-Key first (a concurrent duplicate waits on the key and then
// replays the stored answer), runs fn, stores the answer, appends the
// events and commits; it gives the slot back and answers once the events
// are sealed into the log's chain (many changes share one seal).
func write[T any](ctx context.Context, s *Service, key *Key, fn func(tx *store.Tx) (outcome[T], error)) (Done[T], error) {
	done, refusal, sealed, err := writeInSlot(ctx, s, key, fn)
	if err != nil || sealed == nil {
		return done, err
	}
	if err := sealed(ctx); err != nil {
		return Done[T]{}, err
	}
	return done, refusal
}

// writeInSlot is write's transaction, in a write slot. A replayed answer
// comes back as the error with no seal to wait for.
func writeInSlot[T any](ctx context.Context, s *Service, key *Key, fn func(tx *store.Tx) (outcome[T], error)) (_ Done[T], refusal error, sealed func(context.Context) error, _ error) {
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-ctx.Done():
		return Done[T]{}, nil, nil, store.Translate(ctx.Err())
	}
	tx, err := s.st.Begin(ctx)
	if err != nil {
		return Done[T]{}, nil, nil, err
	}
	defer tx.Rollback()
	if key != nil {
		claimed, err := tx.ClaimIdem(ctx, key.id(), key.RequestHash)
		if err != nil {
			return Done[T]{}, nil, nil, err
		}
		if !claimed {
			tx.Rollback()
			done, err := replayAfterClaim[T](ctx, s, key)
			return done, nil, nil, err
		}
	}
	out, err := fn(tx)
	if err != nil {
		return Done[T]{}, nil, nil, err
	}
	if key != nil {
		result, refusal, err := encodeAnswer(out.value, out.refusal)
		if err != nil {
			return Done[T]{}, nil, nil, err
		}
		if err := tx.SaveIdem(ctx, key.id(), result, refusal); err != nil {
			return Done[T]{}, nil, nil, err
		}
	}
	if err := tx.Append(ctx, out.events...); err != nil {
		return Done[T]{}, nil, nil, err
	}
	if sealed, err = tx.CommitBeforeSeal(); err != nil {
		return Done[T]{}, nil, nil, err
	}
	return Done[T]{Value: out.value}, out.refusal, sealed, nil
}

// Key is the Idempotency-Key of a request that may be retried: whose, on
// which route, the client's key, and a hash of the request it came with.
// The first answer is stored in the transaction of the change it made.
type Key struct {
	UserID      int64
	Route       string
	Key         string
	RequestHash string
}

func (k *Key) id() store.IdemKey { return store.IdemKey{UserID: k.UserID, Route: k.Route, Key: k.Key} }

// Done is a use case's answer. Replayed is true when it is the stored
// answer to an earlier request with the same Key; the error returned with
// it is then the refusal recorded the first time, if any.
type Done[T any] struct {
	Value    T
	Replayed bool
}

// refusal is a refusal as stored with an answer.
type refusal struct {
	Kind    apperr.Kind       `json:"kind"`
	Code    string            `json:"code,omitempty"`
	Message string            `json:"message"`
	Field   string            `json:"field,omitempty"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// encodeAnswer stores a typed answer: the value as JSON and the refusal
// committed with it (nil for none).
func encodeAnswer(value any, refused error) (result, ref []byte, err error) {
	if result, err = json.Marshal(value); err != nil {
		return nil, nil, apperr.Wrap(err, "encode the stored answer")
	}
	if refused == nil {
		return result, nil, nil
	}
	var e *apperr.Error
	if !errors.As(refused, &e) {
		e = apperr.Wrap(refused, "refusal")
	}
	ref, err = json.Marshal(refusal{Kind: e.Kind, Code: e.Code, Message: e.Message, Field: e.Field, Fields: e.Fields})
	if err != nil {
		return nil, nil, apperr.Wrap(err, "encode the stored refusal")
	}
	return result, ref, nil
}

// decodeAnswer turns a stored answer back into the typed one.
func decodeAnswer[T any](a store.IdemAnswer, requestHash string) (Done[T], error) {
	if a.RequestHash != requestHash {
		return Done[T]{}, apperr.WithCode(apperr.Conflict, "idempotency_key_reused",
			"this Idempotency-Key was already used for a different request; use a new key for a new request")
	}
	d := Done[T]{Replayed: true}
	if len(a.Result) > 0 {
		if err := json.Unmarshal(a.Result, &d.Value); err != nil {
			return Done[T]{}, apperr.Wrap(err, "decode the stored answer")
		}
	}
	if len(a.Refusal) == 0 {
		return d, nil
	}
	var r refusal
	if err := json.Unmarshal(a.Refusal, &r); err != nil {
		return Done[T]{}, apperr.Wrap(err, "decode the stored refusal")
	}
	return d, &apperr.Error{Kind: r.Kind, Code: r.Code, Message: r.Message, Field: r.Field, Fields: r.Fields}
}

// Replay returns the stored answer to key, if there is one (Done.Replayed
// is then true). A transport calls it before work that must not be
// repeated for a retry, such as checking a re-entered password; every use
// case replays by itself too.
func Replay[T any](ctx context.Context, s *Service, key *Key) (Done[T], error) {
	if key == nil {
		return Done[T]{}, nil
	}
	a, found, err := s.st.IdemAnswer(ctx, key.id())
	if err != nil || !found {
		return Done[T]{}, err
	}
	// The first request may still be waiting for its seal: the answer is
	// given again only once the change it reports is sealed and durable.
	if err := s.st.SealLog(ctx); err != nil {
		return Done[T]{}, err
	}
	return decodeAnswer[T](a, key.RequestHash)
}

// replayAfterClaim reads the answer of a key another request holds: its
// transaction has committed by the time the claim returns.
func replayAfterClaim[T any](ctx context.Context, s *Service, key *Key) (Done[T], error) {
	a, found, err := s.st.IdemAnswer(ctx, key.id())
	if err != nil {
		return Done[T]{}, err
	}
	if !found {
		return Done[T]{}, apperr.WithCode(apperr.Conflict, "retry", "a request with this Idempotency-Key is still running; try again")
	}
	if err := s.st.SealLog(ctx); err != nil {
		return Done[T]{}, err
	}
	return decodeAnswer[T](a, key.RequestHash)
}

// ScanInput is one scan of a component for a step.
type ScanInput struct {
	PreparationID int64
	StepID        string
	Data          string
	Actor         workflow.Actor
	Now           time.Time
	// Entry is scanner (the default) or typed, with its reason and witness.
	Entry workflow.Entry
	// ContainerNo confirms a container without a serial that looks like
	// one already scanned for the step as a different one (0: none).
	ContainerNo int
}

// RecordScan checks a scan against the step and records it. A refused scan
// is recorded and committed too, and then returned as the 422 refusal with
// the scan record as the answer.
func (s *Service) RecordScan(ctx context.Context, in ScanInput, key *Key) (Done[workflow.ScanRecord], error) {
	if d, err := Replay[workflow.ScanRecord](ctx, s, key); d.Replayed || err != nil {
		return d, err
	}
	// The formulary is read before the transaction, so that the write
	// slot and the preparation's row lock are held for as short as can be.
	resolved, resolveErr := s.resolveScan(ctx, in.Data, in.Now)
	if resolveErr != nil && apperr.KindOf(resolveErr) != apperr.Refused {
		return Done[workflow.ScanRecord]{}, resolveErr
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[workflow.ScanRecord], error) {
		p, facts, err := scanning(ctx, tx, in, resolved.GTIN)
		if err != nil {
			return outcome[workflow.ScanRecord]{}, err
		}
		if in.Entry.Source == "" {
			in.Entry.Source = workflow.SourceScanner
		}
		if err := p.Worksheet.CheckTyped(in.Entry, in.Actor.UserID); err != nil {
			return outcome[workflow.ScanRecord]{}, err
		}
		rec, refusal, err := s.judgeScan(ctx, tx, p, facts, in, resolved, resolveErr)
		if err != nil {
			return outcome[workflow.ScanRecord]{}, err
		}
		if err := tx.InsertScan(ctx, p.ID, &rec); err != nil {
			return outcome[workflow.ScanRecord]{}, err
		}
		return outcome[workflow.ScanRecord]{value: rec, refusal: refusal, events: []workflow.Event{p.ScanEvent(rec)}}, nil
	})
}

// scanning is working for a scan: the preparation locked and checked,
// with what the scan's decision reads about it (store.ScanFacts) read in
// the next round trip, rather than in one query each.
func scanning(ctx context.Context, tx *store.Tx, in ScanInput, gtin string) (*workflow.Preparation, store.ScanFacts, error) {
	p, err := tx.LockPreparation(ctx, in.PreparationID)
	if err != nil {
		return nil, store.ScanFacts{}, err
	}
	facts, err := tx.LockedScanFacts(ctx, p.ID, in.StepID, gtin, in.Now)
	if err != nil {
		return nil, store.ScanFacts{}, err
	}
	if err := mayWork(ctx, tx, p, workflow.ActScan, in.Actor, facts.Held); err != nil {
		return nil, store.ScanFacts{}, err
	}
	return p, facts, nil
}

// judgeScan decides a scan: the resolution's refusal, else the step's
// check, else the opened-container rules. refusal is the answer to the
// technician; err is a failure of the database.
func (s *Service) judgeScan(ctx context.Context, tx *store.Tx, p *workflow.Preparation, facts store.ScanFacts, in ScanInput, resolved workflow.Resolved, resolveErr error) (rec workflow.ScanRecord, refusal, err error) {
	ws := &p.Worksheet
	if _, err := ws.ScanStep(in.StepID); err != nil {
		return rec, nil, err
	}
	rec = workflow.ScanRecord{StepID: in.StepID, UserID: in.Actor.UserID, Data: in.Data, At: in.Now.UTC(),
		GTIN: resolved.GTIN, Lot: resolved.Lot, Serial: resolved.Serial, ExpiresAt: resolved.ExpiresAt, Entry: in.Entry}
	if resolved.Product.ID != 0 {
		pid := resolved.Product.ID
		rec.ProductID = &pid
	}
	refusal = resolveErr
	if refusal == nil {
		n := facts.AcceptedInStep
		var step *workflow.Step
		if step, refusal = ws.CheckScan(in.StepID, resolved, workflow.AcceptedCount(in.StepID, n)); refusal == nil {
			// The same container twice counts once: a serial seen before
			// is refused, a look-alike without one needs a counted
			// confirmation.
			rec.ContainerNo, refusal = workflow.CheckRepeat(step, resolved, facts.ScansOfGTIN, n, in.ContainerNo)
		}
	}
	if refusal == nil && resolved.Serial != "" && resolved.Lot != "" {
		// The in-use rules matter only for a serialised container. The
		// version in force at the scan was named by the scan's facts, read
		// in this transaction, so a new version applies from its start.
		rv, err := tx.BUDRules(ctx, facts, in.Now)
		if err != nil {
			return rec, nil, err
		}
		if refusal, err = trackContainer(ctx, tx, rv.Rules, resolved, p.ID, in, &rec); err != nil {
			return rec, nil, err
		}
	}
	if refusal == nil {
		rec.Accepted = true
		rec.Warning = ws.ExpiryWarning(resolved, s.loc)
		return rec, nil, nil
	}
	var ae *apperr.Error
	if errors.As(refusal, &ae) {
		rec.Code, rec.Message = ae.CodeOrKind(), ae.Message
	}
	return rec, refusal, nil
}

// scanLookup is the store as formulary.Lookup for one scan. The product
// found by GTIN comes with the recorded state of the scanned lot, read in
// the same round trip; LotByNumber then answers from it. It remembers the
// product found, so that a scan refused after the product was known
// (inactive, recalled, expired, no expiry) is still recorded with it.
type scanLookup struct {
	s     *store.Store
	lot   string // the scanned lot
	found *formulary.Product
	// lotRec is the scanned lot's record (nil: never recorded), known
	// once lotRead.
	lotRec  *formulary.Lot
	lotRead bool
}

func (l *scanLookup) ProductByGTIN(ctx context.Context, gtin14 string) (*formulary.Product, error) {
	p, lot, err := l.s.ProductForScan(ctx, gtin14, l.lot)
	if err == nil {
		l.found, l.lotRec, l.lotRead = p, lot, true
	}
	return p, err
}

func (l *scanLookup) ProductByNDC10(ctx context.Context, ndc10 string) (*formulary.Product, error) {
	p, err := l.s.ProductByNDC10(ctx, ndc10)
	if err == nil {
		l.found, l.lotRec, l.lotRead = p, nil, false
	}
	return p, err
}

func (l *scanLookup) LotByNumber(ctx context.Context, productID int64, lot string) (*formulary.Lot, error) {
	if !l.lotRead || l.found == nil || l.found.ID != productID || lot != l.lot {
		return l.s.LotByNumber(ctx, productID, lot)
	}
	if l.lotRec == nil {
		return nil, apperr.New(apperr.NotFound, "lot %s of product %d has no recorded status", lot, productID)
	}
	return l.lotRec, nil
}

// ResolveScan resolves a component scan exactly as POST /barcodes/parse
// does (formulary.ResolveParsed: case and carton GTINs by their NDC,
// withdrawn products refused), and also requires an expiry (AI 17): the
// parser reads a lot and expiry whose separator was dropped as one long
// lot, and a component whose expiry is unknown cannot limit the BUD. The
// refusal codes are bad_barcode, unknown_product, inactive_product,
// recalled and expired; a refused scan still carries what was read.
func (s *Service) resolveScan(ctx context.Context, data string, at time.Time) (workflow.Resolved, error) {
	sc, err := barcode.Parse(data, barcode.Options{Today: at.In(s.loc), HiddenAIs: true})
	if err != nil {
		return workflow.Resolved{}, formulary.BadBarcode(err)
	}
	r := workflow.Resolved{GTIN: sc.GTIN, Lot: sc.Lot, Serial: sc.Serial}
	if sc.Expiry != nil {
		end := formulary.ExpiryEnd(*sc.Expiry, s.loc)
		r.ExpiresAt = &end
	}
	lk := &scanLookup{s: s.st, lot: sc.Lot}
	res, err := formulary.ResolveParsed(ctx, lk, sc, formulary.ResolveOptions{Now: at, Location: s.loc, RequireExpiry: true})
	if lk.found != nil {
		r.Product = store.WorkflowProduct(lk.found)
	}
	if err != nil {
		if apperr.KindOf(err) == apperr.Refused && sc.Expiry == nil && lk.found != nil && lk.found.Active {
			// ResolveParsed's message names the symptom; say what the
			// parser may have done with the expiry too.
			var ae *apperr.Error
			if errors.As(err, &ae) && ae.Code == formulary.CodeBadBarcode {
				e := *ae
				e.Message = "the barcode carries no expiry date (AI 17)"
				if sc.Lot != "" {
					e.Message += fmt.Sprintf(" (lot read as %q: a missing separator can make the expiry part of the lot)", sc.Lot)
				}
				e.Message += "; scan the 2-D DataMatrix on the container, not the linear barcode"
				return r, &e
			}
		}
		return r, err
	}
	if res.Expiry != nil {
		r.ExpiresAt = res.Expiry
	}
	return r, nil
}

// trackContainer applies the opened-container rules to a serialised
// container: the first scan opens it (now, inside ISO 5); a later one must
// pass workflow.CheckContainer. A refusal is recorded with the scan; err is
// a failure of the database.
func trackContainer(ctx context.Context, tx *store.Tx, rules bud.Rules, r workflow.Resolved, prepID int64, in ScanInput, rec *workflow.ScanRecord) (refusal error, err error) {
	// The usual case is a container never seen: open it in one statement,
	// and read (and lock) the existing row only when that conflicts.
	id, opened, err := tx.OpenContainer(ctx, r, prepID, in.Actor.UserID, in.Now)
	if err != nil {
		return nil, err
	}
	if opened {
		rec.ContainerID = &id
		return nil, nil
	}
	oc, err := tx.LockContainer(ctx, r.GTIN, r.Lot, r.Serial)
	if err != nil {
		return nil, err
	}
	rec.ContainerID = &oc.ID
	return workflow.CheckContainer(rules, r, oc, prepID, in.Now), nil
}
