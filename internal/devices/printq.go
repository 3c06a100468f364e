package devices

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// PrintSettings tune the print queue.
type PrintSettings struct {
	// DialTimeout and WriteTimeout bound one attempt.
	DialTimeout, WriteTimeout time.Duration
	// MaxAttempts before a job is marked failed.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after n failed ones.
	Backoff func(n int) time.Duration
	// Poll is how long the queue waits before its first look.
	Poll time.Duration
}

// DefaultPrintSettings: 3 s to connect, 5 s to send, 5 attempts 2, 4, 8
// and 16 s apart (about half a minute before a job is given up).
func DefaultPrintSettings() PrintSettings {
	return PrintSettings{DialTimeout: 3 * time.Second, WriteTimeout: 5 * time.Second, MaxAttempts: 5,
		Backoff: func(n int) time.Duration { return time.Duration(1<<min(n, 6)) * time.Second }, Poll: 2 * time.Second}
}

// SetPrintSettings replaces the queue's settings (tests shorten them).
func (s *Service) SetPrintSettings(p PrintSettings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.printer = p
}

func (s *Service) printSettings() PrintSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.printer
}

// PrintJob is one label sent (or to be sent) to a printer.
type PrintJob struct {
	ID            int64      `json:"id" db:"id"`
	PrinterID     int64      `json:"printer_id" db:"printer_id"`
	Printer       string     `json:"printer" db:"printer_name"`
	PreparationID int64      `json:"preparation_id" db:"preparation_id"`
	LabelSeq      int        `json:"label_seq" db:"label_seq"`
	LabelData     string     `json:"label_data" db:"label_data"`
	Status        string     `json:"status" db:"status"`
	Attempts      int        `json:"attempts" db:"attempts"`
	MaxAttempts   int        `json:"max_attempts" db:"max_attempts"`
	NextAttemptAt time.Time  `json:"next_attempt_at" db:"next_attempt_at"`
	LastError     string     `json:"last_error,omitempty" db:"last_error"`
	RequestedBy   int64      `json:"requested_by" db:"requested_by"`
	CreatedAt     time.Time  `json:"created_at" db:"created_at"`
	PrintedAt     *time.Time `json:"printed_at,omitempty" db:"printed_at"`
}

// PrintRequest asks for a label on a printer.
type PrintRequest struct {
	PrinterID int64
	Label     workflow.Label
	Actor     int64
}

// Enqueue renders the label as ZPL for the printer's stock and queues it.
// The job is visible at once (status queued) and audited; the queue sends it.
func (s *Service) Enqueue(ctx context.Context, r PrintRequest) (PrintJob, error) {
	p, err := s.activePrinter(ctx, r.PrinterID)
	if err != nil {
		return PrintJob{}, err
	}
	zpl, err := r.Label.ZPL(p.Stock())
	if err != nil {
		return PrintJob{}, err
	}
	var id int64
	err = s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		if err := tx.GetContext(ctx, &id, query("job-insert"), p.ID, r.Label.PreparationID, r.Label.Seq, r.Label.Data,
			string(zpl), s.printSettings().MaxAttempts, s.now(), r.Actor); err != nil {
			return nil, err
		}
		return []audit.Event{event(EvPrintQueued, r.Actor, r.Label.PreparationID, map[string]any{
			"job_id": id, "printer_id": p.ID, "printer": p.Name, "seq": r.Label.Seq, "label_data": r.Label.Data})}, nil
	})
	if err != nil {
		return PrintJob{}, err
	}
	s.Wake()
	return s.Job(ctx, id)
}

// Job returns one print job.
func (s *Service) Job(ctx context.Context, id int64) (PrintJob, error) {
	var j PrintJob
	if err := s.db.GetContext(ctx, &j, query("job-get"), id); err != nil {
		return PrintJob{}, store.Translate(notFound(err, "print job", id))
	}
	return j, nil
}

// Jobs lists print jobs, newest first, of one preparation (0: all) and one
// status ("" = any).
func (s *Service) Jobs(ctx context.Context, prepID int64, status string) ([]PrintJob, error) {
	switch status {
	case "", "queued", "printed", "failed":
	default:
		return nil, apperr.InvalidField("status", "%q is not queued, printed or failed", status)
	}
	jobs := []PrintJob{}
	if err := s.db.SelectContext(ctx, &jobs, query("job-list"), prepID, status); err != nil {
		return nil, store.Translate(err)
	}
	return jobs, nil
}

// Retry queues a failed job again with fresh attempts (audited).
func (s *Service) Retry(ctx context.Context, id int64, actor int64) (PrintJob, error) {
	err := s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		var row struct {
			Prep int64 `db:"preparation_id"`
			Seq  int   `db:"label_seq"`
		}
		err := tx.GetContext(ctx, &row, query("job-requeue"), id, s.now())
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := s.Job(ctx, id); err != nil {
				return nil, err
			}
			return nil, apperr.WithCode(apperr.Conflict, "not_failed", "print job %d has not failed: only a failed job is retried", id)
		}
		if err != nil {
			return nil, err
		}
		return []audit.Event{event(EvPrintRetried, actor, row.Prep, map[string]any{"job_id": id, "seq": row.Seq})}, nil
	})
	if err != nil {
		return PrintJob{}, err
	}
	s.Wake()
	return s.Job(ctx, id)
}

