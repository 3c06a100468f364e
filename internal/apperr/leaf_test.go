package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
	"github.com/laminar-rx/laminar/internal/bud"
)

// Every domain package's error is read the same way, wrapped or not.
func TestFromReadsEveryLeaf(t *testing.T) {
	t.Parallel()
	_, calcErr := calc.Parse("12 furlongs")
	_, barcodeErr := barcode.Parse("0100300027597011", barcode.Options{})
	_, budErr := bud.DecodeRequest([]byte(`{"category":`), nil)
	plain := errors.New("disk on fire")
	own := apperr.WithCode(apperr.Conflict, "claimed", "claimed by someone else")
	for _, tc := range []struct {
		name             string
		err              error
		kind             apperr.Kind
		code, field, msg string
	}{
		{"calc", calcErr, apperr.Invalid, calc.CodeUnknownUnit, "quantity", ""},
		{"barcode", barcodeErr, apperr.Invalid, barcode.CodeBadCheckDigit, "", ""},
		{"bud malformed", budErr, apperr.Invalid, "malformed_json", "body", ""},
		{"bud refusal", &bud.Error{Code: bud.CodeComponentExpired, Field: "components[0].expires_at", Message: "expired"},
			apperr.Refused, bud.CodeComponentExpired, "components[0].expires_at", "expired"},
		{"bud bad input", &bud.Error{Code: bud.CodeRequired, Field: "category", Message: "is required"},
			apperr.Invalid, bud.CodeRequired, "category", "is required"},
		{"wrapped leaf", fmt.Errorf("row 3: %w", &calc.Error{Field: "dose", Code: calc.CodeMissing, Message: "is required"}),
			apperr.Invalid, calc.CodeMissing, "dose", "is required"},
		{"own error", fmt.Errorf("claim: %w", own), apperr.Conflict, "claimed", "", "claimed by someone else"},
		{"plain", plain, apperr.Internal, "internal", "", "internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatal("the case's error is nil")
			}
			e := apperr.From(tc.err)
			if e.Kind != tc.kind || e.CodeOrKind() != tc.code || e.Field != tc.field || (tc.msg != "" && e.Message != tc.msg) {
				t.Fatalf("From(%v) = %+v, want kind %s code %s field %q message %q", tc.err, e, tc.kind, tc.code, tc.field, tc.msg)
			}
			if e.Message == "" {
				t.Fatal("no message")
			}
			if tc.kind != apperr.Internal && e.Message != apperr.Message(tc.err) {
				t.Fatalf("Message = %q, From's message %q", apperr.Message(tc.err), e.Message)
			}
			if tc.name != "own error" && !errors.Is(e, tc.err) {
				t.Fatal("the cause is lost")
			}
		})
	}
	if apperr.From(nil) != nil {
		t.Fatal("From(nil) is not nil")
	}
}

func TestInFieldOnlyFillsAMissingField(t *testing.T) {
	t.Parallel()
	if f := apperr.From(&calc.Error{Field: "dose", Code: calc.CodeMissing, Message: "m"}).InField("data").Field; f != "dose" {
		t.Fatalf("InField replaced the leaf's own field: %q", f)
	}
	if f := apperr.From(&barcode.Error{Code: barcode.CodeNoData, Message: "m"}).InField("data").Field; f != "data" {
		t.Fatalf("InField = %q", f)
	}
}

func TestEnvelopeOf(t *testing.T) {
	t.Parallel()
	e := &apperr.Error{Kind: apperr.TooMany, Message: "slow down", Field: "pin", RetryAfter: 30, Fields: map[string]string{"pin": "x"}}
	got := apperr.EnvelopeOf(e).Error
	if got.Code != "too_many" || got.Message != "slow down" || got.Field != "pin" || got.RetryAfter != 30 || got.Fields["pin"] != "x" {
		t.Fatalf("envelope %+v", got)
	}
}
