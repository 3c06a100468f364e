package workflow

import (
	"errors"
	"fmt"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
)

// ScanRecord is one recorded scan, accepted or refused.
type ScanRecord struct {
	ID          int64      `json:"id" db:"id"`
	StepID      string     `json:"step_id" db:"step_id"`
	UserID      int64      `json:"user_id" db:"user_id"`
	Data        string     `json:"data" db:"raw_data"`
	Accepted    bool       `json:"accepted" db:"accepted"`
	Code        string     `json:"code,omitempty" db:"refusal_code"`
	Message     string     `json:"message,omitempty" db:"refusal_message"`
	ProductID   *int64     `json:"product_id,omitempty" db:"product_id"`
	GTIN        string     `json:"gtin,omitempty" db:"gtin"`
	Lot         string     `json:"lot,omitempty" db:"lot"`
	Serial      string     `json:"serial,omitempty" db:"serial"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty" db:"expires_at"`
	ContainerID *int64     `json:"container_id,omitempty" db:"container_id"`
	Warning     string     `json:"warning,omitempty" db:"warning"`
	At          time.Time  `json:"at" db:"at"`
	// ContainerNo is set when the technician confirmed a container without
	// a serial that looks like one already scanned as a different one:
	// "container 2 of 2".
	ContainerNo int `json:"container_no,omitempty" db:"container_no"`
	// Entry says whether the barcode was scanned or typed.
	Entry
}

// WeightRecord is one recorded weight check.
type WeightRecord struct {
	ID        int64     `json:"id" db:"id"`
	StepID    string    `json:"step_id" db:"step_id"`
	UserID    int64     `json:"user_id" db:"user_id"`
	Measured  string    `json:"measured" db:"-"`
	Expected  string    `json:"expected" db:"-"`
	Deviation string    `json:"deviation" db:"-"`
	Tolerance string    `json:"tolerance" db:"-"`
	Pass      bool      `json:"pass" db:"pass"`
	At        time.Time `json:"at" db:"at"`
	// BalanceID and Raw are set for a weight the server read from a
	// balance: which one, and its own reply line.
	BalanceID *int64 `json:"balance_id,omitempty" db:"balance_id"`
	Raw       string `json:"raw,omitempty" db:"balance_raw"`
	// Entry says whether the weight was read from a balance or typed.
	Entry
}

// MarkRecord is a manual step marked done.
type MarkRecord struct {
	StepID string    `json:"step_id" db:"step_id"`
	UserID int64     `json:"user_id" db:"user_id"`
	At     time.Time `json:"at" db:"at"`
}

// Progress is everything recorded against a preparation's steps.
type Progress struct {
	Scans   []ScanRecord
	Weights []WeightRecord
	Marks   []MarkRecord
	// Photos counts photos per step.
	Photos map[string]int
}

// AcceptedCount is a progress that holds only the count of accepted scans
// of one step: all CheckScan needs, without loading every record.
func AcceptedCount(step string, n int) Progress {
	p := Progress{Scans: make([]ScanRecord, n)}
	for i := range p.Scans {
		p.Scans[i] = ScanRecord{StepID: step, Accepted: true}
	}
	return p
}

// acceptedScans counts the accepted scans of a step.
func (p Progress) acceptedScans(step string) int {
	n := 0
	for _, s := range p.Scans {
		if s.StepID == step && s.Accepted {
			n++
		}
	}
	return n
}

// lastWeight returns the latest weight of a step.
func (p Progress) lastWeight(step string) (WeightRecord, bool) {
	var w WeightRecord
	found := false
	for _, x := range p.Weights {
		if x.StepID == step && (!found || x.ID > w.ID) {
			w, found = x, true
		}
	}
	return w, found
}

