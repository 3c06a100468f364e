package compounding

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// EvSpecificGravityDetermined is the log event of an on-site determination.
const EvSpecificGravityDetermined = "product.specific_gravity_determined"

// doseEvidenceData is what a worksheet needs to require dose evidence: the
// policy in force and the specific gravities on record for the products.
func doseEvidenceData(ctx context.Context, tx *store.Tx, products []workflow.Product, now time.Time) (workflow.EvidencePolicy, []workflow.Gravity, error) {
	ep, err := tx.EvidencePolicyAt(ctx, now)
	if err != nil {
		return ep, nil, err
	}
	ids := make([]int64, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	gs, err := tx.Gravities(ctx, ids...)
	return ep, gs, err
}

// GravityInput is a pharmacist's on-site determination of a specific
// gravity: a measured volume of the solution weighed twice.
type GravityInput struct {
	ProductID     int64  `json:"-"`
	Concentration string `json:"concentration"`
	Lot           string `json:"lot"`
	Volume        string `json:"volume"`
	Mass1         string `json:"mass_1"`
	Mass2         string `json:"mass_2"`
	Note          string `json:"note,omitempty"`
}

// GravityRecorded is the answer to a determination.
type GravityRecorded struct {
	workflow.Gravity
	Steps []string `json:"steps"`
}

// DetermineGravity checks a determination against the policy in force and
// records it (append-only, in the log): from then on new worksheets of the
// product at that concentration are weighed with it.
func (s *Service) DetermineGravity(ctx context.Context, in GravityInput, actor workflow.Actor, now time.Time, key *Key) (Done[GravityRecorded], error) {
	if _, err := s.st.Product(ctx, in.ProductID); err != nil {
		return Done[GravityRecorded]{}, err
	}
	return write(ctx, s, key, func(tx *store.Tx) (outcome[GravityRecorded], error) {
		ep, err := tx.EvidencePolicyAt(ctx, now)
		if err != nil {
			return outcome[GravityRecorded]{}, err
		}
		d, err := ep.Determine(workflow.Determination{ProductID: in.ProductID, Concentration: in.Concentration, Lot: in.Lot,
			Volume: in.Volume, Masses: [2]string{in.Mass1, in.Mass2}})
		if err != nil {
			return outcome[GravityRecorded]{}, err
		}
		uid := actor.UserID
		g := workflow.Gravity{ProductID: in.ProductID, Concentration: d.Concentration, SpecificGravity: d.Value,
			Method: workflow.GravityDetermined, Lot: in.Lot, RecordedBy: &uid, RecordedAt: now.UTC(),
			Source: "lot " + in.Lot + ", " + d.Volume.String() + " weighed twice (" + d.Masses[0].String() + ", " + d.Masses[1].String() + ") on " + now.UTC().Format("2006-01-02")}
		if in.Note != "" {
			g.Source += "; " + in.Note
		}
		vol := d.Volume.Value
		if g.ID, err = tx.InsertGravity(ctx, g, &vol, []decimal.Decimal{d.Masses[0].Value, d.Masses[1].Value}); err != nil {
			return outcome[GravityRecorded]{}, err
		}
		g.Volume = d.Volume.String()
		g.Masses = []string{d.Masses[0].String(), d.Masses[1].String()}
		return outcome[GravityRecorded]{value: GravityRecorded{Gravity: g, Steps: d.Steps},
			events: []workflow.Event{workflow.NewEvent(EvSpecificGravityDetermined, uid, 0, map[string]any{
				"gravity_id": g.ID, "product_id": g.ProductID, "concentration": g.Concentration,
				"specific_gravity": g.SpecificGravity.String(), "lot": g.Lot, "volume": g.Volume, "masses": g.Masses})}}, nil
	})
}

// Gravities lists the specific gravities on record for a product, newest first.
func (s *Service) Gravities(ctx context.Context, productID int64) ([]workflow.Gravity, error) {
	return s.st.Gravities(ctx, productID)
}

// EvidencePolicy is the dose evidence policy in force at at.
func (s *Service) EvidencePolicy(ctx context.Context, at time.Time) (workflow.EvidencePolicy, error) {
	return s.st.EvidencePolicyAt(ctx, at)
}
