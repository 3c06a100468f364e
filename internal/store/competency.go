package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/competency"
)

// The store implements what the competency service needs.
var _ competency.Storer = (*Store)(nil)

type competencyRow struct {
	ID         int64         `db:"id"`
	UserID     int64         `db:"user_id"`
	Kind       string        `db:"kind"`
	Result     string        `db:"result"`
	PassedAt   time.Time     `db:"passed_at"`
	Evaluator  string        `db:"evaluator"`
	Note       string        `db:"note"`
	FileName   string        `db:"evidence_name"`
	HasFile    bool          `db:"has_file"`
	RecordedBy sql.NullInt64 `db:"recorded_by"`
	RecordedAt time.Time     `db:"recorded_at"`
}

func (r competencyRow) record() competency.Record {
	return competency.Record{
		ID: r.ID, UserID: r.UserID, Kind: competency.Kind(r.Kind), Result: competency.Result(r.Result),
		Passed: r.PassedAt.UTC(), Evaluator: r.Evaluator, Note: r.Note, HasFile: r.HasFile, FileName: r.FileName,
		RecordedBy: r.RecordedBy.Int64, RecordedAt: r.RecordedAt.UTC(),
	}
}

// CompetencyRules is the competency rule version in force at t.
func (s *Store) CompetencyRules(ctx context.Context, at time.Time) (competency.Rules, error) {
	return versionAt(ctx, s.DB, versionTable{at: s.q.CompetencyRulesAt}, at, func(row versionRow) (competency.Rules, error) {
		r, err := competency.ParseRules(row.Doc)
		if err != nil {
			return competency.Rules{}, apperr.Wrap(fmt.Errorf("stored competency rule version %q (id %d): %w", row.Version, row.ID, err), "competency rules")
		}
		return r, nil
	}, func() error {
		return apperr.Wrap(fmt.Errorf("no competency rule version is in force at %s", at.Format(time.RFC3339)), "competency rules")
	})
}

// AddCompetencyRules stores a new rule version with its log event.
func (s *Store) AddCompetencyRules(ctx context.Context, r competency.Rules, raw []byte, ev competency.Event) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q.InsertCompetencyRules, r.Version, r.EffectiveFrom, raw, ev.ActorID); err != nil {
			return Translate(err)
		}
		return appendCompetencyEvent(ctx, tx, ev)
	})
}

// appendCompetencyEvent writes the change's event, last in its transaction.
func appendCompetencyEvent(ctx context.Context, tx *sqlx.Tx, ev competency.Event) error {
	actor := ev.ActorID
	return appendUserEvent(ctx, tx, ev.Type, Change{ActorID: &actor, At: ev.At}, ev.Payload)
}

// InsertCompetency stores one evaluation, its evidence file and its event.
func (s *Store) InsertCompetency(ctx context.Context, rec competency.Record, ev *competency.Evidence, e competency.Event) (competency.Record, error) {
	var name, typ string
	var data []byte
	if ev != nil {
		name, typ, data = ev.Name, ev.Type, ev.Data
	}
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &rec.ID, s.q.InsertCompetency, rec.UserID, string(rec.Kind), string(rec.Result),
			rec.Passed, rec.Evaluator, rec.Note, name, typ, data, rec.RecordedBy, rec.RecordedAt); err != nil {
			return Translate(err)
		}
		e.Payload["record_id"] = rec.ID
		return appendCompetencyEvent(ctx, tx, e)
	})
	return rec, err
}

// Competencies lists one person's records, newest first.
func (s *Store) Competencies(ctx context.Context, userID int64) ([]competency.Record, error) {
	var rows []competencyRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.ListCompetencies, userID); err != nil {
		return nil, Translate(err)
	}
	out := make([]competency.Record, len(rows))
	for i, r := range rows {
		out[i] = r.record()
	}
	return out, nil
}

// AllCompetencies lists every record by person.
func (s *Store) AllCompetencies(ctx context.Context) (map[int64][]competency.Record, error) {
	var rows []competencyRow
	if err := s.DB.SelectContext(ctx, &rows, s.q.ListAllCompetencies); err != nil {
		return nil, Translate(err)
	}
	out := map[int64][]competency.Record{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.record())
	}
	return out, nil
}

// CompetencyEvidence returns the file kept with a record.
func (s *Store) CompetencyEvidence(ctx context.Context, userID, recordID int64) (competency.Evidence, error) {
	var row struct {
		Name string `db:"evidence_name"`
		Type string `db:"evidence_type"`
		Data []byte `db:"evidence"`
	}
	if err := s.DB.GetContext(ctx, &row, s.q.GetCompetencyEvidence, userID, recordID); err != nil {
		if err == sql.ErrNoRows {
			return competency.Evidence{}, apperr.New(apperr.NotFound, "competency record %d of user %d has no evidence file", recordID, userID)
		}
		return competency.Evidence{}, Translate(err)
	}
	return competency.Evidence{Name: row.Name, Type: row.Type, Data: row.Data}, nil
}

// Person is one account as the competency service sees it.
func (s *Store) Person(ctx context.Context, id int64) (competency.Person, error) {
	var r userRow
	if err := s.DB.GetContext(ctx, &r, s.q.GetUser, id); err != nil {
		if err == sql.ErrNoRows {
			return competency.Person{}, apperr.New(apperr.NotFound, "user %d does not exist", id)
		}
		return competency.Person{}, Translate(err)
	}
	return person(r.user()), nil
}

// People lists every account as the competency service sees it.
func (s *Store) People(ctx context.Context) ([]competency.Person, error) {
	us, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]competency.Person, len(us))
	for i, u := range us {
		out[i] = person(u)
	}
	return out, nil
}

func person(u User) competency.Person {
	return competency.Person{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Roles: u.Roles, Active: u.Active}
}