// stepState is pending, done or failed, with a reason for the last two.
func (ws *Worksheet) stepState(s Step, p Progress) (string, string) {
	switch {
	case s.Kind.IsScan():
		n := p.acceptedScans(s.ID)
		if n >= max(s.Expects.Count, 1) {
			return "done", ""
		}
		return "pending", fmt.Sprintf("%d of %d containers scanned", n, max(s.Expects.Count, 1))
	case s.Kind == StepWeigh:
		w, ok := p.lastWeight(s.ID)
		switch {
		case !ok:
			return "pending", "not weighed yet"
		case !w.Pass:
			return "failed", fmt.Sprintf("the last weight %s deviates %s from %s; redo it", w.Measured, w.Deviation, w.Expected)
		}
		return "done", ""
	case s.Kind == StepPhoto:
		if p.Photos[s.ID] > 0 {
			return "done", ""
		}
		if s.EvidenceFor != "" {
			// A photo that evidences a draw is done only by the photo.
			return "pending", "no photo of the syringe yet"
		}
		for _, m := range p.Marks {
			if m.StepID == s.ID {
				return "done", ""
			}
		}
		return "pending", "no photo yet"
	}
	for _, m := range p.Marks {
		if m.StepID == s.ID {
			return "done", ""
		}
	}
	return "pending", "not marked done"
}

// Apply fills each step's State and Done from the progress.
func (ws *Worksheet) Apply(p Progress) {
	for i := range ws.Steps {
		st, _ := ws.stepState(ws.Steps[i], p)
		ws.Steps[i].State = st
		ws.Steps[i].Done = st == "done"
	}
}

// Incomplete returns nil when every step is done, else a 422
// steps_incomplete naming the first step missing or failed.
func (ws *Worksheet) Incomplete(p Progress) error {
	var missing []string
	var first *apperr.Error
	for _, s := range ws.Steps {
		st, why := ws.stepState(s, p)
		if st == "done" {
			continue
		}
		missing = append(missing, s.ID)
		if first == nil {
			first = apperr.WithCode(apperr.Refused, "steps_incomplete", "the step %q is %s: %s", s.Instruction, map[string]string{"pending": "not done yet", "failed": "failed and must be redone"}[st], why)
			first.Field = s.ID
		}
	}
	if first == nil {
		return nil
	}
	if len(missing) > 1 {
		first.Message += fmt.Sprintf("; %d steps are not done: %v", len(missing), missing)
		first.Fields = map[string]string{}
		for _, m := range missing {
			first.Fields[m] = "not done"
		}
	}
	return first
}

// Refusal is a 422 refusal of a scan with its documented code.
func Refusal(code, format string, args ...any) *apperr.Error {
	return apperr.WithCode(apperr.Refused, code, format, args...)
}

// CheckScan decides whether a resolved scan may stand for step stepID: the
// step must be a scan step still short of containers, and the product one
// it allows. It returns the step, or a 400 for a bad step ID, or a 422
// wrong_product / wrong_strength / step_already_done refusal.
func (ws *Worksheet) CheckScan(stepID string, r Resolved, p Progress) (*Step, error) {
	s, err := ws.ScanStep(stepID)
	if err != nil {
		return nil, err
	}
	if n := p.acceptedScans(s.ID); n >= max(s.Expects.Count, 1) {
		return s, Refusal("step_already_done", "this step already has the %d container(s) it needs; scan for the next step", n)
	}
	for _, id := range s.Expects.ProductIDs {
		if id == r.Product.ID {
			return s, nil
		}
	}
	want := ws.Product
	if s.Kind == StepScanDiluent && ws.Diluent != nil {
		want = *ws.Diluent
	}
	if s.Of != "" {
		for _, p := range ws.AllowedDiluents {
			if len(s.Expects.ProductIDs) > 0 && p.ID == s.Expects.ProductIDs[0] {
				want = p
			}
		}
	}
	if r.Product.Drug == want.Drug {
		return s, Refusal("wrong_strength", "scanned %s, but this step needs %s: same drug, wrong strength or size",
			r.Product.Label(), want.Label())
	}
	return s, Refusal("wrong_product", "scanned %s, but this step needs %s", r.Product.Label(), want.Label())
}

// ScanStep returns the scan step with the given ID, or a 400 naming step_id.
func (ws *Worksheet) ScanStep(stepID string) (*Step, error) {
	s, ok := ws.Step(stepID)
	if !ok {
		return nil, apperr.InvalidField("step_id", "%q is not a step of this preparation", short(stepID))
	}
	if !s.Kind.IsScan() {
		return nil, apperr.InvalidField("step_id", "step %s is a %s step, not a scan step", s.ID, s.Kind)
	}
	return s, nil
}

