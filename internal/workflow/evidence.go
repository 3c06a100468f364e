package workflow

import (
	"fmt"
	"slices"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// DoseEvidence is what proves one draw: a passing weight of WeighStep, a
// photo at PhotoStep, or both (Requires is weight, photo or
// weight_and_photo). Missing names evidence the site's policy asks for but
// that cannot be taken ("weight" when no specific gravity is known), and
// Reason says in plain words why the draw needs what it needs.
type DoseEvidence struct {
	Requires  string `json:"requires"`
	WeighStep string `json:"weigh_step,omitempty"`
	PhotoStep string `json:"photo_step,omitempty"`
	Missing   string `json:"missing,omitempty"`
	Reason    string `json:"reason"`
}

// CodeDoseEvidenceMissing refuses completing a preparation whose draw has
// not been evidenced as its worksheet requires.
const CodeDoseEvidenceMissing = "dose_evidence_missing"

// doseEvidence adds to every draw the evidence the site's policy asks for:
// a weigh step where a specific gravity is known and a weight is wanted, a
// photo step of the syringe at the drawn volume where no weight is possible
// or a photo is wanted (always both for a high-alert drug by default). The
// stock draw of an intermediate dilution is evidenced by a photo.
func (c *computation) doseEvidence() error {
	for i := 0; i < len(c.ws.Steps); i++ {
		switch c.ws.Steps[i].Kind {
		case StepDraw:
			i += c.evidenceOfDraw(i)
		case StepDilute:
			ev := &DoseEvidence{Requires: EvidencePhoto, PhotoStep: c.uniqueID("photo-dilute"),
				Reason: "the stock drawn for the dilution is checked by a photo of its syringe"}
			c.ws.Steps[i].Evidence = ev
			d := c.ws.Dilution
			c.insertAfter(i, Step{ID: ev.PhotoStep, Kind: StepPhoto, State: "pending", EvidenceFor: c.ws.Steps[i].ID,
				Expects:     Expect{Volume: d.StockVolume, Syringe: d.StockSyringe},
				Instruction: fmt.Sprintf("Photograph the %s syringe holding %s of %s, at eye level, before adding it to the diluent", d.StockSyringe, c.ws.Quantities["dilution_stock_volume"].Display, c.prod.Label())})
			i++
		}
	}
	return nil
}

// evidenceOfDraw sets the evidence of the draw at index i and inserts the
// steps it needs right after it; it returns how many steps it inserted.
func (c *computation) evidenceOfDraw(i int) int {
	draw := &c.ws.Steps[i]
	either, both, photoMode := c.in.Evidence.evidenceModes(c.ws.HighAlert != nil)
	sg, src := c.drawGravity()
	known := sg != ""
	ev := &DoseEvidence{}
	needWeight := c.drawWeigh != "" // the recipe weighs the draw: its weight counts
	needPhoto := photoMode
	switch {
	case both && known:
		needWeight, needPhoto = true, true
		ev.Reason = "a high-alert drug: its draw is weighed and photographed"
		if c.ws.HighAlert == nil {
			ev.Reason = "the site's policy: every draw is weighed and photographed"
		}
	case both:
		needPhoto = true
		ev.Missing = EvidenceWeight
		ev.Reason = fmt.Sprintf("the draw should also be weighed, but no specific gravity is known for %s at %s: determine one in the product screen",
			c.prod.Label(), c.ws.Quantities["concentration"].Display)
	case either && known:
		needWeight = true
		ev.Reason = "a specific gravity is known (" + src + "): the draw is weighed"
	case either:
		needPhoto = true
		ev.Reason = fmt.Sprintf("no specific gravity is known for %s at %s, so the draw cannot be weighed: a photo of the syringe is required",
			c.prod.Label(), c.ws.Quantities["concentration"].Display)
	default:
		ev.Reason = "the site's policy: every draw is photographed"
	}
	inserted := 0
	if needWeight && c.drawWeigh == "" {
		s := Step{ID: c.uniqueID("weigh-draw"), Kind: StepWeigh, State: "pending"}
		what := "the drawn " + c.prod.Name()
		if c.ws.Dilution != nil {
			what = "the drawn dilution of " + c.prod.Name()
		}
		if err := c.fillWeigh(&s, what, c.draw.Volume, sg, src); err == nil {
			c.insertAfter(i, s)
			c.drawWeigh = s.ID
			inserted++
		}
	}
	if needPhoto {
		s := Step{ID: c.uniqueID("photo-draw"), Kind: StepPhoto, State: "pending",
			Expects: Expect{Volume: c.draw.Volume.String(), Syringe: c.syringe},
			Instruction: fmt.Sprintf("Photograph the %s syringe at %s, the plunger and the graduation sharp, before injecting",
				c.syringe, calc.Display(c.draw.Volume))}
		c.insertAfter(i, s)
		ev.PhotoStep = s.ID
		inserted++
	}
	draw = &c.ws.Steps[i]
	if needWeight {
		ev.WeighStep = c.drawWeigh
	}
	switch {
	case ev.WeighStep != "" && ev.PhotoStep != "":
		ev.Requires = EvidenceWeightAndPhoto
	case ev.WeighStep != "":
		ev.Requires = EvidenceWeight
	default:
		ev.Requires = EvidencePhoto
	}
	draw.Evidence = ev
	for j := range c.ws.Steps {
		if id := c.ws.Steps[j].ID; id == ev.WeighStep || id == ev.PhotoStep {
			c.ws.Steps[j].EvidenceFor = draw.ID
		}
	}
	return inserted
}

// insertAfter inserts s right after step i.
func (c *computation) insertAfter(i int, s Step) {
	c.ws.Steps = slices.Insert(c.ws.Steps, i+1, s)
}

// uniqueID returns id, or id-2, id-3… when a recipe step already has it.
func (c *computation) uniqueID(id string) string {
	for n := 1; ; n++ {
		cand := id
		if n > 1 {
			cand = fmt.Sprintf("%s-%d", id, n)
		}
		if _, taken := c.ws.Step(cand); !taken {
			return cand
		}
	}
}

// MissingDoseEvidence returns nil when every draw is evidenced as the
// worksheet requires, else a 422 dose_evidence_missing naming the first
// step whose evidence is missing. A worksheet computed before draws named
// their evidence needs a passing weight or a photo of some step for each
// draw.
func (ws *Worksheet) MissingDoseEvidence(p Progress) error {
	for _, s := range ws.Steps {
		if s.Kind != StepDraw && s.Kind != StepDilute {
			continue
		}
		ev := s.Evidence
		if ev == nil {
			if s.Kind == StepDraw && !ws.anyDoseEvidence(p) {
				return missingEvidence(s.ID, "the draw (step %s) has neither a passing weight nor a photo", s.ID)
			}
			continue
		}
		if ev.WeighStep != "" {
			w, ok := p.lastWeight(ev.WeighStep)
			switch {
			case !ok:
				return missingEvidence(ev.WeighStep, "the draw (step %s) is not weighed: step %s needs a weight within tolerance", s.ID, ev.WeighStep)
			case !w.Pass:
				return missingEvidence(ev.WeighStep, "the last weight of the draw (step %s) is out of tolerance: weigh it again", ev.WeighStep)
			}
		}
		if ev.PhotoStep != "" && p.Photos[ev.PhotoStep] == 0 {
			return missingEvidence(ev.PhotoStep, "there is no photo of the syringe at the drawn volume: step %s needs a photo", ev.PhotoStep)
		}
	}
	return nil
}

// anyDoseEvidence reports whether a passing weight or any photo is recorded.
func (ws *Worksheet) anyDoseEvidence(p Progress) bool {
	for _, s := range ws.Steps {
		if s.Kind == StepWeigh {
			if w, ok := p.lastWeight(s.ID); ok && w.Pass {
				return true
			}
		}
	}
	for _, n := range p.Photos {
		if n > 0 {
			return true
		}
	}
	return false
}

func missingEvidence(step, format string, args ...any) error {
	e := apperr.WithCode(apperr.Refused, CodeDoseEvidenceMissing, "dose evidence missing: "+format, args...)
	e.Field = step
	return e
}
