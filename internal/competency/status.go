package competency

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Result is the outcome of one evaluation.
type Result string

// Pass and Fail are the results a record may carry.
const (
	Pass Result = "pass"
	Fail Result = "fail"
)

// Record is one evaluation of one person.
type Record struct {
	ID     int64     `json:"id"`
	UserID int64     `json:"user_id"`
	Kind   Kind      `json:"kind"`
	Result Result    `json:"result"`
	Passed time.Time `json:"passed_at"`
	// Evaluator is who observed or read the test (a name: evaluators may
	// be outside staff, such as the microbiology laboratory).
	Evaluator  string    `json:"evaluator,omitempty"`
	Note       string    `json:"note,omitempty"`
	HasFile    bool      `json:"has_evidence_file"`
	FileName   string    `json:"evidence_file_name,omitempty"`
	RecordedBy int64     `json:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Day is a calendar day in the site's time zone.
type Day struct {
	Year  int
	Month time.Month
	Day   int
}

// DayOf is the calendar day of t in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return Day{y, m, d}
}

// String is the ISO date.
func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// addMonths moves a day by n months, clamping to the month's last day
// (August 31 plus six months is February 28 or 29, never March 2).
func (d Day) addMonths(n int) Day {
	first := time.Date(d.Year, d.Month, 1, 12, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := time.Date(first.Year(), first.Month()+1, 0, 12, 0, 0, 0, time.UTC).Day()
	return Day{first.Year(), first.Month(), min(d.Day, last)}
}

// start is the first instant of the day in loc.
func (d Day) start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// next is the following day.
func (d Day) next() Day {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	return Day{t.Year(), t.Month(), t.Day()}
}

// Standing is where one person stands on one kind, for work of one category.
type Standing struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
	// State is "current", "due_soon", "lapsed", "failed" or "missing".
	State string `json:"state"`
	// LastPassed is the newest passing record, if any.
	LastPassed *Record `json:"last_passed,omitempty"`
	// CurrentThrough is the last day the competency counts (site time zone).
	CurrentThrough string `json:"current_through,omitempty"`
	// LapsesAt is the instant it stops counting.
	LapsesAt *time.Time `json:"lapses_at,omitempty"`
	// FailedAt is a failure newer than the last pass.
	FailedAt *time.Time `json:"failed_at,omitempty"`
}

// Qualified reports whether the standing allows the work.
func (s Standing) Qualified() bool { return s.State == "current" || s.State == "due_soon" }

// Stand evaluates one kind from a person's records at now.
func (r Rules) Stand(records []Record, kind Kind, category string, now time.Time, loc *time.Location) Standing {
	kr, ok := r.Kind(kind)
	st := Standing{Kind: kind, Name: string(kind), State: "missing"}
	if !ok {
		return st
	}
	st.Name = kr.Name
	var pass, fail *Record
	for i := range records {
		rec := &records[i]
		if rec.Kind != kind {
			continue
		}
		switch rec.Result {
		case Pass:
			if pass == nil || rec.Passed.After(pass.Passed) {
				pass = rec
			}
		case Fail:
			if fail == nil || rec.Passed.After(fail.Passed) {
				fail = rec
			}
		}
	}
	if pass != nil {
		through := DayOf(pass.Passed, loc).addMonths(kr.months(category))
		lapses := through.next().start(loc)
		st.LastPassed, st.CurrentThrough, st.LapsesAt = pass, through.String(), &lapses
		switch {
		case !now.Before(lapses):
			st.State = "lapsed"
		case !lapses.After(now.AddDate(0, 0, r.DueSoonDays)):
			st.State = "due_soon"
		default:
			st.State = "current"
		}
	}
	if fail != nil && (pass == nil || fail.Passed.After(pass.Passed)) {
		at := fail.Passed
		st.FailedAt, st.State = &at, "failed"
	}
	return st
}

// Standings evaluates every kind work of a category (and hazard) needs.
func (r Rules) Standings(records []Record, category string, hazardous bool, now time.Time, loc *time.Location) []Standing {
	need := r.Needed(category, hazardous)
	out := make([]Standing, 0, len(need))
	for _, k := range need {
		out = append(out, r.Stand(records, k, category, now, loc))
	}
	return out
}

// Overview evaluates every kind of the table for one person, with the
// standard (Category 1 and 2) intervals: what a safety officer reviews.
func (r Rules) Overview(records []Record, now time.Time, loc *time.Location) []Standing {
	out := make([]Standing, 0, len(r.Kinds))
	for _, kr := range r.Kinds {
		out = append(out, r.Stand(records, kr.Kind, "1", now, loc))
	}
	return out
}

// Lapse explains why a person may not claim a preparation.
type Lapse struct {
	Standings []Standing
}

// Error is the plain words a technician and a safety officer read.
func (l *Lapse) Error() string {
	parts := make([]string, 0, len(l.Standings))
	for _, s := range l.Standings {
		parts = append(parts, s.Explain())
	}
	return strings.Join(parts, "; ")
}

// Explain says in plain words why a standing does not qualify.
func (s Standing) Explain() string {
	switch s.State {
	case "lapsed":
		return fmt.Sprintf("%s lapsed: it was current through %s (passed %s)", s.Name, s.CurrentThrough, s.LastPassed.Passed.Format("2006-01-02"))
	case "failed":
		return fmt.Sprintf("%s failed on %s: a new passing result is needed", s.Name, s.FailedAt.Format("2006-01-02"))
	case "missing":
		return fmt.Sprintf("%s has no passing record", s.Name)
	}
	return fmt.Sprintf("%s is current through %s", s.Name, s.CurrentThrough)
}

// Check returns a *Lapse naming every required competency that does not
// qualify the person for work of a category (and hazard) at now, or nil.
func (r Rules) Check(records []Record, category string, hazardous bool, now time.Time, loc *time.Location) *Lapse {
	var bad []Standing
	for _, s := range r.Standings(records, category, hazardous, now, loc) {
		if !s.Qualified() {
			bad = append(bad, s)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &Lapse{Standings: bad}
}

// DueSoon lists the standings that lapse within the announcement window
// (or already did), soonest first.
func DueSoon(st []Standing) []Standing {
	var out []Standing
	for _, s := range st {
		if s.State != "current" {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b Standing) int {
		switch {
		case a.LapsesAt == nil && b.LapsesAt == nil:
			return strings.Compare(string(a.Kind), string(b.Kind))
		case a.LapsesAt == nil:
			return -1
		case b.LapsesAt == nil:
			return 1
		}
		return a.LapsesAt.Compare(*b.LapsesAt)
	})
	return out
}

// ParsePassedAt reads "YYYY-MM-DD" (that day in the site's time zone) or
// RFC 3339.
func ParsePassedAt(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (YYYY-MM-DD) or an RFC 3339 time", s)
	}
	return t, nil
}
