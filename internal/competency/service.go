package competency

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Audit event types written by the service.
const (
	EventRecorded     = "competency.recorded"
	EventRulesChanged = "competency_rules.changed"
)

// CodeLapsed is the refusal of a claim by a person who lacks a current
// competency the preparation needs.
const CodeLapsed = "competency_lapsed"

// MaxEvidenceBytes is the largest evidence file kept with a record.
const MaxEvidenceBytes = 512 << 10

// Person is an account as the competency screens need it.
type Person struct {
	ID          int64    `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Roles       []string `json:"roles"`
	Active      bool     `json:"active"`
}

// Evidence is an uploaded file kept with a record.
type Evidence struct {
	Name, Type string
	Data       []byte
}

// Event is one entry for the compounding log, written by the store in the
// same transaction as the change.
type Event struct {
	Type    string
	ActorID int64
	At      time.Time
	Payload map[string]any
}

// Storer is what the service needs of storage.
type Storer interface {
	// CompetencyRules is the rule version in force at t.
	CompetencyRules(ctx context.Context, at time.Time) (Rules, error)
	// AddCompetencyRules stores a new rule version and its event.
	AddCompetencyRules(ctx context.Context, r Rules, raw []byte, ev Event) error
	// InsertCompetency stores a record, its evidence and its event.
	InsertCompetency(ctx context.Context, rec Record, ev *Evidence, e Event) (Record, error)
	// Competencies lists one person's records, newest first.
	Competencies(ctx context.Context, userID int64) ([]Record, error)
	// AllCompetencies lists every record by person.
	AllCompetencies(ctx context.Context) (map[int64][]Record, error)
	// CompetencyEvidence returns a record's file.
	CompetencyEvidence(ctx context.Context, userID, recordID int64) (Evidence, error)
	// Person is one account; apperr NotFound when there is none.
	Person(ctx context.Context, id int64) (Person, error)
	// People lists every account.
	People(ctx context.Context) ([]Person, error)
}

// Service records competencies and decides whether a person may claim work.
type Service struct {
	st  Storer
	loc *time.Location
	now func() time.Time
}

// NewService returns a Service; loc is the site's time zone.
func NewService(st Storer, loc *time.Location, now func() time.Time) *Service {
	if loc == nil {
		loc = time.UTC
	}
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, loc: loc, now: now}
}

// NewRecord is a request to record one evaluation.
type NewRecord struct {
	Kind      string `json:"kind"`
	PassedAt  string `json:"passed_at"`
	Result    string `json:"result"`
	Evaluator string `json:"evaluator"`
	Note      string `json:"note"`
	// EvidenceFile is base64; EvidenceName and EvidenceType describe it.
	EvidenceFile string `json:"evidence_file"`
	EvidenceName string `json:"evidence_name"`
	EvidenceType string `json:"evidence_type"`
}

var evidenceTypes = []string{"application/pdf", "image/png", "image/jpeg"}

// Record validates and stores one evaluation of person userID by actor.
func (s *Service) Record(ctx context.Context, actor, userID int64, in NewRecord) (Record, error) {
	now := s.now()
	person, err := s.st.Person(ctx, userID)
	if err != nil {
		return Record{}, err
	}
	rules, err := s.st.CompetencyRules(ctx, now)
	if err != nil {
		return Record{}, err
	}
	rec, ev, err := s.validate(rules, in, now)
	if err != nil {
		return Record{}, err
	}
	rec.UserID, rec.RecordedBy, rec.RecordedAt = person.ID, actor, now
	payload := map[string]any{
		"user_id": person.ID, "username": person.Username, "kind": rec.Kind, "result": rec.Result,
		"passed_at": rec.Passed.UTC().Format(time.RFC3339), "evaluator": rec.Evaluator, "rules_version": rules.Version,
	}
	if ev != nil {
		payload["evidence_name"], payload["evidence_bytes"] = ev.Name, len(ev.Data)
	}
	return s.st.InsertCompetency(ctx, rec, ev, Event{Type: EventRecorded, ActorID: actor, At: now, Payload: payload})
}

func (s *Service) validate(rules Rules, in NewRecord, now time.Time) (Record, *Evidence, error) {
	kind := Kind(strings.TrimSpace(in.Kind))
	if _, ok := rules.Kind(kind); !ok {
		return Record{}, nil, apperr.InvalidField("kind", "%q is not a competency kind of the rules in force (%s); expected one of: %s",
			in.Kind, rules.Version, strings.Join(rules.KindNames(), ", "))
	}
	result := Result(strings.TrimSpace(in.Result))
	if result != Pass && result != Fail {
		return Record{}, nil, apperr.InvalidField("result", "%q is not a result; expected pass or fail", in.Result)
	}
	passed, err := ParsePassedAt(in.PassedAt, s.loc)
	if err != nil {
		return Record{}, nil, apperr.InvalidField("passed_at", "%s", err.Error())
	}
	if passed.After(now) {
		return Record{}, nil, apperr.InvalidField("passed_at", "%s is in the future; record an evaluation once it has happened", in.PassedAt)
	}
	if passed.Before(now.AddDate(-10, 0, 0)) {
		return Record{}, nil, apperr.InvalidField("passed_at", "%s is more than ten years ago", in.PassedAt)
	}
	rec := Record{Kind: kind, Result: result, Passed: passed}
	if rec.Evaluator, err = plainText("evaluator", in.Evaluator, 200); err != nil {
		return Record{}, nil, err
	}
	if rec.Note, err = plainText("note", in.Note, 2000); err != nil {
		return Record{}, nil, err
	}
	ev, err := evidence(in)
	if err != nil {
		return Record{}, nil, err
	}
	if ev != nil {
		rec.HasFile, rec.FileName = true, ev.Name
	}
	return rec, ev, nil
}

func evidence(in NewRecord) (*Evidence, error) {
	if in.EvidenceFile == "" {
		if in.EvidenceName != "" || in.EvidenceType != "" {
			return nil, apperr.InvalidField("evidence_file", "is empty but evidence_name or evidence_type is given")
		}
		return nil, nil
	}
	data, err := base64.StdEncoding.DecodeString(in.EvidenceFile)
	if err != nil {
		return nil, apperr.InvalidField("evidence_file", "is not base64: %v", err)
	}
	if len(data) > MaxEvidenceBytes {
		return nil, apperr.InvalidField("evidence_file", "is %d bytes; at most %d are kept (scan at a lower resolution)", len(data), MaxEvidenceBytes)
	}
	typ := strings.TrimSpace(in.EvidenceType)
	if typ == "" {
		typ = http.DetectContentType(data)
	}
	if !slices.Contains(evidenceTypes, typ) {
		return nil, apperr.InvalidField("evidence_type", "%q is not accepted; send a PDF, PNG or JPEG", typ)
	}
	if got := http.DetectContentType(data); got != typ {
		return nil, apperr.InvalidField("evidence_file", "is %s, not the %s its evidence_type says", got, typ)
	}
	name, err := plainText("evidence_name", in.EvidenceName, 200)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = "evidence"
	}
	return &Evidence{Name: name, Type: typ, Data: data}, nil
}

// plainText trims s and refuses control characters (a record is printed
// and exported) and text longer than max characters.
func plainText(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) {
		return "", apperr.InvalidField(field, "is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", apperr.InvalidField(field, "is %d characters; at most %d", n, max)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "", apperr.InvalidField(field, "contains a control character (U+%04X)", r)
		}
	}
	return s, nil
}

// PersonStanding is one person's records and where they stand.
type PersonStanding struct {
	Person    Person     `json:"user"`
	Standings []Standing `json:"standings"`
	// DueSoon lists what lapsed, failed, is missing or lapses within the
	// announcement window, soonest first.
	DueSoon []Standing `json:"due_soon"`
	Records []Record   `json:"records,omitempty"`
	// Qualified is true when the person may claim Category 1 and 2 work.
	Qualified bool `json:"qualified"`
}

// Of returns one person's records and standing.
func (s *Service) Of(ctx context.Context, userID int64) (PersonStanding, Rules, error) {
	now := s.now()
	person, err := s.st.Person(ctx, userID)
	if err != nil {
		return PersonStanding{}, Rules{}, err
	}
	rules, err := s.st.CompetencyRules(ctx, now)
	if err != nil {
		return PersonStanding{}, Rules{}, err
	}
	recs, err := s.st.Competencies(ctx, userID)
	if err != nil {
		return PersonStanding{}, Rules{}, err
	}
	ps := standing(rules, person, recs, now, s.loc)
	ps.Records = recs
	return ps, rules, nil
}

func standing(rules Rules, p Person, recs []Record, now time.Time, loc *time.Location) PersonStanding {
	st := rules.Overview(recs, now, loc)
	return PersonStanding{
		Person: p, Standings: st, DueSoon: DueSoon(st),
		Qualified: rules.Check(recs, "2", false, now, loc) == nil,
	}
}

// Overview lists every active compounding person (technicians, and anyone
// with records) with where they stand, those needing attention first.
func (s *Service) Overview(ctx context.Context) ([]PersonStanding, Rules, error) {
	now := s.now()
	rules, err := s.st.CompetencyRules(ctx, now)
	if err != nil {
		return nil, Rules{}, err
	}
	people, err := s.st.People(ctx)
	if err != nil {
		return nil, Rules{}, err
	}
	all, err := s.st.AllCompetencies(ctx)
	if err != nil {
		return nil, Rules{}, err
	}
	var out []PersonStanding
	for _, p := range people {
		if !p.Active || (!slices.Contains(p.Roles, "technician") && len(all[p.ID]) == 0) {
			continue
		}
		out = append(out, standing(rules, p, all[p.ID], now, s.loc))
	}
	slices.SortStableFunc(out, func(a, b PersonStanding) int {
		if a.Qualified != b.Qualified {
			if !a.Qualified {
				return -1
			}
			return 1
		}
		if (len(a.DueSoon) > 0) != (len(b.DueSoon) > 0) {
			if len(a.DueSoon) > 0 {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Person.Username, b.Person.Username)
	})
	return out, rules, nil
}

// CheckClaim refuses (422 competency_lapsed) a person who lacks, at now, a
// current competency that work of the category and hazard needs; the
// message names each competency and when it lapsed.
func (s *Service) CheckClaim(ctx context.Context, userID int64, category string, hazardous bool, now time.Time) error {
	rules, err := s.st.CompetencyRules(ctx, now)
	if err != nil {
		return err
	}
	recs, err := s.st.Competencies(ctx, userID)
	if err != nil {
		return err
	}
	lapse := rules.Check(recs, category, hazardous, now, s.loc)
	if lapse == nil {
		return nil
	}
	what := "this preparation"
	if category != "" {
		what = "Category " + category + " work"
		if category == "immediate" {
			what = "immediate-use work"
		}
	}
	if hazardous {
		what += " with a hazardous drug"
	}
	e := apperr.WithCode(apperr.Refused, CodeLapsed, "You may not start %s: %s. Ask your supervisor about retraining and a new evaluation.", what, lapse.Error())
	e.Fields = map[string]string{}
	for _, st := range lapse.Standings {
		e.Fields[string(st.Kind)] = st.Explain()
	}
	return e
}

// Evidence returns a record's evidence file.
func (s *Service) Evidence(ctx context.Context, userID, recordID int64) (Evidence, error) {
	return s.st.CompetencyEvidence(ctx, userID, recordID)
}

// Rules is the rule version in force now.
func (s *Service) Rules(ctx context.Context) (Rules, error) {
	return s.st.CompetencyRules(ctx, s.now())
}

// AddRules stores a new rule version; it must take effect now or later
// (the past is never rewritten).
func (s *Service) AddRules(ctx context.Context, actor int64, raw []byte) (Rules, error) {
	r, err := ParseRules(raw)
	if err != nil {
		return Rules{}, apperr.InvalidField("rules", "%s", err.Error())
	}
	if r.EffectiveFrom.Before(s.now().Add(-time.Minute)) {
		return Rules{}, apperr.InvalidField("effective_from", "%s is in the past; a new version takes effect now or later", r.EffectiveFrom.Format(time.RFC3339))
	}
	ev := Event{Type: EventRulesChanged, ActorID: actor, At: s.now(), Payload: map[string]any{
		"version": r.Version, "effective_from": r.EffectiveFrom.UTC().Format(time.RFC3339),
	}}
	if err := s.st.AddCompetencyRules(ctx, r, raw, ev); err != nil {
		return Rules{}, err
	}
	return r, nil
}

// String describes a standing for logs and tests.
func (s Standing) String() string { return fmt.Sprintf("%s:%s", s.Kind, s.State) }
