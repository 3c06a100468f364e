package workflow

import (
	"github.com/laminar-rx/laminar/internal/apperr"
)

// Status is where a preparation is in its life.
type Status string

// The statuses of a preparation. A rejected preparation is replaced by a
// remake (a new preparation of the same order); it never comes back.
const (
	StatusQueued     Status = "queued"      // waiting for a technician
	StatusInProgress Status = "in_progress" // claimed: one technician works it
	StatusCompleted  Status = "completed"   // all steps done; awaiting verification
	// StatusSecondCheck is a high-alert preparation one pharmacist has
	// approved where the site requires an independent double check: a
	// second pharmacist, who neither made it nor made the first check,
	// must approve it too before it can be released.
	StatusSecondCheck Status = "awaiting_second_check"
	StatusVerified    Status = "verified"  // a pharmacist approved it
	StatusReleased    Status = "released"  // label scanned out to the floor; closed
	StatusRejected    Status = "rejected"  // a pharmacist rejected it; wasted
	StatusCancelled   Status = "cancelled" // its order was cancelled
	// StatusNeedsOverride holds a preparation whose dose is outside its
	// drug's dose-range or rate limits until a pharmacist overrides it.
	StatusNeedsOverride Status = "needs_pharmacist_override"
)

// Action is something a person does to a preparation.
type Action string

// The actions of the workflow.
const (
	ActClaim        Action = "claim"
	ActReleaseClaim Action = "release_claim"
	ActScan         Action = "scan"
	ActWeigh        Action = "weigh"
	ActStepDone     Action = "step_done"
	ActPhoto        Action = "photo"
	ActComplete     Action = "complete"
	ActLabel        Action = "label"
	ActVerify       Action = "verify"
	// The three outcomes of a verification: the decision, and whether the
	// site requires a second check that has not been made yet, pick one.
	ActApprove    Action = "approve"
	ActFirstCheck Action = "first_check"
	ActReject     Action = "reject"
	ActRelease    Action = "release"
	ActCancel     Action = "cancel"
	ActOverride   Action = "override"
)

// allowedIn is the state machine: the statuses in which each action is
// allowed. Anything else is a wrong-state conflict.
var allowedIn = map[Action][]Status{
	ActClaim:        {StatusQueued},
	ActReleaseClaim: {StatusInProgress},
	ActScan:         {StatusInProgress},
	ActWeigh:        {StatusInProgress},
	ActStepDone:     {StatusInProgress},
	ActPhoto:        {StatusInProgress},
	ActComplete:     {StatusInProgress},
	// A preparation made on paper during downtime is recorded afterwards.
	ActRecordDowntime: {StatusQueued, StatusInProgress},
	ActLabel:          {StatusCompleted, StatusSecondCheck, StatusVerified, StatusReleased},
	ActVerify:         {StatusCompleted, StatusSecondCheck},
	ActApprove:        {StatusCompleted, StatusSecondCheck},
	ActFirstCheck:     {StatusCompleted},
	ActReject:         {StatusCompleted, StatusSecondCheck},
	ActRelease:        {StatusVerified},
	ActCancel:         {StatusNeedsOverride, StatusQueued, StatusInProgress, StatusCompleted, StatusSecondCheck, StatusVerified},
	ActOverride:       {StatusNeedsOverride},
}

// next is the status an action leads to, for actions that change it.
var next = map[Action]Status{
	ActClaim:          StatusInProgress,
	ActReleaseClaim:   StatusQueued,
	ActComplete:       StatusCompleted,
	ActRecordDowntime: StatusCompleted,
	ActApprove:        StatusVerified,
	ActFirstCheck:     StatusSecondCheck,
	ActReject:         StatusRejected,
	ActRelease:        StatusReleased,
	ActCancel:         StatusCancelled,
	ActOverride:       StatusQueued,
}

// Allows reports nil when action a may be taken in status s, else a 409
// wrong_state error saying what status the preparation is in and which
// statuses would allow it.
func (s Status) Allows(a Action) error {
	for _, ok := range allowedIn[a] {
		if ok == s {
			return nil
		}
	}
	if s == StatusNeedsOverride && a != ActOverride {
		return apperr.WithCode(apperr.Refused, string(StatusNeedsOverride),
			"the dose is outside its drug's dose-range or rate limits: a pharmacist must override it (with a reason and the password) before it can be prepared")
	}
	if a == ActLabel {
		return apperr.WithCode(apperr.Conflict, "not_completed",
			"the label can be printed only once compounding is complete; this preparation is %s", s)
	}
	return apperr.WithCode(apperr.Conflict, "wrong_state",
		"cannot %s a preparation that is %s (allowed when %s)", phrase(a), s, statusList(allowedIn[a]))
}

// Next returns the status after a, or s itself when a does not change it.
// A verification is one of approve, first_check or reject (see
// Preparation.Verify), each with its own status.
func (s Status) Next(a Action) Status {
	if n, ok := next[a]; ok {
		return n
	}
	return s
}

// Open reports whether the preparation still needs work or a decision.
func (s Status) Open() bool {
	switch s {
	case StatusNeedsOverride, StatusQueued, StatusInProgress, StatusCompleted, StatusSecondCheck, StatusVerified:
		return true
	}
	return false
}

func phrase(a Action) string {
	switch a {
	case ActReleaseClaim:
		return "release the claim on"
	case ActStepDone:
		return "mark a step done on"
	case ActWeigh:
		return "record a weight for"
	case ActPhoto:
		return "add a photo to"
	case ActLabel:
		return "print the label of"
	case ActRecordDowntime:
		return "record as made during downtime"
	}
	return string(a)
}

func statusList(ss []Status) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " or "
		}
		out += string(s)
	}
	return out
}

// Priority is the urgency of an order.
type Priority string

// The priorities an order may have.
const (
	PriorityStat      Priority = "stat"
	PriorityFirstDose Priority = "first_dose"
	PriorityRoutine   Priority = "routine"
)

// Rank orders priorities: STAT first, then first dose, then routine.
func (p Priority) Rank() int {
	switch p {
	case PriorityStat:
		return 0
	case PriorityFirstDose:
		return 1
	}
	return 2
}

// Valid reports whether p is one of the priorities.
func (p Priority) Valid() bool {
	return p == PriorityStat || p == PriorityFirstDose || p == PriorityRoutine
}
