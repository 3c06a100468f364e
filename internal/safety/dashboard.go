// Package safety answers the safety officer's questions about the
// compounding log: which preparations a lot went into, what one person did
// in a shift, every pharmacist override, and the dashboard of errors
// caught, typed entries, overrides, turnaround and waste for a period, on
// screen and as a printable report. It also reads the log itself for the
// log's screen and API: a page of entries, the export's stream, the check
// of the hash chain. It reads; it never changes anything.
package safety

import (
	"context"
	"sort"
	"time"

	"github.com/laminar-rx/laminar/internal/logwords"
	"github.com/laminar-rx/laminar/internal/store"
)

// Service reads the store for the safety officer.
type Service struct {
	st  *store.Store
	loc *time.Location
}

// New returns the service; loc is the site's time zone (nil: UTC).
func New(st *store.Store, loc *time.Location) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{st: st, loc: loc}
}

// Period is a half-open span of time [From, To).
type Period struct {
	From, To time.Time
}

// Rate is a count per 1,000 doses, in tenths (123 is 12.3 per 1,000), kept
// as an integer so that no rounding of floating point shows.
type Rate int64

// rate is n per 1,000 of doses, in tenths, rounded half up; with no dose
// it is 0 (the count itself is shown beside it).
func rate(n, doses int64) Rate {
	if doses <= 0 {
		return 0
	}
	return Rate((n*10000 + doses/2) / doses)
}

// RateOf is n per 1,000 of doses, in tenths, rounded half up.
func RateOf(n, doses int64) Rate { return rate(n, doses) }

// String writes the rate with one decimal at most: "12.3", "4", "0.5".
func (r Rate) String() string { return tenths(int64(r)) }

// KindCount is how many errors of one kind were caught, and the rate.
type KindCount struct {
	Kind    string `json:"kind"`
	N       int64  `json:"count"`
	PerK    Rate   `json:"per_1000_tenths"`
	PerKStr string `json:"per_1000"`
}

// CodeCount is how many refusals of one code were caught, in words.
type CodeCount struct {
	Code  string `json:"code"`
	Words string `json:"words"`
	Kind  string `json:"kind"`
	N     int64  `json:"count"`
}

// PersonRow is one technician's doses, errors caught and typed entries.
type PersonRow struct {
	Username string `json:"username"`
	Doses    int64  `json:"doses"`
	Caught   int64  `json:"caught"`
	PerK     Rate   `json:"per_1000_tenths"`
	PerKStr  string `json:"per_1000"`
	Typed    int64  `json:"typed_entries"`
	// ByKind counts the caught errors per kind (in CaughtKinds order).
	ByKind []int64 `json:"by_kind"`
}

// TurnaroundRow is the time from order to release for one priority.
type TurnaroundRow struct {
	Priority string `json:"priority"`
	Words    string `json:"words"`
	N        int64  `json:"released"`
	MedianS  int64  `json:"median_seconds"`
	P90S     int64  `json:"p90_seconds"`
}

// WasteRow is the waste recorded for one reason.
type WasteRow struct {
	Reason     string `json:"reason"`
	Doses      int64  `json:"doses"`
	Containers int64  `json:"containers"`
	Remakes    int64  `json:"remakes"`
}

// Dashboard is the answer to the safety officer's questions for a period.
type Dashboard struct {
	From       time.Time   `json:"from"`
	To         time.Time   `json:"to"`
	Doses      int64       `json:"doses"`
	Caught     int64       `json:"caught"`
	CaughtPerK string      `json:"caught_per_1000"`
	ByKind     []KindCount `json:"by_kind"`
	ByCode     []CodeCount `json:"by_code"`
	People     []PersonRow `json:"technicians"`
	Typed      int64       `json:"typed_entries"`
	// TypedScans and TypedWeights split Typed: scans typed instead of
	// scanned, weights typed instead of read from a balance.
	TypedScans   int64             `json:"typed_scans"`
	TypedWeights int64             `json:"typed_weights"`
	Overrides    int64             `json:"overrides"`
	OverrideBy   []store.UserCount `json:"overrides_by"`
	Turnaround   []TurnaroundRow   `json:"turnaround"`
	Waste        []WasteRow        `json:"waste"`
	WastedDoses  int64             `json:"wasted_doses"`
	Remakes      int64             `json:"remakes"`
	// CostKnown is false: the formulary holds no cost, so waste is counted,
	// not priced.
	CostKnown bool `json:"cost_known"`
	// OverrideList is every override of the period.
	OverrideList []store.OverrideRow `json:"override_list"`
}

