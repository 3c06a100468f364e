package bud

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(contractExample))
	f.Add([]byte(`{"category":"immediate","storage":"room","compounded_at":"2026-11-24T09:00:00Z"}`))
	f.Add([]byte(`{"category":"1","storage":"freezer","compounded_at":"2026-11-24T09:00:00Z"}`))
	f.Add([]byte(`{"category":"2","method":"terminal","sterility_tested":true,"storage":"room","compounded_at":"2026-11-24T09:00:00+01:00",
	 "components":[{"name":"s","container":"compounded","bud":"2026-11-25T00:00:00Z","opened_at":"2026-11-24T08:00:00Z"},
	 {"name":"b","container":"bulk","expires_at":"2027-01-01","opened_at":"2026-11-24T08:00:00Z","in_use_limit":"4 h","iso5":false}]}`))
	f.Add([]byte(`{"components":[null,{},[]]}`))
	f.Add([]byte(`nul`))
	rules := DefaultRules()
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := DecodeRequest(data, time.UTC)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field == "" || e.Code == "" || e.Message == "" {
				t.Fatalf("rejection is not a *Error with a field: %#v", err)
			}
			return
		}
		res, err := Compute(rules, req)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field == "" || e.Code == "" {
				t.Fatalf("Compute error is not a *Error with a field: %#v", err)
			}
			return
		}
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		for _, l := range res.Limits {
			if res.BUD.After(l.At) {
				t.Fatalf("BUD %s after limit %+v", res.BUD, l)
			}
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"72 h", "10 days", "30 min", "1.5 h", "-1 h", "0 h", "1e9 h", "3650 days"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalid {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if d <= 0 || d > maxSpan || d%time.Second != 0 {
			t.Fatalf("%q parsed to %s", s, d)
		}
		if back, err := ParseDuration(FormatDuration(d)); err != nil || back != d {
			t.Fatalf("%q -> %s -> %q -> %s, %v", s, d, FormatDuration(d), back, err)
		}
	})
}

func FuzzParseExpiry(f *testing.F) {
	for _, s := range []string{"2027-01-31", "2028-02-29", "2027-02-29", "2027-01-31T12:00:00Z", "2027-01-31T12:00:00.123+05:30", "x"} {
		f.Add(s)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseExpiry(s, ny)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalid {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if len(s) == 10 {
			l := got.In(ny)
			if l.Hour() != 23 || l.Minute() != 59 || l.Second() != 59 || l.Format(time.DateOnly) != s {
				t.Fatalf("%q -> %s", s, l)
			}
		}
	})
}

func FuzzParseRules(f *testing.F) {
	good, err := json.Marshal(DefaultRules())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(defaultRulesJSON)
	f.Add([]byte(`{"version":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRules(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeInvalidRules || e.Field == "" {
				t.Fatalf("error %#v", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseRules accepted an invalid table: %v", err)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseRules(b); err != nil {
			t.Fatalf("re-parse of an accepted table failed: %v", err)
		}
	})
}
