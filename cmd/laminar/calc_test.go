package main

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCalcCommand(t *testing.T) {
	out, _, err := runCmd(t, nil, `{"kind": "volume", "dose": "1087.5 mg", "concentration": "100 mg/mL", "round_to": "0.1 mL"}`, "calc")
	if err != nil {
		t.Fatalf("calc: %v\n%s", err, out)
	}
	var resp map[string]any
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if resp["kind"] != "volume" || resp["exact_volume"] != "10.875 mL" || resp["volume"] != "10.9 mL" || resp["delivered_dose"] != "1090 mg" {
		t.Fatalf("response %v", resp)
	}
	if steps, _ := resp["steps"].([]any); len(steps) == 0 {
		t.Fatal("no derivation steps")
	}
}

func TestCalcCommandBadInput(t *testing.T) {
	cases := []struct{ name, in, field string }{
		{"wrong dimension", `{"kind": "dose", "dose": "15 mg/kg", "weight": "72 mL"}`, "weight"},
		{"number not string", `{"kind": "volume", "dose": 10, "concentration": "100 mg/mL"}`, "dose"},
		{"missing", `{"kind": "volume", "concentration": "100 mg/mL"}`, "dose"},
		{"unknown kind", `{"kind": "magic"}`, "kind"},
		{"C2 above C1", `{"kind": "dilution", "stock_concentration": "1 mg/mL", "final_concentration": "2 mg/mL", "final_volume": "100 mL"}`, "final_concentration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, tc.in, "calc")
			var se *silentExit
			if !errors.As(err, &se) {
				t.Fatalf("want exit 1, got %v", err)
			}
			var env envelope
			if err := json.Unmarshal([]byte(out), &env); err != nil || env.Error.Field != tc.field || env.Error.Code == "" {
				t.Fatalf("envelope %q (%v), want field %q", out, err, tc.field)
			}
		})
	}
}
