package workflow

import (
	"testing"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/bud"
	"github.com/laminar-rx/laminar/internal/guard"
)

func codeOf(err error) string {
	if e, ok := err.(*apperr.Error); ok {
		return e.CodeOrKind()
	}
	return ""
}

// Every status change goes through the domain's state table: the status a
// method leaves is Status.Next of its action, and the event it returns is
// the one the log expects.
func TestTransitionsFollowTheStateTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tech, other, pharm := Actor{UserID: 1}, Actor{UserID: 2}, Actor{UserID: 3}
	p := &Preparation{ID: 7, OrderID: 70, Status: StatusQueued}

	evs, err := p.Claim(tech, now)
	if err != nil || p.Status != StatusQueued.Next(ActClaim) || len(evs) != 1 || evs[0].Type != EvPrepClaimed {
		t.Fatalf("claim: %v %v %+v", err, p.Status, evs)
	}
	if p.StartedAt == nil || !p.StartedAt.Equal(now) || *p.ClaimedBy != tech.UserID {
		t.Fatalf("claim did not record who and when: %+v", p)
	}
	if evs, err := p.Claim(tech, now); err != nil || len(evs) != 0 {
		t.Fatalf("claiming again what one holds: %v %+v", err, evs)
	}
	if _, err := p.Claim(other, now); codeOf(err) != "claimed_elsewhere" {
		t.Fatalf("claim by another: %v", err)
	}
	if _, err := p.ReleaseClaim(other); codeOf(err) != "not_claimant" {
		t.Fatalf("release by another: %v", err)
	}
	if evs, err := p.ReleaseClaim(Actor{UserID: 9, Admin: true}); err != nil || p.Status != StatusQueued || evs[0].Payload["holder"] != tech.UserID {
		t.Fatalf("admin release: %v %v %+v", err, p.Status, evs)
	}
	started := *p.StartedAt
	if _, err := p.Claim(tech, now.Add(time.Hour)); err != nil || !p.StartedAt.Equal(started) {
		t.Fatalf("a second claim moved the start: %v %v", err, p.StartedAt)
	}
	if err := p.CheckWorking(ActScan, other, true); codeOf(err) != "not_claimant" {
		t.Fatalf("scan by another: %v", err)
	}
	if _, _, err := p.IssueLabel(tech, "pdf"); codeOf(err) != "not_completed" {
		t.Fatalf("label before completion: %v", err)
	}

	evs = p.Complete(tech, bud.Result{BUD: now.Add(24 * time.Hour)}, 2, now)
	if p.Status != StatusInProgress.Next(ActComplete) || p.ClaimedBy != nil || p.BUD == nil || evs[0].Type != EvCompleted {
		t.Fatalf("complete: %v %+v", p.Status, evs)
	}
	if _, err := p.Verify(tech, Approve, "", now, Hands{}); codeOf(err) != "self_verification" {
		t.Fatalf("self verification: %v", err)
	}
	if _, err := p.Release(pharm, LabelData(7, 1), now); codeOf(err) != "wrong_state" {
		t.Fatalf("release before verification: %v", err)
	}
	if evs, err := p.Verify(pharm, Approve, "ok", now, Hands{Made: map[int64]string{tech.UserID: "claimed it"}}); err != nil || p.Status != StatusVerified || evs[0].Type != EvVerified {
		t.Fatalf("approve: %v %v", err, p.Status)
	}
	if _, err := p.Release(pharm, LabelData(7, 1), now); codeOf(err) != "stale_label" {
		t.Fatalf("release without a label: %v", err)
	}
	data1, evs, err := p.IssueLabel(pharm, "pdf")
	if err != nil || evs[0].Type != EvLabelPrinted || data1 != LabelData(7, 1) {
		t.Fatalf("first label: %v %+v", err, evs)
	}
	data2, evs, err := p.IssueLabel(pharm, "pdf")
	if err != nil || evs[0].Type != EvLabelReprinted || p.LabelSeq != 2 {
		t.Fatalf("second label: %v %+v", err, evs)
	}
	for _, tc := range []struct{ data, code string }{
		{LabelData(8, 2), "wrong_label"},
		{data1, "stale_label"},
	} {
		if _, err := p.Release(pharm, tc.data, now); codeOf(err) != tc.code {
			t.Fatalf("release with %s: %v, want %s", tc.data, err, tc.code)
		}
	}
	if evs, err := p.Release(pharm, data2, now); err != nil || p.Status != StatusVerified.Next(ActRelease) || evs[0].Type != EvReleased {
		t.Fatalf("release: %v %v", err, p.Status)
	}
	if evs := p.Cancel(pharm.UserID, "late"); len(evs) != 0 || p.Status != StatusReleased {
		t.Fatalf("cancelling a released preparation: %v %+v", p.Status, evs)
	}
}

