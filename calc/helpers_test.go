package calc

import (
	"errors"
	"strings"
	"testing"
)

// wantQ fails unless got prints as want (the contract's plain form).
func wantQ(t *testing.T, what string, got Quantity, want string) {
	t.Helper()
	if got.String() != want {
		t.Errorf("%s = %q, want %q", what, got.String(), want)
	}
}

// wantErr fails unless err is a *Error on field with code.
func wantErr(t *testing.T, err error, field, code string) {
	t.Helper()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want *Error{Field: %q, Code: %q}", err, field, code)
	}
	if ce.Field != field || ce.Code != code {
		t.Errorf("error = %+v, want field %q code %q", ce, field, code)
	}
	if ce.Message == "" {
		t.Error("error has no message")
	}
}

// wantStep fails unless one of the steps contains sub.
func wantStep(t *testing.T, steps []string, sub string) {
	t.Helper()
	for _, s := range steps {
		if strings.Contains(s, sub) {
			return
		}
	}
	t.Errorf("no step contains %q; steps:\n%s", sub, strings.Join(steps, "\n"))
}

func qp(s string) *Quantity {
	q := MustParse(s)
	return &q
}
