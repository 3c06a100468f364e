package main

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/laminar-rx/laminar/internal/strictjson"
)

// envelope is the contract's error body, also printed by the JSON commands.
type envelope struct {
	Error envelopeDetail `json:"error"`
}

type envelopeDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// failJSON writes the error envelope to w and returns the exit-1 error.
func failJSON(w io.Writer, code, message, field string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(envelope{Error: envelopeDetail{Code: code, Message: message, Field: field}})
	return &silentExit{}
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