// A rejection leads to rejected, and cancelling an open preparation to
// cancelled, recording where it was.
func TestRejectAndCancel(t *testing.T) {
	t.Parallel()
	now := time.Now()
	p := &Preparation{ID: 1, OrderID: 5, Status: StatusCompleted, PreparedBy: new(int64)}
	*p.PreparedBy = 1
	if evs, err := p.Verify(Actor{UserID: 2}, Reject, "cloudy", now, Hands{}); err != nil || p.Status != StatusRejected || evs[0].Type != EvRejected {
		t.Fatalf("reject: %v %v", err, p.Status)
	}
	q := &Preparation{ID: 2, OrderID: 5, Status: StatusInProgress, ClaimedBy: new(int64)}
	evs := q.Cancel(3, "stopped")
	if q.Status != StatusInProgress.Next(ActCancel) || q.ClaimedBy != nil || len(evs) != 1 || evs[0].Payload["from"] != StatusInProgress {
		t.Fatalf("cancel: %v %+v", q.Status, evs)
	}
}

// Verification goes through the state table: the decision, whether the
// site requires an independent double check, and who had a hand in the
// preparation pick the action and so the status; nobody who made it and
// not the first checker may make the second check.
func TestVerificationThroughTheStateTable(t *testing.T) {
	t.Parallel()
	const maker, other, first, second = 1, 2, 3, 4
	made := map[int64]string{maker: "completed it", other: "scanned a component"}
	cases := []struct {
		name     string
		double   bool
		from     Status
		actor    int64
		decision Decision
		approved []int64
		want     Status
		event    string
		code     string
	}{
		{"approval", false, StatusCompleted, first, Approve, nil, StatusVerified, EvVerified, ""},
		{"rejection", false, StatusCompleted, first, Reject, nil, StatusRejected, EvRejected, ""},
		{"first check of a double-checked one", true, StatusCompleted, first, Approve, nil, StatusSecondCheck, EvFirstCheck, ""},
		{"rejection at the first check", true, StatusCompleted, first, Reject, nil, StatusRejected, EvRejected, ""},
		{"second check by another", true, StatusSecondCheck, second, Approve, []int64{first}, StatusVerified, EvVerified, ""},
		{"second check by the first checker", true, StatusSecondCheck, first, Approve, []int64{first}, StatusSecondCheck, "", "double_check_not_independent"},
		{"rejection at the second check", true, StatusSecondCheck, second, Reject, []int64{first}, StatusRejected, EvRejected, ""},
		{"the completer verifying", false, StatusCompleted, maker, Approve, nil, StatusCompleted, "", "self_verification"},
		{"one who scanned verifying", true, StatusCompleted, other, Reject, nil, StatusCompleted, "", "self_verification"},
		{"one who scanned at the second check", true, StatusSecondCheck, other, Approve, []int64{first}, StatusSecondCheck, "", "self_verification"},
		{"verifying before completion", false, StatusInProgress, first, Approve, nil, StatusInProgress, "", "wrong_state"},
		{"verifying a verified one", true, StatusVerified, second, Approve, []int64{first, 5}, StatusVerified, "", "wrong_state"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := &Preparation{ID: 9, Status: tc.from, PreparedBy: new(int64)}
			*p.PreparedBy = maker
			if tc.double {
				p.Worksheet.HighAlert = &guard.HighAlertFlag{Category: "concentrated electrolytes", DoubleCheck: true}
			}
			evs, err := p.Verify(Actor{UserID: tc.actor}, tc.decision, "r", time.Now(), Hands{Made: made, Approved: tc.approved})
			if codeOf(err) != tc.code || p.Status != tc.want {
				t.Fatalf("%s from %s: status %s, error %v; want %s %q", tc.decision, tc.from, p.Status, err, tc.want, tc.code)
			}
			if tc.code != "" {
				if len(evs) != 0 || p.VerifiedBy != nil {
					t.Fatalf("a refused verification changed something: %+v %v", evs, p.VerifiedBy)
				}
				return
			}
			if len(evs) != 1 || evs[0].Type != tc.event {
				t.Fatalf("events %+v, want one %s", evs, tc.event)
			}
			// Every status a verification leaves is the table's.
			var a Action = ActApprove
			switch tc.event {
			case EvRejected:
				a = ActReject
			case EvFirstCheck:
				a = ActFirstCheck
			}
			if tc.from.Next(a) != p.Status || tc.from.Allows(a) != nil {
				t.Fatalf("%s from %s is not in the table", a, tc.from)
			}
			if (p.VerifiedBy != nil) != (p.Status != StatusSecondCheck) {
				t.Fatalf("verified_by %v at %s", p.VerifiedBy, p.Status)
			}
		})
	}
	if StatusSecondCheck.Allows(ActRelease) == nil || StatusSecondCheck.Allows(ActLabel) != nil || !StatusSecondCheck.Open() {
		t.Fatal("a preparation awaiting its second check must not be released, may be labelled, and is open")
	}
}
