package calc

import (
	"bytes"
	"encoding/json"
)

// splitObject splits a valid JSON object into its members without a json.Decoder (whose
// token reading costs dozens of allocations a request). It takes only the plain case: valid
// JSON, an object at the top, keys without escapes, none empty or given twice; anything else
// returns ok = false and decodeObjectSlow reads it and words the fault. The members alias
// data, which the caller does not change.
func splitObject(data []byte) (map[string]json.RawMessage, bool) {
	if !json.Valid(data) {
		return nil, false
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	out := make(map[string]json.RawMessage, 8)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return out, true
	}
	for i < len(data) {
		// Key.
		if data[i] != '"' {
			return nil, false
		}
		end := bytes.IndexByte(data[i+1:], '"')
		if end < 0 {
			return nil, false
		}
		key := data[i+1 : i+1+end]
		if len(key) == 0 || bytes.IndexByte(key, '\\') >= 0 {
			return nil, false
		}
		i = skipSpace(data, i+2+end)
		if i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		// Value: its extent in valid JSON.
		j, ok := valueEnd(data, i)
		if !ok {
			return nil, false
		}
		if _, dup := out[string(key)]; dup {
			return nil, false
		}
		out[string(key)] = json.RawMessage(data[i:j:j])
		i = skipSpace(data, j)
		if i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// valueEnd is the index after the JSON value starting at i (data is valid JSON).
func valueEnd(data []byte, i int) (int, bool) {
	if i >= len(data) {
		return 0, false
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				e, ok := stringEnd(data, j)
				if !ok {
					return 0, false
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, true
				}
			}
		}
		return 0, false
	default:
		j := i
		for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ' ' &&
			data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
			j++
		}
		return j, j > i
	}
}

// stringEnd is the index after the JSON string starting at i.
func stringEnd(data []byte, i int) (int, bool) {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, true
		}
	}
	return 0, false
}
