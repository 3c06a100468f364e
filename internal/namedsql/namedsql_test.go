package namedsql

import (
	"strings"
	"testing"
	"testing/fstest"
)

type pair struct {
	A string `sql:"a"`
	B string `sql:"b-b"`
}

func TestLoadAndBind(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"q/one.sql": {Data: []byte("-- a comment before any name\n-- name: a\nSELECT 1;\n\n-- name: b-b\n-- what b does\nSELECT 2\nFROM t;\n")},
	}
	q, err := Load(fsys, "q/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	var p pair
	if err := Bind(q, &p); err != nil {
		t.Fatal(err)
	}
	if p.A != "SELECT 1;" || p.B != "-- what b does\nSELECT 2\nFROM t;" {
		t.Fatalf("bound %q", p)
	}
}

// Every mistake in the files or the struct is an error naming it.
func TestMistakesAreErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src, want string
	}{
		{"duplicate", "-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;\n-- name: b-b\nSELECT 3;", "query a defined twice"},
		{"empty", "-- name: a\n\n-- name: b-b\nSELECT 1;", "query a is empty"},
		{"nameless", "-- name:\nSELECT 1;", "without a name"},
		{"missing", "-- name: a\nSELECT 1;", "no query named b-b"},
		{"unused", "-- name: a\nSELECT 1;\n-- name: b-b\nSELECT 2;\n-- name: c\nSELECT 3;", "query c is used by no field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := map[string]string{}
			err := Parse("x.sql", tc.src, q)
			if err == nil {
				var p pair
				err = Bind(q, &p)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Load(fstest.MapFS{}, "q/*.sql"); err == nil {
		t.Fatal("no file at all was accepted")
	}
	var notStruct string
	if err := Bind(map[string]string{}, &notStruct); err == nil {
		t.Fatal("bound into a string")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("-- name: a\nSELECT 1;\n-- name: b\nSELECT 2;")
	f.Add("--name:x\n")
	f.Fuzz(func(t *testing.T, src string) {
		q := map[string]string{}
		if err := Parse("f.sql", src, q); err != nil {
			return
		}
		for name, text := range q {
			if name == "" || strings.TrimSpace(text) == "" {
				t.Fatalf("accepted query %q with text %q", name, text)
			}
		}
	})
}
