package bud

import (
	"errors"
	"testing"
	"time"

	_ "time/tzdata" // the site zone tests must not depend on the machine's zoneinfo
)

var start = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func dur(d time.Duration) *time.Duration { return &d }

func tp(t time.Time) *time.Time { return &t }

const day = 24 * time.Hour

// farExpiry is a lot expiry later than every category limit.
var farExpiry = start.Add(400 * day)

func vial(name string) Component {
	return Component{Name: name, ExpiresAt: farExpiry, Container: ContainerSingleDose}
}

// wantError checks err is an *Error with the code and field given.
func wantError(t *testing.T, err error, code, field string) *Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s on %q, got nil", code, field)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want *Error, got %T: %v", err, err)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("want code %q field %q, got code %q field %q (%s)", code, field, e.Code, e.Field, e.Message)
	}
	if e.Message == "" {
		t.Fatalf("error %s has no message", code)
	}
	return e
}

func mustCompute(t *testing.T, req Request) Result {
	t.Helper()
	res, err := Compute(DefaultRules(), req)
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	return res
}

func newYork(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("load America/New_York: %v", err)
	}
	return loc
}
