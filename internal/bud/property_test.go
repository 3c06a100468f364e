package bud

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// genRequest draws a request that is usually computable: every enum value,
// optional stability, components with expiries around the category limits
// and containers opened recently.
func genRequest(t *rapid.T) Request {
	req := Request{
		Category:           rapid.SampledFrom(categories).Draw(t, "category"),
		Method:             rapid.SampledFrom(methods).Draw(t, "method"),
		SterilityTested:    rapid.Bool().Draw(t, "tested"),
		StartingComponents: rapid.SampledFrom(startings).Draw(t, "starting"),
		Storage:            rapid.SampledFrom(storages).Draw(t, "storage"),
		CompoundedAt:       start.Add(time.Duration(rapid.Int64Range(0, 1000*24*60).Draw(t, "start_min")) * time.Minute),
	}
	if rapid.Bool().Draw(t, "has_stability") {
		req.StabilityLimit = dur(time.Duration(rapid.Int64Range(1, 200*24).Draw(t, "stability_h")) * time.Hour)
	}
	n := rapid.IntRange(0, 5).Draw(t, "n")
	for i := range n {
		c := Component{
			Name:      fmt.Sprintf("component %d", i),
			Container: rapid.SampledFrom([]Container{ContainerSingleDose, ContainerMultipleDose, ContainerBag, ContainerCompounded}).Draw(t, "container"),
		}
		exp := req.CompoundedAt.Add(time.Duration(rapid.Int64Range(1, 300*24*60).Draw(t, "expiry_min")) * time.Minute)
		if c.Container == ContainerCompounded {
			c.BUD = &exp
		} else {
			c.ExpiresAt = exp
		}
		if rapid.Bool().Draw(t, "opened") {
			c.OpenedAt = tp(req.CompoundedAt.Add(-time.Duration(rapid.Int64Range(0, 11*60).Draw(t, "opened_min_before")) * time.Minute))
		}
		req.Components = append(req.Components, c)
	}
	return req
}

// The BUD is never later than any of its limits and is always one of them.
func TestPropertyBUDIsEarliestLimit(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t)
		res, err := Compute(rules, req)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field == "" || e.Code == "" {
				t.Fatalf("error is not a *Error naming a field: %v", err)
			}
			return
		}
		found := false
		for _, l := range res.Limits {
			if res.BUD.After(l.At) {
				t.Fatalf("BUD %s is after the %s limit %s", res.BUD, l.Kind, l.At)
			}
			if res.BUD.Equal(l.At) && l.Kind == res.LimitedBy {
				found = true
			}
		}
		if !found {
			t.Fatalf("BUD %s (%s) is none of its limits %+v", res.BUD, res.LimitedBy, res.Limits)
		}
		if !res.BUD.After(req.CompoundedAt) {
			t.Fatalf("BUD %s is not after the start %s", res.BUD, req.CompoundedAt)
		}
		if res.Limits[0].Kind != LimitCategory {
			t.Fatalf("first limit is %s, want the category", res.Limits[0].Kind)
		}
		if (req.StabilityLimit == nil) == (len(res.Limits) == 2+len(req.Components)) {
			t.Fatalf("stability limit present=%t but %d limits for %d components", req.StabilityLimit != nil, len(res.Limits), len(req.Components))
		}
	})
}

// Adding a component, or a stability limit, never makes the BUD later.
func TestPropertyMoreLimitsNeverLater(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	rapid.Check(t, func(t *rapid.T) {
		req := genRequest(t)
		res, err := Compute(rules, req)
		if err != nil {
			return
		}
		more := req
		more.Components = append(append([]Component(nil), req.Components...), Component{
			Name: "extra", Container: ContainerBag,
			ExpiresAt: req.CompoundedAt.Add(time.Duration(rapid.Int64Range(1, 300*24).Draw(t, "extra_h")) * time.Hour),
		})
		if req.StabilityLimit == nil {
			more.StabilityLimit = dur(time.Duration(rapid.Int64Range(1, 200*24).Draw(t, "extra_stability_h")) * time.Hour)
		}
		res2, err := Compute(rules, more)
		if err != nil {
			if req.Category == CategoryImmediate {
				return // more than 3 components is refused for immediate use
			}
			t.Fatalf("adding a valid component failed: %v", err)
		}
		if res2.BUD.After(res.BUD) {
			t.Fatalf("BUD grew from %s to %s", res.BUD, res2.BUD)
		}
	})
}
