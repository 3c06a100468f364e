package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
	"github.com/laminar-rx/laminar/internal/versioned"
	"github.com/laminar-rx/laminar/internal/workflow"
)

// EvidencePolicyAt is the dose evidence policy in force at at, read in the
// transaction. With none in force it is a 422 refusal.
func (t *Tx) EvidencePolicyAt(ctx context.Context, at time.Time) (workflow.EvidencePolicy, error) {
	return t.s.evidencePolicyAt(ctx, t.tx, at)
}

// EvidencePolicyAt is the dose evidence policy in force at at.
func (s *Store) EvidencePolicyAt(ctx context.Context, at time.Time) (workflow.EvidencePolicy, error) {
	return s.evidencePolicyAt(ctx, s.DB, at)
}

// evidenceTable is the SQL and the words of dose_evidence_policies.
func (s *Store) evidenceTable() versionTable {
	return versionTable{at: s.q.EvidencePolicyAt, lock: s.q.EvidencePolicyLock, latest: s.q.EvidencePolicyLast,
		exists: s.q.EvidencePolicyTaken, name: "dose evidence policy", what: "dose evidence policy", noun: "policy"}
}

func (s *Store) evidencePolicyAt(ctx context.Context, q sqlx.QueryerContext, at time.Time) (workflow.EvidencePolicy, error) {
	return versionAt(ctx, q, s.evidenceTable(), at, func(r versionRow) (workflow.EvidencePolicy, error) {
		p, err := workflow.ParseEvidencePolicy(r.Doc)
		if err != nil {
			return workflow.EvidencePolicy{}, apperr.Wrap(fmt.Errorf("stored dose evidence policy is invalid: %w", err), "dose evidence policy")
		}
		return p, nil
	}, func() error {
		return &apperr.Error{Kind: apperr.Refused, Code: "no_evidence_policy_in_force",
			Message: fmt.Sprintf("no dose evidence policy was in force at %s; an admin must add one", at.UTC().Format(time.RFC3339))}
	})
}

// gravityRow is one row of specific_gravities.
type gravityRow struct {
	ID              int64               `db:"id"`
	ProductID       int64               `db:"product_id"`
	Concentration   string              `db:"concentration"`
	SpecificGravity decimal.Decimal     `db:"specific_gravity"`
	Method          string              `db:"method"`
	Source          string              `db:"source"`
	Lot             string              `db:"lot"`
	VolumeML        decimal.NullDecimal `db:"volume_ml"`
	Mass1G          decimal.NullDecimal `db:"mass1_g"`
	Mass2G          decimal.NullDecimal `db:"mass2_g"`
	RecordedBy      *int64              `db:"recorded_by"`
	RecordedByName  string              `db:"recorded_by_name"`
	RecordedAt      time.Time           `db:"recorded_at"`
}

func (r gravityRow) gravity() workflow.Gravity {
	g := workflow.Gravity{ID: r.ID, ProductID: r.ProductID, Concentration: r.Concentration, SpecificGravity: r.SpecificGravity,
		Method: r.Method, Source: r.Source, Lot: r.Lot, RecordedBy: r.RecordedBy, RecordedByName: r.RecordedByName,
		RecordedAt: r.RecordedAt.UTC()}
	if r.VolumeML.Valid {
		g.Volume = r.VolumeML.Decimal.String() + " mL"
	}
	for _, m := range []decimal.NullDecimal{r.Mass1G, r.Mass2G} {
		if m.Valid {
			g.Masses = append(g.Masses, m.Decimal.String()+" g")
		}
	}
	return g
}

// Gravities lists the specific gravities on record for the products, newest first.
func (s *Store) Gravities(ctx context.Context, productIDs ...int64) ([]workflow.Gravity, error) {
	return s.gravities(ctx, s.DB, productIDs)
}

// Gravities lists, in the transaction, the specific gravities on record
// for the products, newest first.
func (t *Tx) Gravities(ctx context.Context, productIDs ...int64) ([]workflow.Gravity, error) {
	return t.s.gravities(ctx, t.tx, productIDs)
}

func (s *Store) gravities(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]workflow.Gravity, error) {
	var rows []gravityRow
	if err := sqlx.SelectContext(ctx, q, &rows, s.q.GravitiesOfProducts, pq.Array(ids)); err != nil {
		return nil, Translate(err)
	}
	out := make([]workflow.Gravity, len(rows))
	for i, r := range rows {
		out[i] = r.gravity()
	}
	return out, nil
}

// InsertGravity records a specific gravity (published or determined on
// site) and returns its ID; rows are never changed afterwards.
func (t *Tx) InsertGravity(ctx context.Context, g workflow.Gravity, volume *decimal.Decimal, masses []decimal.Decimal) (int64, error) {
	var m1, m2 *decimal.Decimal
	if len(masses) == 2 {
		m1, m2 = &masses[0], &masses[1]
	}
	var id int64
	err := t.tx.QueryRowxContext(ctx, t.s.q.GravityInsert, g.ProductID, g.Concentration, g.SpecificGravity, g.Method, g.Source,
		g.Lot, volume, m1, m2, g.RecordedBy, g.RecordedAt).Scan(&id)
	return id, Translate(err)
}

// TypeEvidencePolicyChanged is the audit event of a new policy version.
const TypeEvidencePolicyChanged = "dose_evidence_policy.changed"

// AddEvidencePolicy stores a new version of the dose evidence policy and
// audits it, in one transaction: it must validate, its version name must be
// new, and it must take effect now or later, after every existing version.
// A zero EffectiveFrom means "from now".
func (s *Store) AddEvidencePolicy(ctx context.Context, actorID int64, p workflow.EvidencePolicy) (workflow.EvidencePolicy, error) {
	err := s.addVersion(ctx, s.evidenceTable(), newVersion{version: p.Version, from: &p.EffectiveFrom,
		check: func(h versionHead) error {
			p.EffectiveFrom = p.EffectiveFrom.UTC()
			if err := p.Validate(); err != nil {
				return err
			}
			// One second of slack for a start given as "now"; unlike the
			// rule tables, a fraction of a microsecond is not refused.
			switch versioned.CheckStart(p.EffectiveFrom, h.Now.Add(-time.Second), h.latestStart()) {
			case versioned.StartPast:
				return &apperr.Error{Kind: apperr.Invalid, Code: "effective_from_past", Field: "effective_from",
					Message: "is before now: a policy applies only to worksheets computed after it; give a future time or leave it out"}
			case versioned.StartNotAfterLatest:
				return &apperr.Error{Kind: apperr.Conflict, Code: "effective_from_not_after_latest", Field: "effective_from",
					Message: fmt.Sprintf("is not after %s, when the latest version %q takes effect", h.LatestFrom.Time.UTC().Format(time.RFC3339Nano), h.Latest.String)}
			}
			return nil
		},
		insert: func(tx *sqlx.Tx, h versionHead) error {
			doc, err := json.Marshal(p)
			if err != nil {
				return apperr.Wrap(err, "encode dose evidence policy")
			}
			actor := actorRef(actorID)
			if _, err := tx.ExecContext(ctx, s.q.EvidencePolicyAdd, p.Version, p.EffectiveFrom, string(doc), actor); err != nil {
				return Translate(err)
			}
			payload, _ := json.Marshal(map[string]any{"version": p.Version, "previous_version": h.Latest.String, "policy": p})
			_, err = audit.Append(ctx, tx, audit.Event{Type: TypeEvidencePolicyChanged, ActorID: actor, Payload: payload})
			return Translate(err)
		}})
	return p, err
}
