package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/config"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/testdb"
)

// The JSON commands and the HTTP API print one envelope through one
// conversion: for the same bad input the bodies are equal, byte for byte
// after decoding.
func TestCommandsPrintTheAPIsEnvelope(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	h := httpapi.New(&httpapi.API{Store: testdb.New(t), Config: cfg, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: anyone{}})
	for _, tc := range []struct {
		name, path, body string
		args             []string
		stdin            string
	}{
		{"calc wrong dimension", "/api/v1/calc", `{"kind": "dose", "dose": "15 mg/kg", "weight": "72 mL"}`, []string{"calc"}, ""},
		{"calc unknown unit", "/api/v1/calc", `{"kind": "volume", "dose": "1 furlong", "concentration": "100 mg/mL"}`, []string{"calc"}, ""},
		{"barcode check digit", "/api/v1/barcodes/parse", `{"data": "0100300027597011"}`, []string{"barcode", "parse", "0100300027597011"}, ""},
		{"bud malformed", "/api/v1/bud", `{"category":`, []string{"bud"}, ""},
		{"bud missing field", "/api/v1/bud", `{"category": "1", "storage": "room"}`, []string{"bud"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer any")
			h.ServeHTTP(rec, req)
			if rec.Code < 400 || rec.Code >= 500 {
				t.Fatalf("HTTP %d %s", rec.Code, rec.Body)
			}
			stdin := tc.body
			if tc.args[0] == "barcode" {
				stdin = ""
			}
			out, _, err := runCmd(t, nil, stdin, tc.args...)
			var se *silentExit
			if !errors.As(err, &se) {
				t.Fatalf("want exit 1, got %v\n%s", err, out)
			}
			var api, cli envelope
			if err := json.Unmarshal(rec.Body.Bytes(), &api); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(out), &cli); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if api.Error.Code == "" || api.Error.Message == "" {
				t.Fatalf("empty envelope %s", rec.Body)
			}
			a, _ := json.Marshal(api)
			c, _ := json.Marshal(cli)
			if string(a) != string(c) {
				t.Fatalf("the API says %s, the command %s", a, c)
			}
		})
	}
}

// anyone authenticates every token as a technician.
type anyone struct{}

func (anyone) Authenticate(context.Context, string) (*auth.Principal, error) {
	return &auth.Principal{UserID: 1, Username: "tech", Roles: []auth.Role{auth.Technician}}, nil
}
