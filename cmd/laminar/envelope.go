package main

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/strictjson"
)

// envelope is the error body the JSON commands print: the HTTP API's.
type envelope = apperr.Envelope

// fail prints err as the HTTP API would answer it (the same conversion,
// apperr.From, and the same envelope) and returns the exit-1 error. An
// internal error or an unreachable dependency is not the input's fault: it
// is returned as it is, for the message on stderr.
func fail(w io.Writer, err error) error {
	e := apperr.From(err)
	if e.Kind == apperr.Internal || e.Kind == apperr.Unavailable {
		return err
	}
	_ = writeJSON(w, apperr.EnvelopeOf(e))
	return &silentExit{}
}

// failJSON prints a command's own refusal of its input (a flag, a path).
func failJSON(w io.Writer, code, message, field string) error {
	return fail(w, &apperr.Error{Kind: apperr.Invalid, Code: code, Message: message, Field: field})
}

// writeJSON prints v indented.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// refuseDuplicateKeys prints the duplicate_field envelope (exit 1) when the
// request JSON holds a key twice, as the server refuses it with a 400.
func refuseDuplicateKeys(e env, body []byte) error {
	var de *strictjson.DuplicateError
	if errors.As(strictjson.Check(body), &de) {
		return failJSON(e.stdout, strictjson.CodeDuplicate, de.Error(), de.Path)
	}
	return nil
}
