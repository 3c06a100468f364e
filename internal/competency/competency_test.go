package competency

import (
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func mustLoc(t interface {
	Helper()
	Fatal(...any)
}, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func current(kind Kind, passed time.Time) Record {
	return Record{Kind: kind, Result: Pass, Passed: passed}
}

// allPassed gives a person every kind the default table defines, passed at t.
func allPassed(t time.Time) []Record {
	var out []Record
	for _, k := range DefaultRules().Kinds {
		out = append(out, current(k.Kind, t))
	}
	return out
}

func TestDefaultRulesAreValidAndNamed(t *testing.T) {
	r := DefaultRules()
	if r.Version == "" || !strings.Contains(r.Source, "797") {
		t.Fatalf("default rules lack a version or a source: %+v", r)
	}
	for _, c := range Categories {
		need := r.Needed(c, false)
		for _, k := range []Kind{GlovedFingertip, MediaFill, Garbing, HandHygiene} {
			if !contains(need, k) {
				t.Errorf("category %s does not require %s", c, k)
			}
		}
		if contains(need, HazardousHandling) {
			t.Errorf("category %s requires hazardous handling for a non-hazardous preparation", c)
		}
		if !contains(r.Needed(c, true), HazardousHandling) {
			t.Errorf("a hazardous category %s preparation does not require hazardous handling", c)
		}
	}
}

func contains(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// The boundary: passed on 2026-01-15 with six months, a media fill is
// current through the whole of 2026-07-15 in the site's time zone and
// lapsed from its first instant of 2026-07-16.
func TestLapsesAtTheEndOfTheLastDayInTheSiteZone(t *testing.T) {
	r := DefaultRules()
	for _, zone := range []string{"UTC", "America/New_York", "Pacific/Auckland", "Asia/Kolkata"} {
		t.Run(zone, func(t *testing.T) {
			loc := mustLoc(t, zone)
			passed := time.Date(2026, 1, 15, 23, 30, 0, 0, loc) // late on the day, in the site's zone
			recs := allPassed(passed)
			lastMoment := time.Date(2026, 7, 15, 23, 59, 59, 999999999, loc)
			firstLapsed := time.Date(2026, 7, 16, 0, 0, 0, 0, loc)
			if l := r.Check(recs, "2", false, lastMoment, loc); l != nil {
				t.Fatalf("at %s (last moment of the last day) the person is refused: %v", lastMoment, l)
			}
			l := r.Check(recs, "2", false, firstLapsed, loc)
			if l == nil {
				t.Fatalf("at %s the person still qualifies", firstLapsed)
			}
			msg := l.Error()
			for _, want := range []string{"media-fill", "lapsed", "2026-07-15"} {
				if !strings.Contains(msg, want) {
					t.Errorf("lapse message %q lacks %q", msg, want)
				}
			}
			// Hand hygiene (12 months) is still current on that day.
			for _, s := range l.Standings {
				if s.Kind == HandHygiene {
					t.Errorf("hand hygiene reported lapsed after six months: %+v", s)
				}
			}
		})
	}
}

// A record passed in the site's evening is a different UTC day: the day in
// the site's zone is the one that counts.
func TestPassedDayIsTheSiteDay(t *testing.T) {
	r := DefaultRules()
	ny := mustLoc(t, "America/New_York")
	passed := time.Date(2026, 3, 31, 22, 0, 0, 0, ny) // 2026-04-01 02:00 UTC
	st := r.Stand([]Record{current(MediaFill, passed)}, MediaFill, "1", passed, ny)
	if st.CurrentThrough != "2026-09-30" {
		t.Fatalf("current through %s, want 2026-09-30 (March 31 + 6 months, clamped)", st.CurrentThrough)
	}
	st = r.Stand([]Record{current(MediaFill, passed)}, MediaFill, "1", passed, time.UTC)
	if st.CurrentThrough != "2026-10-01" {
		t.Fatalf("in UTC current through %s, want 2026-10-01", st.CurrentThrough)
	}
}

func TestCategory3NeedsTheShorterInterval(t *testing.T) {
	r := DefaultRules()
	passed := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	now := time.Date(2026, 4, 11, 0, 0, 0, 0, time.UTC) // 3 months and a day later
	recs := allPassed(passed)
	if l := r.Check(recs, "2", false, now, time.UTC); l != nil {
		t.Fatalf("Category 2 refused after 3 months: %v", l)
	}
	l := r.Check(recs, "3", false, now, time.UTC)
	if l == nil {
		t.Fatal("Category 3 allowed 3 months and a day after the media fill")
	}
	if !strings.Contains(l.Error(), "2026-04-10") {
		t.Errorf("lapse %q does not name the last day 2026-04-10", l.Error())
	}
}

func TestHazardousPreparationNeedsHazardousHandling(t *testing.T) {
	r := DefaultRules()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var recs []Record
	for _, k := range []Kind{GlovedFingertip, MediaFill, Garbing, HandHygiene} {
		recs = append(recs, current(k, now.AddDate(0, -1, 0)))
	}
	if l := r.Check(recs, "2", false, now, time.UTC); l != nil {
		t.Fatalf("non-hazardous work refused: %v", l)
	}
	l := r.Check(recs, "2", true, now, time.UTC)
	if l == nil || len(l.Standings) != 1 || l.Standings[0].Kind != HazardousHandling || l.Standings[0].State != "missing" {
		t.Fatalf("hazardous work without the competency: %+v", l)
	}
}

func TestNewestPassCountsAndALaterFailDisqualifies(t *testing.T) {
	r := DefaultRules()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	old := current(MediaFill, now.AddDate(-1, 0, 0))
	fresh := current(MediaFill, now.AddDate(0, -1, 0))
	if st := r.Stand([]Record{fresh, old}, MediaFill, "1", now, time.UTC); st.State != "current" {
		t.Fatalf("with a pass a month ago: %s", st.State)
	}
	if st := r.Stand([]Record{old}, MediaFill, "1", now, time.UTC); st.State != "lapsed" {
		t.Fatalf("with only a pass a year ago: %s", st.State)
	}
	failed := Record{Kind: MediaFill, Result: Fail, Passed: now.AddDate(0, 0, -3)}
	st := r.Stand([]Record{fresh, failed}, MediaFill, "1", now, time.UTC)
	if st.State != "failed" || st.Qualified() || !strings.Contains(st.Explain(), "failed on") {
		t.Fatalf("a failure after the pass still qualifies: %+v %q", st, st.Explain())
	}
	retested := current(MediaFill, now.AddDate(0, 0, -1))
	if st := r.Stand([]Record{fresh, failed, retested}, MediaFill, "1", now, time.UTC); st.State != "current" {
		t.Fatalf("a pass after the failure does not requalify: %s", st.State)
	}
}

func TestDueSoonWithinThirtyDays(t *testing.T) {
	r := DefaultRules()
	passed := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	lapses := time.Date(2026, 7, 16, 0, 0, 0, 0, time.UTC)
	rec := []Record{current(Garbing, passed)}
	if st := r.Stand(rec, Garbing, "1", lapses.AddDate(0, 0, -30), time.UTC); st.State != "due_soon" {
		t.Errorf("30 days before the lapse: %s, want due_soon", st.State)
	}
	if st := r.Stand(rec, Garbing, "1", lapses.AddDate(0, 0, -30).Add(-time.Second), time.UTC); st.State != "current" {
		t.Errorf("30 days and a second before the lapse: %s, want current", st.State)
	}
	due := DueSoon(r.Overview(rec, lapses.AddDate(0, 0, -5), time.UTC))
	if len(due) == 0 || due[0].State != "missing" {
		t.Fatalf("missing kinds are not listed first: %+v", due)
	}
}

func TestMonthEndClamping(t *testing.T) {
	for _, c := range []struct {
		from Day
		n    int
		want string
	}{
		{Day{2026, 8, 31}, 6, "2027-02-28"},
		{Day{2027, 8, 31}, 6, "2028-02-29"},
		{Day{2026, 11, 30}, 3, "2027-02-28"},
		{Day{2026, 1, 15}, 12, "2027-01-15"},
		{Day{2026, 12, 31}, 1, "2027-01-31"},
	} {
		if got := c.from.addMonths(c.n).String(); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestRulesValidationNamesTheFault(t *testing.T) {
	for name, c := range map[string]struct{ json, want string }{
		"unknown kind required": {`{"version":"x","effective_from":"2026-01-01T00:00:00Z","source":"s","kinds":[{"kind":"media_fill","name":"m","months":6,"months_category_3":3}],"required":{"immediate":[],"1":["garbing"],"2":[],"3":[]},"hazardous_required":[],"due_soon_days":30}`, `names kind "garbing"`},
		"missing category":      {`{"version":"x","effective_from":"2026-01-01T00:00:00Z","source":"s","kinds":[],"required":{"1":[],"2":[],"3":[]},"hazardous_required":[],"due_soon_days":30}`, `category "immediate"`},
		"zero months":           {`{"version":"x","effective_from":"2026-01-01T00:00:00Z","source":"s","kinds":[{"kind":"media_fill","name":"m","months":0,"months_category_3":3}],"required":{"immediate":[],"1":[],"2":[],"3":[]},"hazardous_required":[],"due_soon_days":30}`, "1 to 60"},
		"no source":             {`{"version":"x","effective_from":"2026-01-01T00:00:00Z","source":"","kinds":[],"required":{"immediate":[],"1":[],"2":[],"3":[]},"hazardous_required":[],"due_soon_days":30}`, "source"},
		"unknown field":         {`{"version":"x","interval":3}`, "unknown field"},
		"bad kind name":         {`{"version":"x","effective_from":"2026-01-01T00:00:00Z","source":"s","kinds":[{"kind":"Media Fill","name":"m","months":6,"months_category_3":3}],"required":{"immediate":[],"1":[],"2":[],"3":[]},"hazardous_required":[],"due_soon_days":30}`, "lower-case"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseRules([]byte(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestParsePassedAt(t *testing.T) {
	ny := mustLoc(t, "America/New_York")
	got, err := ParsePassedAt("2026-03-08", ny)
	if err != nil || !got.Equal(time.Date(2026, 3, 8, 0, 0, 0, 0, ny)) {
		t.Fatalf("date only: %v %v", got, err)
	}
	got, err = ParsePassedAt("2026-03-08T14:00:00Z", ny)
	if err != nil || !got.Equal(time.Date(2026, 3, 8, 14, 0, 0, 0, time.UTC)) {
		t.Fatalf("RFC 3339: %v %v", got, err)
	}
	for _, bad := range []string{"", "08/03/2026", "2026-13-01", "yesterday"} {
		if _, err := ParsePassedAt(bad, ny); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Property: a person qualifies exactly while now is before the start of
// the day after passed-day + interval, in any zone, for any pass time.
func TestPropertyQualifiesExactlyUntilTheLapse(t *testing.T) {
	r := DefaultRules()
	zones := []string{"UTC", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham"}
	rapid.Check(t, func(t *rapid.T) {
		loc := mustLoc(t, rapid.SampledFrom(zones).Draw(t, "zone"))
		passed := time.Unix(rapid.Int64Range(1.7e9, 2.0e9).Draw(t, "passed"), 0).In(loc)
		cat := rapid.SampledFrom(Categories).Draw(t, "category")
		recs := allPassed(passed)
		st := r.Stand(recs, MediaFill, cat, passed, loc)
		if st.LapsesAt == nil {
			t.Fatal("no lapse time")
		}
		lapses := *st.LapsesAt
		if h, m, s := lapses.In(loc).Clock(); h != 0 || m != 0 || s != 0 {
			// A zone without a midnight that day starts it at 01:00.
			if lapses.In(loc).Hour() > 1 {
				t.Fatalf("lapse %s is not the start of a day in %s", lapses.In(loc), loc)
			}
		}
		before := lapses.Add(-time.Nanosecond)
		if r.Check(recs, cat, true, before, loc) != nil {
			t.Fatalf("refused at %s, lapse at %s", before, lapses)
		}
		if r.Check(recs, cat, true, lapses, loc) == nil {
			t.Fatalf("allowed at the lapse %s", lapses)
		}
		months := 6
		if cat == "3" {
			months = 3
		}
		minLapse := passed.AddDate(0, months, -4)
		if lapses.Before(minLapse) || lapses.After(passed.AddDate(0, months, 2)) {
			t.Fatalf("lapse %s is not about %d months after %s", lapses, months, passed)
		}
	})
}
