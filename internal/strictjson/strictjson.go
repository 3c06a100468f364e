// Package strictjson is Laminar's one strict JSON reader. Go's decoder lets
// the last of two equal keys win and matches keys without regard to case, so
// {"dose":"1 g","DOSE":"10 g"} would silently become a tenfold dose. Every
// route and every command reading JSON first passes its input through Check,
// which refuses any key given twice in one object, also when the two
// spellings differ only in case.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
)

// CodeDuplicate is the error code of a key given twice.
const CodeDuplicate = "duplicate_field"

// DuplicateError names a key that appears twice in one JSON object.
type DuplicateError struct {
	// Path is the dotted path of the repeated key, e.g. "patient.mrn" or
	// "items[2].lot", spelled as its second occurrence.
	Path string
	// Key is the repeated key as spelled the second time; First is its
	// spelling the first time.
	Key, First string
}

// Error describes the repetition.
func (e *DuplicateError) Error() string {
	if e.First != e.Key {
		return fmt.Sprintf("the key %q is given twice (also as %q); keys differing only in case are the same key", e.Path, e.First)
	}
	return fmt.Sprintf("the key %q is given twice; send each key once", e.Path)
}

// Check returns a *DuplicateError when any object in data, at any depth,
// holds the same key twice (compared as encoding/json matches struct fields:
// case-insensitively). Malformed JSON is not Check's business: it returns nil
// and leaves the syntax error to the decoder, which names it better.
func Check(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := walk(dec, "")
	var de *DuplicateError
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// walk reads one value at the decoder's position.
func walk(dec *json.Decoder, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]string{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, ok := kt.(string)
			if !ok {
				return io.ErrUnexpectedEOF
			}
			child := key
			if path != "" {
				child = path + "." + key
			}
			f := fold(key)
			if first, dup := seen[f]; dup {
				return &DuplicateError{Path: child, Key: key, First: first}
			}
			seen[f] = key
			if err := walk(dec, child); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			if err := walk(dec, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// fold maps a key to one spelling per case-insensitive class, using the
// same simple Unicode folding encoding/json uses to match field names.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		b.WriteRune(m)
	}
	return b.String()
}
