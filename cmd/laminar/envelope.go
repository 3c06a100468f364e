package main

import (
	"encoding/json"
	"io"
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
