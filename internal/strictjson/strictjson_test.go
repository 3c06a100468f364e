package strictjson

import (
	"encoding/json"
	"errors"
	"testing"

	"pgregory.net/rapid"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in, path string
	}{
		{"distinct keys", `{"dose":"1 g","drug":"x"}`, ""},
		{"exact repeat", `{"dose":"1 g","dose":"10 g"}`, "dose"},
		{"case only", `{"dose":"1 g","DOSE":"10 g"}`, "DOSE"},
		{"mixed case", `{"Decision":"reject","decision":"approve"}`, "decision"},
		{"nested object", `{"patient":{"mrn":"1","MRN":"2"}}`, "patient.MRN"},
		{"inside array", `{"items":[{"a":1},{"a":1,"a":2}]}`, "items[1].a"},
		{"same key in sibling objects is fine", `{"a":{"x":1},"b":{"x":1}}`, ""},
		{"same key at two depths is fine", `{"x":{"x":1}}`, ""},
		{"kelvin sign folds like k", "{\"k\":1,\"\u212a\":2}", "\u212a"},
		{"malformed is left to the decoder", `{"a":`, ""},
		{"not an object", `[1,2,3]`, ""},
		{"repeat after a nested value", `{"a":{"b":[1,{"c":2}]},"A":3}`, "A"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.in))
			var de *DuplicateError
			if tc.path == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want nil", tc.in, err)
				}
				return
			}
			if !errors.As(err, &de) || de.Path != tc.path {
				t.Fatalf("Check(%s) = %v, want duplicate at %q", tc.in, err, tc.path)
			}
		})
	}
}

// TestCheckAgreesWithDecoder: whenever Check passes an object of string
// keys, decoding it into a map loses no key: the count of distinct folded
// keys equals the number of keys written.
func TestCheckAgreesWithDecoder(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		keys := rapid.SliceOfN(rapid.StringMatching(`[a-cA-C]{1,2}`), 1, 6).Draw(t, "keys")
		obj := "{"
		for i, k := range keys {
			if i > 0 {
				obj += ","
			}
			kb, _ := json.Marshal(k)
			obj += string(kb) + ":1"
		}
		obj += "}"
		folded := map[string]bool{}
		for _, k := range keys {
			folded[fold(k)] = true
		}
		err := Check([]byte(obj))
		if (len(folded) < len(keys)) != (err != nil) {
			t.Fatalf("Check(%s) = %v with %d keys, %d distinct", obj, err, len(keys), len(folded))
		}
	})
}

func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"a":[{"b":1}]}`, `[]`, `{"`, `{"a":{"a":{"a":1}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data)
		if err == nil {
			return
		}
		var de *DuplicateError
		if !errors.As(err, &de) || fold(de.Key) != fold(de.First) {
			t.Fatalf("Check returned %v", err)
		}
	})
}
