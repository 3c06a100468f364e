package workflow

import (
	"fmt"
	"time"
)

// Exception is one line of a preparation's exceptions summary, the first
// thing the pharmacist reads: what was unusual, in plain words, the step it
// happened at and the anchor of its details on the evidence page.
type Exception struct {
	// Kind is no_dose_evidence, insufficient_dose_evidence, downtime,
	// override, typed_entry, refused_scan or weight_retried.
	Kind   string `json:"kind"`
	Step   string `json:"step,omitempty"`
	Text   string `json:"text"`
	Anchor string `json:"anchor,omitempty"`
}

// Exception kinds.
const (
	ExNoDoseEvidence           = "no_dose_evidence"
	ExInsufficientDoseEvidence = "insufficient_dose_evidence"
	ExDowntime                 = "downtime"
	ExOverride                 = "override"
	ExTypedEntry               = "typed_entry"
	ExRefusedScan              = "refused_scan"
	ExWeightRetried            = "weight_retried"
)

// ExceptionFacts are the facts kept outside the preparation's own records:
// the pharmacist overrides of its dose limits and its paper record.
type ExceptionFacts struct {
	Overrides []OverrideFact
	// Downtime is set when the preparation was made on paper during downtime.
	Downtime bool
	Location *time.Location
}

// OverrideFact is one pharmacist override: who, when, why.
type OverrideFact struct {
	By     string
	At     time.Time
	Reason string
}