// ExpiryWarning says when a lot expires before the provisional BUD, which
// shortens the BUD; "" otherwise.
func (ws *Worksheet) ExpiryWarning(r Resolved, loc *time.Location) string {
	if r.ExpiresAt == nil || ws.BUD == nil || !r.ExpiresAt.Before(ws.BUD.BUD) {
		return ""
	}
	return fmt.Sprintf("lot %s expires %s, before the BUD %s: the BUD will be shortened to the lot expiry",
		r.Lot, r.ExpiresAt.In(loc).Format("2006-01-02 15:04"), ws.BUD.BUD.In(loc).Format("2006-01-02 15:04"))
}

// OpenedContainer is a tracked container (GTIN + lot + serial) and when it
// was first punctured.
type OpenedContainer struct {
	ID                 int64         `db:"id"`
	ProductID          int64         `db:"product_id"`
	Container          bud.Container `db:"container"`
	OpenedAt           time.Time     `db:"opened_at"`
	ISO5               bool          `db:"iso5"`
	FirstPreparationID int64         `db:"first_preparation_id"`
}

// ScanEvent is the log entry of a recorded scan, accepted or refused.
func (p *Preparation) ScanEvent(rec ScanRecord) Event {
	typ := EvScanAccepted
	if !rec.Accepted {
		typ = EvScanRefused
	}
	payload := map[string]any{"scan_id": rec.ID, "step_id": rec.StepID, "data": rec.Data, "gtin": rec.GTIN,
		"lot": rec.Lot, "serial": rec.Serial, "product_id": rec.ProductID}
	if rec.ExpiresAt != nil {
		payload["expires_at"] = rec.ExpiresAt.UTC()
	}
	if !rec.Accepted {
		payload["code"], payload["message"] = rec.Code, rec.Message
	}
	if rec.ContainerNo > 0 {
		payload["container_no"] = rec.ContainerNo
		if s, ok := p.Worksheet.Step(rec.StepID); ok {
			payload["confirmed"] = fmt.Sprintf("container %d of %d", rec.ContainerNo, max(s.Expects.Count, 1))
		}
	}
	rec.Entry.payload(payload)
	return p.event(typ, rec.UserID, payload)
}

// CheckContainer decides whether a scanned container may be drawn from now
// for preparation prepID. oc is its tracking row (nil for a container never
// punctured). A single-dose container or bag used in another preparation is
// refused already_used (the same package scanned twice); an ampule is never
// reused; a multiple-dose or bulk container must be within its in-use
// limit (in_use_expired with the time it expired).
func CheckContainer(rules bud.Rules, r Resolved, oc *OpenedContainer, prepID int64, now time.Time) error {
	if oc == nil {
		return nil
	}
	c := r.Product.Container
	other := oc.FirstPreparationID != prepID
	if other && (c == bud.ContainerSingleDose || c == bud.ContainerBag) {
		return Refusal("already_used", "this %s (lot %s, serial %s) was already used for preparation %d: the same package cannot be scanned for another preparation",
			describeContainer(c), r.Lot, r.Serial, oc.FirstPreparationID)
	}
	if c == bud.ContainerBag || (!other && c == bud.ContainerAmpule) {
		return nil
	}
	comp := bud.Component{
		Name: r.Product.Label() + " lot " + r.Lot + " serial " + r.Serial, Container: c,
		OpenedAt: &oc.OpenedAt, InUseLimit: r.Product.InUseLimit, PuncturedOutsideISO5: !oc.ISO5,
	}
	if r.ExpiresAt != nil {
		comp.ExpiresAt = *r.ExpiresAt
	}
	if _, err := bud.CheckInUse(rules, comp, now); err != nil {
		var be *bud.Error
		if errors.As(err, &be) {
			e := Refusal(be.Code, "%s", be.Message)
			if be.Code == bud.CodeRequired {
				e.Code = "in_use_limit_unknown"
			}
			if !be.At.IsZero() {
				e.Message += fmt.Sprintf(" (in-use limit ended %s)", be.At.UTC().Format(time.RFC3339))
			}
			return e
		}
		return apperr.Wrap(err, "in-use check failed")
	}
	return nil
}

func describeContainer(c bud.Container) string {
	switch c {
	case bud.ContainerSingleDose:
		return "single-dose container"
	case bud.ContainerBag:
		return "bag"
	}
	return string(c)
}