// LabelPrinted says how a label went to printers: "printed" when a job of
// it printed, else the newest job's status ("queued", "failed"), or ""
// when it was never sent to a printer.
func (s *Service) LabelPrinted(ctx context.Context, prepID int64, seq int) (string, error) {
	var st string
	err := s.db.GetContext(ctx, &st, query("job-label-printed"), prepID, seq)
	return st, store.Translate(err)
}

// Wake makes the queue look for due jobs now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// RunPrintQueue sends due jobs until ctx ends. Several instances may run it
// on one database: each job is locked while it is sent. It looks when woken
// (a job queued or retried here), when the next retry falls due, and once
// a minute for jobs another instance queued; the first look waits one poll
// interval, so a server that just started has its connections to itself.
func (s *Service) RunPrintQueue(ctx context.Context) {
	wait := s.printSettings().Poll
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(wait):
		}
		if _, err := s.ProcessDue(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("print queue", "err", err)
		}
		wait = s.untilNextDue(ctx)
	}
}

// untilNextDue is how long until the next queued job is due (at most a
// minute).
func (s *Service) untilNextDue(ctx context.Context) time.Duration {
	var next *time.Time
	if err := s.db.GetContext(ctx, &next, query("job-next-due")); err != nil || next == nil {
		return time.Minute
	}
	return min(max(next.Sub(s.now()), 10*time.Millisecond), time.Minute)
}

// ProcessDue sends every job that is due now and returns how many it tried.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		did, err := s.processOne(ctx)
		if err != nil || !did {
			return n, err
		}
		n++
	}
	return n, nil
}

type dueJob struct {
	ID          int64  `db:"id"`
	ZPL         string `db:"zpl"`
	Address     string `db:"address"`
	Attempts    int    `db:"attempts"`
	MaxAttempts int    `db:"max_attempts"`
	Prep        int64  `db:"preparation_id"`
	Seq         int    `db:"label_seq"`
	Data        string `db:"label_data"`
	RequestedBy int64  `db:"requested_by"`
}

// processOne sends the oldest due job, holding its row lock while it does,
// and records the outcome in the same transaction.
func (s *Service) processOne(ctx context.Context) (bool, error) {
	did := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) ([]audit.Event, error) {
		var j dueJob
		err := tx.GetContext(ctx, &j, query("job-claim-due"), s.now())
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		did = true
		set := s.printSettings()
		sendErr := sendZPL(ctx, j.Address, []byte(j.ZPL), set)
		now := s.now()
		payload := map[string]any{"job_id": j.ID, "seq": j.Seq, "label_data": j.Data, "attempt": j.Attempts + 1, "address": j.Address}
		switch {
		case sendErr == nil:
			if _, err := tx.ExecContext(ctx, query("job-printed"), j.ID, now); err != nil {
				return nil, err
			}
			return []audit.Event{event(EvPrinted, 0, j.Prep, payload)}, nil
		case j.Attempts+1 >= j.MaxAttempts:
			if _, err := tx.ExecContext(ctx, query("job-failed"), j.ID, sendErr.Error()); err != nil {
				return nil, err
			}
			payload["error"] = sendErr.Error()
			return []audit.Event{event(EvPrintFailed, 0, j.Prep, payload)}, nil
		default:
			next := now.Add(set.Backoff(j.Attempts + 1))
			_, err := tx.ExecContext(ctx, query("job-retry-later"), j.ID, next, sendErr.Error())
			return nil, err
		}
	})
	return did, err
}

// sendZPL sends a label over a raw TCP connection (port 9100).
func sendZPL(ctx context.Context, addr string, zpl []byte, set PrintSettings) error {
	d := net.Dialer{Timeout: set.DialTimeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return printError(addr, err)
	}
	defer conn.Close()
	_ = conn.SetWriteDeadline(time.Now().Add(set.WriteTimeout))
	if _, err := conn.Write(zpl); err != nil {
		return printError(addr, err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		if err := tc.CloseWrite(); err != nil {
			return printError(addr, err)
		}
	}
	return nil
}

// printError says in plain words why a label did not reach the printer.
func printError(addr string, err error) error {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("the printer at %s refused the connection: check it is switched on, online and set to raw printing on this port", addr)
	case errors.Is(err, os.ErrDeadlineExceeded) || isNetTimeout(err):
		return fmt.Errorf("the printer at %s did not answer in time: check it is switched on and connected", addr)
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE):
		return fmt.Errorf("the printer at %s dropped the connection while the label was sent", addr)
	}
	return fmt.Errorf("the label could not be sent to the printer at %s: %v", addr, err)
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