// Exceptions lists what was unusual about a preparation, most serious
// first: draws without (or with less than) the dose evidence required, a
// paper record, overrides, typed entries, refused scans and weights that
// had to be retried. An empty list means nothing unusual.
func (p *Preparation) Exceptions(f ExceptionFacts) []Exception {
	ws := &p.Worksheet
	out := []Exception{}
	out = append(out, p.evidenceExceptions()...)
	if f.Downtime {
		out = append(out, Exception{Kind: ExDowntime, Anchor: "h-downtime",
			Text: "Made on paper during downtime: nothing was scanned or weighed by Laminar; compare with the paper worksheet."})
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	for _, o := range f.Overrides {
		out = append(out, Exception{Kind: ExOverride, Anchor: "h-limits",
			Text: fmt.Sprintf("Dose limits overridden by %s on %s: %s", o.By, o.At.In(loc).Format("2006-01-02 15:04"), o.Reason)})
	}
	out = append(out, typedEntries(ws, p.Progress)...)
	for _, s := range p.Progress.Scans {
		if s.Accepted {
			continue
		}
		out = append(out, Exception{Kind: ExRefusedScan, Step: s.StepID, Anchor: fmt.Sprintf("scan-%d", s.ID),
			Text: fmt.Sprintf("Scan refused at %s: %s", ws.stepName(s.StepID), or(s.Message, s.Code))})
	}
	return append(out, weightsRetried(ws, p.Progress)...)
}

// evidenceExceptions lists draws whose evidence is short of the policy
// (no weight possible), and, once compounding is over, draws with no
// evidence at all.
func (p *Preparation) evidenceExceptions() []Exception {
	ws := &p.Worksheet
	var out []Exception
	over := p.Status == StatusCompleted || p.Status == StatusSecondCheck || p.Status == StatusVerified || p.Status == StatusReleased || p.Status == StatusRejected
	for _, s := range ws.Steps {
		ev := s.Evidence
		if ev != nil && ev.Missing == EvidenceWeight {
			out = append(out, Exception{Kind: ExInsufficientDoseEvidence, Step: s.ID, Anchor: "step-" + s.ID,
				Text: fmt.Sprintf("High-alert drug drawn without a weight (%s): %s.", ws.stepName(s.ID), ev.Reason)})
		}
		if !over || (s.Kind != StepDraw && s.Kind != StepDilute) {
			continue
		}
		if err := ws.drawEvidence(s, p.Progress); err != "" {
			out = append(out, Exception{Kind: ExNoDoseEvidence, Step: s.ID, Anchor: "step-" + s.ID,
				Text: fmt.Sprintf("No dose evidence for the draw (%s): %s.", ws.stepName(s.ID), err)})
		}
	}
	return out
}

// drawEvidence says what evidence of draw s is missing, "" when none.
func (ws *Worksheet) drawEvidence(s Step, p Progress) string {
	ev := s.Evidence
	if ev == nil {
		if s.Kind == StepDraw && !ws.anyDoseEvidence(p) {
			return "neither a weight nor a photo was recorded"
		}
		return ""
	}
	if ev.WeighStep != "" {
		if w, ok := p.lastWeight(ev.WeighStep); !ok || !w.Pass {
			return "no weight within tolerance"
		}
	}
	if ev.PhotoStep != "" && p.Photos[ev.PhotoStep] == 0 {
		return "no photo of the syringe"
	}
	return ""
}

// typedEntries lists codes typed instead of scanned, each with its
// reason, and per weigh step the weights typed rather than read from a
// balance.
func typedEntries(ws *Worksheet, p Progress) []Exception {
	var out []Exception
	for _, s := range p.Scans {
		if s.Entry.Typed() {
			out = append(out, Exception{Kind: ExTypedEntry, Step: s.StepID, Anchor: fmt.Sprintf("scan-%d", s.ID),
				Text: fmt.Sprintf("Code typed by hand at %s, not scanned%s", ws.stepName(s.StepID), reasonText(s.Entry))})
		}
	}
	typed, first := map[string][]WeightRecord{}, map[string]int64{}
	for _, w := range p.Weights {
		if w.Entry.Typed() || w.BalanceID == nil {
			if len(typed[w.StepID]) == 0 {
				first[w.StepID] = w.ID
			}
			typed[w.StepID] = append(typed[w.StepID], w)
		}
	}
	for _, s := range ws.Steps {
		typedHere := typed[s.ID]
		if len(typedHere) == 0 {
			continue
		}
		what := "Weight"
		if len(typedHere) > 1 {
			what = fmt.Sprintf("%d weights", len(typedHere))
		}
		out = append(out, Exception{Kind: ExTypedEntry, Step: s.ID, Anchor: fmt.Sprintf("weight-%d", first[s.ID]),
			Text: fmt.Sprintf("%s typed at %s, not read from a balance%s", what, ws.stepName(s.ID), reasonText(typedHere[len(typedHere)-1].Entry))})
	}
	return out
}

// reasonText is ": reason …" for a typed entry that gave one.
func reasonText(e Entry) string {
	if e.TypedReason == "" {
		return ""
	}
	return " (reason: " + e.TypedReason + ")"
}

// weightsRetried lists weigh steps with weights out of tolerance: how many,
// and whether a later weight passed.
func weightsRetried(ws *Worksheet, p Progress) []Exception {
	var out []Exception
	for _, s := range ws.Steps {
		if s.Kind != StepWeigh {
			continue
		}
		failed, first := 0, int64(0)
		for _, w := range p.Weights {
			if w.StepID == s.ID && !w.Pass {
				if failed == 0 {
					first = w.ID
				}
				failed++
			}
		}
		if failed == 0 {
			continue
		}
		end := "and has not passed yet"
		if last, ok := p.lastWeight(s.ID); ok && last.Pass {
			end = "before a weight within tolerance"
		}
		times := "once"
		if failed > 1 {
			times = fmt.Sprintf("%d times", failed)
		}
		out = append(out, Exception{Kind: ExWeightRetried, Step: s.ID, Anchor: fmt.Sprintf("weight-%d", first),
			Text: fmt.Sprintf("Weight out of tolerance %s at %s, %s", times, ws.stepName(s.ID), end)})
	}
	return out
}

// stepWords names step kinds in plain words.
var stepWords = map[StepKind]string{
	StepScanDiluent: "scan of the bag", StepScanVial: "scan of the vials", StepReconstitute: "reconstitution",
	StepDraw: "draw", StepWeigh: "weight", StepInject: "injection", StepInspect: "inspection",
	StepPhoto: "photo", StepDilute: "dilution",
}

// stepName is "step 4 (weight)": the step's number and kind in plain words.
func (ws *Worksheet) stepName(id string) string {
	for i, s := range ws.Steps {
		if s.ID == id {
			return fmt.Sprintf("step %d (%s)", i+1, or(stepWords[s.Kind], string(s.Kind)))
		}
	}
	return "a step no longer on the worksheet"
}
