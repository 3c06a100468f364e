package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/internal/hl7"
	"github.com/laminar-rx/laminar/internal/mllp"
	"github.com/laminar-rx/laminar/internal/store"
)

// Outbox retry policy: the wait doubles from BackoffBase up to BackoffMax;
// after MaxAttempts the message is marked failed for a person to look at.
const (
	BackoffBase = 2 * time.Second
	BackoffMax  = 10 * time.Minute
	MaxAttempts = 30
)

// Backoff is the wait before attempt n+1 after n failed attempts.
func Backoff(n int) time.Duration {
	d := BackoffBase
	for i := 1; i < n && d < BackoffMax; i++ {
		d *= 2
	}
	return min(d, BackoffMax)
}

// EnqueueDispense writes the RDS^O13 of a released (kind "dispense") or
// wasted ("waste") preparation into the outbox, in tx: the transaction of
// the release or waste itself, so the message exists if and only if the
// event does. Nothing is written when no outbound address is configured.
func (s *Service) EnqueueDispense(ctx context.Context, tx *store.Tx, prepID int64, kind, reason string, now time.Time) error {
	if s.opt.Outbound == "" {
		return nil
	}
	row, err := tx.DispensedRow(ctx, prepID)
	if err != nil {
		return err
	}
	if row.ReleasedAt == nil {
		row.ReleasedAt = &now
	}
	d := dispenseOf(row, kind, reason)
	if kind == "waste" {
		d.At = now
	}
	d.Receiver = row.Sender
	return tx.EnqueueOutbox(ctx, store.OutboxItem{Kind: kind, PreparationID: prepID, Destination: s.opt.Outbound,
		ControlID: d.ControlID(), Body: d.RDS(), CreatedAt: now})
}

// RunOutbox sends due outbox messages until ctx ends, polling every
// interval when there is nothing to send.
func (s *Service) RunOutbox(ctx context.Context, interval time.Duration) {
	for {
		sent, err := s.st.SendDue(ctx, s.opt.Now(), s.send)
		if err != nil && ctx.Err() == nil {
			s.opt.Log.Warn("outbox", "err", err)
		}
		if sent && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// send delivers one message over MLLP and reads its acknowledgment.
func (s *Service) send(it store.OutboxItem) store.SendResult {
	retry := func(ack string, err error) store.SendResult {
		r := store.SendResult{AckCode: ack, Err: err}
		if it.Attempts+1 < MaxAttempts {
			r.Retry = s.opt.Now().Add(Backoff(it.Attempts + 1))
		}
		return r
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := mllp.Dial(ctx, it.Destination)
	if err != nil {
		return retry("", err)
	}
	defer c.Close()
	c.Timeout = 15 * time.Second
	raw, err := c.Send(it.Body)
	if err != nil {
		return retry("", err)
	}
	ack, err := hl7.Parse(raw)
	if err != nil {
		return retry("", fmt.Errorf("unreadable acknowledgment: %w", err))
	}
	code := ack.Get("MSA-1")
	if got := ack.Get("MSA-2"); got != it.ControlID {
		return retry(code, fmt.Errorf("acknowledgment is for %q, not %q", got, it.ControlID))
	}
	switch code {
	case "AA", "CA":
		return store.SendResult{AckCode: code}
	}
	msg := ack.Get("ERR-8")
	if msg == "" {
		msg = ack.Get("MSA-3")
	}
	return retry(code, fmt.Errorf("refused with %s: %s", code, msg))
}
