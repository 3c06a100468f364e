package workflow

import (
	"fmt"
	"strings"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// The sources of a scan or a weight: read by a device, or typed by a person.
const (
	SourceScanner = "scanner"
	SourceBalance = "balance"
	SourceTyped   = "typed"
)

// MaxTypedReason bounds the reason given for a typed entry.
const MaxTypedReason = 500

// Entry says how a scan or a weight reached Laminar. A typed one carries
// the reason the person gave and, where the site requires it, the second
// person who witnessed it (their badge and PIN were checked).
type Entry struct {
	Source      string `json:"source" db:"source"`
	TypedReason string `json:"typed_reason,omitempty" db:"typed_reason"`
	WitnessID   *int64 `json:"witness_id,omitempty" db:"witness_id"`
}

// Typed reports whether the entry was typed by hand.
func (e Entry) Typed() bool { return e.Source == SourceTyped }

// payload adds the entry's marks to a log event's payload: every typed
// entry says so, with its reason and witness.
func (e Entry) payload(m map[string]any) {
	m["source"] = e.Source
	if e.Typed() {
		m["typed"] = true
		m["typed_reason"] = e.TypedReason
		if e.WitnessID != nil {
			m["witness_id"] = *e.WitnessID
		}
	}
}

// Payload is payload for callers outside the package (the weight event).
func (e Entry) Payload(m map[string]any) { e.payload(m) }

// NeedsWitness reports whether a typed entry on this worksheet needs a
// second person: the site's rule as it stood when the worksheet was
// computed, or, for a worksheet computed before the rule existed, the
// default (high-alert medications).
func (ws *Worksheet) NeedsWitness() bool {
	if ws.TypedWitness != nil {
		return *ws.TypedWitness
	}
	return ws.HighAlert != nil
}

// CheckTyped decides whether a typed entry may be recorded for actor: it
// needs a reason (422 reason_required on "reason") and, where the
// worksheet needs one, a witness who is not the actor (422
// witness_required on "witness_badge", witness_not_independent).
func (ws *Worksheet) CheckTyped(e Entry, actor int64) error {
	if !e.Typed() {
		return nil
	}
	if strings.TrimSpace(e.TypedReason) == "" {
		return typedRefusal("reason_required", "reason",
			"a typed entry needs a reason: say why the scanner or the balance could not be used")
	}
	if len(e.TypedReason) > MaxTypedReason {
		return apperr.InvalidField("reason", "is longer than %d characters", MaxTypedReason)
	}
	if e.WitnessID != nil && *e.WitnessID == actor {
		return typedRefusal("witness_not_independent", "witness_badge",
			"the witness must be a second person: you cannot witness your own typed entry")
	}
	if ws.NeedsWitness() && e.WitnessID == nil {
		what := "this site requires"
		if ws.HighAlert != nil {
			what = ws.Product.Name() + " is a high-alert medication: this site requires"
		}
		return typedRefusal("witness_required", "witness_badge",
			"%s a second person to witness a typed entry: they scan their badge and type their PIN", what)
	}
	return nil
}

func typedRefusal(code, field, format string, args ...any) *apperr.Error {
	e := Refusal(code, format, args...)
	e.Field = field
	return e
}

// CheckRepeat decides whether a scanned container is a new one for this
// preparation. earlier are the preparation's accepted scans of the same
// GTIN; inStep counts every container accepted for the step so far. A serialised container scanned before (same GTIN and serial, any
// step) is refused already_scanned. A container without a serial that
// looks like one already accepted for the step (same lot and expiry) is
// accepted only as a counted confirmation: confirm must be the next
// container's number ("container 2 of 2"), which is returned to be
// recorded; otherwise it is refused already_scanned on "container_no".
func CheckRepeat(s *Step, r Resolved, earlier []ScanRecord, inStep, confirm int) (containerNo int, err error) {
	if r.Serial != "" {
		for _, e := range earlier {
			if e.Accepted && e.GTIN == r.GTIN && e.Serial == r.Serial {
				return 0, Refusal("already_scanned",
					"this container (lot %s, serial %s) was already scanned for this preparation: each container counts once; scan the next one",
					r.Lot, r.Serial)
			}
		}
		return 0, nil
	}
	same := false
	for _, e := range earlier {
		if !e.Accepted || e.StepID != s.ID {
			continue
		}
		if e.GTIN == r.GTIN && e.Serial == "" && e.Lot == r.Lot && sameExpiry(e.ExpiresAt, r.ExpiresAt) {
			same = true
		}
	}
	if !same {
		return 0, nil
	}
	next, of := inStep+1, max(s.Expects.Count, 1)
	if confirm == next && next <= of {
		return confirm, nil
	}
	e := Refusal("already_scanned",
		"this looks like a container already scanned for this step (lot %s, same expiry, no serial number): scan a container of another lot, or confirm that this is a different container, number %d of %d",
		r.Lot, next, of)
	if confirm != 0 {
		e.Message += fmt.Sprintf(" (the confirmation said %d)", confirm)
	}
	e.Field = "container_no"
	e.Fields = map[string]string{"container_no": fmt.Sprint(next), "count": fmt.Sprint(of)}
	return 0, e
}

func sameExpiry(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	// The database keeps microseconds (and rounds a day's last nanosecond
	// to the next midnight); expiries are days apart.
	d := a.Sub(*b)
	return d < time.Second && d > -time.Second
}

// ScansBefore returns the scan steps whose components a manual step uses:
// the reconstitution diluent's scan before the powder is dissolved, the
// dilution diluent's before the dilution is made. They must be done first.
func (ws *Worksheet) ScansBefore(stepID string) []Step {
	s, ok := ws.Step(stepID)
	if !ok {
		return nil
	}
	of := ""
	switch s.Kind {
	case StepReconstitute:
		of = OfReconDiluent
	case StepDilute:
		of = OfDilutionDiluent
	default:
		return nil
	}
	var out []Step
	for _, x := range ws.Steps {
		if x.Kind == StepScanDiluent && x.Of == of {
			out = append(out, x)
		}
	}
	return out
}

// ScanFirst is the refusal of a manual step marked before the scan of a
// component it uses.
func ScanFirst(step string, scan Step) error {
	return typedRefusal("scan_first", scan.ID,
		"this step uses a component not scanned yet: first do the step %q", scan.Instruction)
}
