package audit_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/audit"
)

func TestCanonicalPayload(t *testing.T) {
	cases := []struct {
		name, in, want, errField string
	}{
		{"empty is an empty object", "", "{}", ""},
		{"null is an empty object", " null ", "{}", ""},
		{"keys sorted at every level", `{"b":1,"a":{"z":true,"y":[{"d":1,"c":2}]}}`, `{"a":{"y":[{"c":2,"d":1}],"z":true},"b":1}`, ""},
		{"whitespace removed", "{ \"a\" :\n [ 1 , 2 ] }", `{"a":[1,2]}`, ""},
		{"numbers kept as written", `{"dose":1.50,"big":12345678901234567890,"e":1E5}`, `{"big":12345678901234567890,"dose":1.50,"e":1E5}`, ""},
		{"no HTML escaping", `{"note":"a<b & c>d"}`, `{"note":"a<b & c>d"}`, ""},
		{"unicode kept", `{"name":"Zoë"}`, `{"name":"Zoë"}`, ""},
		{"duplicate key: last wins", `{"a":1,"a":2}`, `{"a":2}`, ""},
		{"array refused", `[1,2]`, "", "payload"},
		{"string refused", `"x"`, "", "payload"},
		{"malformed refused", `{"a":`, "", "payload"},
		{"trailing data refused", `{"a":1} {"b":2}`, "", "payload"},
		{"NUL refused", `{"a":"x\u0000y"}`, "", "payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := audit.CanonicalPayload(json.RawMessage(c.in))
			if c.errField != "" {
				var ae *apperr.Error
				if err == nil || !asAppErr(err, &ae) || ae.Field != c.errField || ae.Kind != apperr.Invalid {
					t.Fatalf("CanonicalPayload(%q) = %s, %v; want an invalid %s error", c.in, got, err, c.errField)
				}
				return
			}
			if err != nil || string(got) != c.want {
				t.Fatalf("CanonicalPayload(%q) = %s, %v; want %s", c.in, got, err, c.want)
			}
		})
	}
}

func asAppErr(err error, target **apperr.Error) bool {
	ae, ok := err.(*apperr.Error)
	if ok {
		*target = ae
	}
	return ok
}

// jsonValue generates arbitrary JSON-able values a few levels deep.
func jsonValue(depth int) *rapid.Generator[any] {
	return rapid.Custom(func(t *rapid.T) any {
		kind := rapid.IntRange(0, 5).Draw(t, "kind")
		if depth <= 0 && kind >= 4 {
			kind = 3
		}
		switch kind {
		case 0:
			return nil
		case 1:
			return rapid.Bool().Draw(t, "bool")
		case 2:
			return rapid.Int64().Draw(t, "int")
		case 3:
			return rapid.String().Draw(t, "string")
		case 4:
			return rapid.SliceOfN(jsonValue(depth-1), 0, 3).Draw(t, "array")
		default:
			return rapid.MapOfN(rapid.String(), jsonValue(depth-1), 0, 4).Draw(t, "object")
		}
	})
}

func TestCanonicalPayloadProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		obj := rapid.MapOfN(rapid.String(), jsonValue(2), 0, 5).Draw(t, "payload")
		raw, err := json.MarshalIndent(obj, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		canon, err := audit.CanonicalPayload(raw)
		if err != nil {
			if strings.Contains(string(raw), `\u0000`) {
				return // refused on purpose: jsonb cannot hold NUL
			}
			t.Fatalf("canonical of %s: %v", raw, err)
		}
		again, err := audit.CanonicalPayload(canon)
		if err != nil || string(again) != string(canon) {
			t.Fatalf("not idempotent: %s then %s (%v)", canon, again, err)
		}
		// Same value, whatever the formatting.
		var a, b any
		if err := json.Unmarshal(raw, &a); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(canon, &b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("value changed: %s became %s", raw, canon)
		}
	})
}

func TestHashCoversEveryField(t *testing.T) {
	base := audit.Event{
		ID: 7, Type: "auth.login", ActorID: ptr(3), At: time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC),
		PreparationID: ptr(9), Payload: json.RawMessage(`{"a":1}`), PrevHash: audit.GenesisHash,
	}
	h := audit.Hash(base)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("hash %q is not 64 lower-case hex digits", h)
	}
	mutations := map[string]func(e *audit.Event){
		"id":              func(e *audit.Event) { e.ID++ },
		"type":            func(e *audit.Event) { e.Type = "auth.logout" },
		"actor":           func(e *audit.Event) { e.ActorID = ptr(4) },
		"actor null":      func(e *audit.Event) { e.ActorID = nil },
		"at":              func(e *audit.Event) { e.At = e.At.Add(time.Microsecond) },
		"preparation":     func(e *audit.Event) { e.PreparationID = nil },
		"payload":         func(e *audit.Event) { e.Payload = json.RawMessage(`{"a":2}`) },
		"prev_hash":       func(e *audit.Event) { e.PrevHash = strings.Repeat("1", 64) },
		"type with quote": func(e *audit.Event) { e.Type = `auth."login` },
	}
	for name, m := range mutations {
		t.Run(name, func(t *testing.T) {
			e := base
			m(&e)
			if audit.Hash(e) == h {
				t.Fatalf("changing %s does not change the hash", name)
			}
		})
	}
	t.Run("time zone does not matter", func(t *testing.T) {
		e := base
		e.At = e.At.In(time.FixedZone("EST", -5*3600))
		if audit.Hash(e) != h {
			t.Fatal("the same instant in another zone hashes differently")
		}
	})
}

func FuzzCanonicalPayload(f *testing.F) {
	for _, s := range []string{`{}`, `{"b":1,"a":[1,2,{"c":null}]}`, `{"x":"<&>"}`, `[1]`, `{"a":1e400}`, `{"a":"\ud800"}`, "{\"\xff\":1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		canon, err := audit.CanonicalPayload(json.RawMessage(in))
		if err != nil {
			return
		}
		again, err := audit.CanonicalPayload(canon)
		if err != nil || string(again) != string(canon) {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", in, canon, again, err)
		}
		if !json.Valid(canon) {
			t.Fatalf("canonical form %q of %q is not valid JSON", canon, in)
		}
	})
}
