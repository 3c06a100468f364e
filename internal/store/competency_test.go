package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/competency"
	"github.com/laminar-rx/laminar/internal/store"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// The claim check at its exact boundaries, through the real store, in a
// site zone west of UTC: a media fill passed on 2026-06-03 (New York) is
// current through the whole New York day of 2026-12-03 and lapsed from its
// midnight, 05:00 UTC on 2026-12-04.
func TestCompetencyClaimCheckAtTheBoundary(t *testing.T) {
	st := testdb.New(t)
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	u, err := st.CreateUser(ctx, store.NewUser{Username: "boundary", Roles: []string{"technician"}}, store.Change{At: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	svc := competency.NewService(st, ny, func() time.Time { return clock })
	for _, k := range []string{"gloved_fingertip", "garbing", "hand_hygiene", "media_fill"} {
		passed := "2026-06-05"
		if k == "media_fill" {
			passed = "2026-06-03"
		}
		if _, err := svc.Record(ctx, u.ID, u.ID, competency.NewRecord{Kind: k, PassedAt: passed, Result: "pass"}); err != nil {
			t.Fatal(err)
		}
	}
	lapse := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at        time.Time
		category  string
		hazardous bool
		refused   bool
	}{
		{lapse.Add(-time.Nanosecond), "2", false, false},
		{lapse, "2", false, true},
		{lapse.Add(-time.Nanosecond), "2", true, true},                             // no hazardous-handling record
		{time.Date(2026, 9, 4, 3, 59, 59, 999999999, time.UTC), "3", false, false}, // the last instant of 2026-09-03 in New York
		{time.Date(2026, 9, 4, 4, 0, 0, 0, time.UTC), "3", false, true},            // 2026-09-04 00:00 in New York
	} {
		clock = c.at
		err := svc.CheckClaim(ctx, u.ID, c.category, c.hazardous, c.at)
		if c.refused != (err != nil) {
			t.Fatalf("at %s (category %s, hazardous %v): err = %v, want refused %v", c.at.In(ny), c.category, c.hazardous, err, c.refused)
		}
		if err != nil {
			e, ok := err.(*apperr.Error)
			if !ok || e.Code != competency.CodeLapsed || e.Kind != apperr.Refused {
				t.Fatalf("refusal %#v is not 422 competency_lapsed", err)
			}
		}
	}
	// The record cannot be edited or removed, even by hand.
	if _, err := st.DB.Exec(`UPDATE competencies SET passed_at = now()`); err == nil {
		t.Fatal("a competency record was changed")
	}
	if _, err := st.DB.Exec(`DELETE FROM competencies`); err == nil {
		t.Fatal("competency records were deleted")
	}
}
