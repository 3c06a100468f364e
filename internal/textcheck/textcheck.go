// Package textcheck refuses text that displays as something other than it
// is: control characters (CR, LF, ESC, NUL … stored in a name and replayed
// into a log, a label or a terminal), bidirectional controls (a right-to-left
// override makes "ward 3B" display reversed), and drug or product names
// that mix scripts (a Cyrillic "с" in "сeFAZolin" looks like the real
// product). It knows fields by their JSON or form key only, so one check
// covers every route.
package textcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
)

// Codes of the refusals.
const (
	CodeBadCharacter = "bad_character"
	CodeMixedScript  = "mixed_script"
)

// Error is a refused text field.
type Error struct {
	Code  string
	Field string // the key's path, such as "patient.location" or "items[2].name"
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// kind says which characters beyond ordinary text a field may hold.
type kind int

const (
	plain    kind = iota // a name, code or label text: no control characters
	freeText             // a reason or note: line feeds and tabs too
	barcode              // scanner data: the GS1 group separator too
)

// kinds are the keys whose values are not plain text.
var kinds = map[string]kind{
	"reason": freeText, "note": freeText, "notes": freeText, "comment": freeText, "instructions": freeText,
	"data": barcode, "label_data": barcode, "barcode": barcode,
}

// nameKeys hold drug or product names, which must be written in one script.
var nameKeys = map[string]bool{"drug": true, "tall_man": true, "brand": true, "diluent": true, "generic_name": true}

// gs is the GS1 group separator a scanner sends between element strings.
const gs = '\x1d'

// Value checks one field's value given its key (the last element of the
// path) and its full path for the error.
func Value(key, path, s string) error {
	k := kinds[key]
	for i, r := range s {
		if msg := badRune(r, k); msg != "" {
			return &Error{Code: CodeBadCharacter, Field: path, Msg: fmt.Sprintf("contains %s (%U) at byte %d; remove it", msg, r, i)}
		}
	}
	if nameKeys[key] {
		if a, b, mixed := mixedScripts(s); mixed {
			return &Error{Code: CodeMixedScript, Field: path,
				Msg: fmt.Sprintf("mixes %s and %s letters, so it can look like another product; type it in one alphabet", a, b)}
		}
	}
	return nil
}

// badRune names what is wrong with r in a field of kind k ("" when fine).
func badRune(r rune, k kind) string {
	switch {
	case r == unicode.ReplacementChar:
		return "an invalid character"
	case r == '\n' || r == '\t':
		if k == freeText {
			return ""
		}
		return "a line break or tab"
	case r == gs && k == barcode:
		return ""
	case unicode.Is(unicode.Cc, r):
		return "a control character"
	case isBidi(r):
		return "a text-direction control"
	case r == '\u2028' || r == '\u2029':
		return "a line separator"
	case r == '\u200b' || r == '\ufeff' || r == '\u2060':
		return "an invisible character"
	}
	return ""
}

// isBidi reports the bidirectional formatting characters: embeddings,
// overrides, isolates and marks.
func isBidi(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		r == '\u200e' || r == '\u200f' || r == '\u061c'
}

// scripts are the alphabets whose letters are confused with each other.
var scripts = []struct {
	name  string
	table *unicode.RangeTable
}{{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Greek", unicode.Greek}, {"Armenian", unicode.Armenian}, {"Cherokee", unicode.Cherokee}}

// mixedScripts reports the first two scripts found among s's letters when
// there are more than one.
func mixedScripts(s string) (string, string, bool) {
	first := ""
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				if first == "" {
					first = sc.name
				} else if sc.name != first {
					return first, sc.name, true
				}
				break
			}
		}
	}
	return "", "", false
}

// JSON checks every string value (and every key) of a JSON document; the
// first refusal names its path. A document that does not parse passes: the
// caller's decoder reports that.
func JSON(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walk(dec, "", "")
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	return nil
}

// walk reads one value at path (whose last key is key).
func walk(dec *json.Decoder, key, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case string:
		return Value(key, path, t)
	case json.Delim:
		switch t {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				p := k
				if path != "" {
					p = path + "." + k
				}
				if err := Value("", p, k); err != nil {
					return err
				}
				if err := walk(dec, k, p); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walk(dec, key, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
		}
		_, err := dec.Token() // the closing delimiter
		if err == io.EOF {
			return nil
		}
		return err
	}
	return nil
}