// kindOf is the kind of caught error a code of the store's count stands for.
func kindOf(code string) string {
	switch code {
	case "out_of_tolerance":
		return logwords.CaughtWeight
	case "rejected":
		return logwords.CaughtRejected
	}
	return logwords.CaughtKindOfRefusal(code)
}

// codeWords is a caught code in plain words.
func codeWords(code string) string {
	if code == "rejected" {
		return "Rejected by pharmacist"
	}
	return logwords.RefusalText(code)
}

// priorityWords are the order priorities in words.
var priorityWords = map[string]string{"stat": "STAT", "first_dose": "First dose", "routine": "Routine"}

// Dashboard aggregates the period.
func (s *Service) Dashboard(ctx context.Context, p Period) (Dashboard, error) {
	n, err := s.st.SafetyNumbersBetween(ctx, p.From, p.To)
	if err != nil {
		return Dashboard{}, err
	}
	return build(p, n), nil
}

// build turns the store's counts into the dashboard.
func build(p Period, n store.SafetyNumbers) Dashboard {
	d := Dashboard{From: p.From, To: p.To, OverrideList: n.Overrides, Overrides: int64(len(n.Overrides))}
	kindIndex := map[string]int{}
	for i, k := range logwords.CaughtKinds {
		kindIndex[k] = i
		d.ByKind = append(d.ByKind, KindCount{Kind: k})
	}
	people := map[string]*PersonRow{}
	person := func(u string) *PersonRow {
		if u == "" {
			u = "(unknown)"
		}
		if people[u] == nil {
			people[u] = &PersonRow{Username: u, ByKind: make([]int64, len(logwords.CaughtKinds))}
		}
		return people[u]
	}
	for _, c := range n.Doses {
		d.Doses += c.N
		person(c.Username).Doses += c.N
	}
	codes := map[string]int64{}
	for _, c := range n.Caught {
		k := kindOf(c.Code)
		d.Caught += c.N
		d.ByKind[kindIndex[k]].N += c.N
		codes[c.Code] += c.N
		pr := person(c.Username)
		pr.Caught += c.N
		pr.ByKind[kindIndex[k]] += c.N
	}
	for code, c := range codes {
		d.ByCode = append(d.ByCode, CodeCount{Code: code, Words: codeWords(code), Kind: kindOf(code), N: c})
	}
	sort.Slice(d.ByCode, func(i, j int) bool {
		if d.ByCode[i].N != d.ByCode[j].N {
			return d.ByCode[i].N > d.ByCode[j].N
		}
		return d.ByCode[i].Code < d.ByCode[j].Code
	})
	for _, c := range n.Typed {
		d.Typed += c.Scans + c.Weights
		d.TypedScans += c.Scans
		d.TypedWeights += c.Weights
		person(c.Username).Typed += c.Scans + c.Weights
	}
	for i := range d.ByKind {
		d.ByKind[i].PerK = rate(d.ByKind[i].N, d.Doses)
		d.ByKind[i].PerKStr = d.ByKind[i].PerK.String()
	}
	d.CaughtPerK = rate(d.Caught, d.Doses).String()
	for _, pr := range people {
		pr.PerK = rate(pr.Caught, pr.Doses)
		pr.PerKStr = pr.PerK.String()
		d.People = append(d.People, *pr)
	}
	sort.Slice(d.People, func(i, j int) bool { return d.People[i].Username < d.People[j].Username })
	for _, t := range n.Turnaround {
		d.Turnaround = append(d.Turnaround, TurnaroundRow{Priority: t.Priority, Words: priorityWords[t.Priority], N: t.N, MedianS: t.MedianS, P90S: t.P90S})
	}
	for _, w := range n.Waste {
		d.Waste = append(d.Waste, WasteRow(w))
		d.WastedDoses += w.Doses
		d.Remakes += w.Remakes
	}
	byPharm := map[string]int64{}
	for _, o := range n.Overrides {
		byPharm[o.Pharmacist]++
	}
	for u, c := range byPharm {
		d.OverrideBy = append(d.OverrideBy, store.UserCount{Username: u, N: c})
	}
	sort.Slice(d.OverrideBy, func(i, j int) bool { return d.OverrideBy[i].Username < d.OverrideBy[j].Username })
	return d
}

// Minutes writes seconds as minutes with one decimal at most ("12.5").
func Minutes(sec int64) string {
	return tenths((sec*10 + 30) / 60)
}
