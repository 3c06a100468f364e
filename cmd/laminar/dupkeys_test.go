package main

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestJSONCommandsRefuseDuplicateKeys is the attack on the commands: a
// request whose dose is given twice (or once in capitals) must not be
// computed with whichever key the decoder happened to keep.
func TestJSONCommandsRefuseDuplicateKeys(t *testing.T) {
	cases := []struct{ name, cmd, in, field string }{
		{"calc dose twice", "calc", `{"kind":"volume","dose":"1 g","dose":"10 g","concentration":"100 mg/mL"}`, "dose"},
		{"calc dose in capitals", "calc", `{"kind":"volume","dose":"1 g","DOSE":"10 g","concentration":"100 mg/mL"}`, "DOSE"},
		{"bud nested key", "bud", `{"compounded_at":"2026-01-01T10:00:00Z","category":"1","category":"2"}`, "category"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, tc.in, tc.cmd)
			var se *silentExit
			if !errors.As(err, &se) {
				t.Fatalf("want exit 1, got %v\n%s", err, out)
			}
			var env envelope
			if err := json.Unmarshal([]byte(out), &env); err != nil || env.Error.Code != "duplicate_field" || env.Error.Field != tc.field {
				t.Fatalf("envelope %s (%v), want duplicate_field at %q", out, err, tc.field)
			}
		})
	}
}
