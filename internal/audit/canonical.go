package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// CanonicalPayload returns the canonical form of a payload: a JSON object
// re-serialised compactly with keys sorted at every level, numbers kept
// exactly as written, no HTML escaping. Empty or null becomes {}. It is
// idempotent, and it is what the log stores and hashes.
func CanonicalPayload(raw json.RawMessage) (json.RawMessage, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return json.RawMessage("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, apperr.InvalidField("payload", "the event payload is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, apperr.InvalidField("payload", "the event payload has data after its JSON value")
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, apperr.InvalidField("payload", "the event payload must be a JSON object")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, apperr.InvalidField("payload", "the event payload cannot be serialised: %v", err)
	}
	out := bytes.TrimRight(buf.Bytes(), "\n")
	// PostgreSQL's jsonb refuses the NUL character.
	if bytes.Contains(out, []byte(`\u0000`)) {
		return nil, apperr.InvalidField("payload", "the event payload contains a NUL character")
	}
	return json.RawMessage(out), nil
}

// AtFormat is how the canonical record writes an event's time: UTC, to the
// microsecond that PostgreSQL keeps, always six fractional digits.
const AtFormat = "2006-01-02T15:04:05.000000Z"

// Hash returns the hash e must carry: the lower-case hex SHA-256 of its
// canonical record, the UTF-8 JSON object
//
//	{"actor_id":…,"at":"…","id":…,"payload":…,"preparation_id":…,"prev_hash":"…","type":"…"}
//
// with the keys in that (sorted) order and no spaces; absent ids are null,
// at is written with AtFormat, payload is the stored canonical payload text
// (see CanonicalPayload), prev_hash is the previous event's hash (GenesisHash
// for the first) and type is a JSON string.
func Hash(e Event) string {
	var buf [512]byte
	return hashRecord(buf[:0], e.ID, e.Type, e.ActorID, e.At, e.PreparationID, e.Payload, e.PrevHash)
}

// hashRecord builds the canonical record into buf and hashes it; Verify
// calls it with one reused buffer for every row.
func hashRecord(buf []byte, id int64, typ string, actor *int64, at time.Time, prep *int64, payload []byte, prev string) string {
	b := appendPiece1(buf, actor)
	b = at.UTC().AppendFormat(b, AtFormat)
	b = append(b, `","id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = appendPiece2(b, payload, prep)
	b = append(b, prev...)
	b = appendPiece3(b, typ)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// recordPieces returns the canonical record around at, id and prev_hash,
// which only the database knows when the event is sealed; the seal
// (audit_seal_pending) joins them in the order of hashRecord.
func recordPieces(typ string, actor, prep *int64, payload []byte) (string, string, string) {
	return string(appendPiece1(nil, actor)), string(appendPiece2(nil, payload, prep)), string(appendPiece3(nil, typ))
}

func appendPiece1(b []byte, actor *int64) []byte {
	b = append(b, `{"actor_id":`...)
	b = appendOptInt(b, actor)
	return append(b, `,"at":"`...)
}

func appendPiece2(b []byte, payload []byte, prep *int64) []byte {
	b = append(b, `,"payload":`...)
	b = append(b, payload...)
	b = append(b, `,"preparation_id":`...)
	b = appendOptInt(b, prep)
	return append(b, `,"prev_hash":"`...)
}

func appendPiece3(b []byte, typ string) []byte {
	b = append(b, `","type":`...)
	b = appendJSONString(b, typ)
	return append(b, '}')
}

func appendOptInt(b []byte, v *int64) []byte {
	if v == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *v, 10)
}

// appendJSONString writes s as encoding/json would (without HTML escaping);
// plain ASCII, the usual case, takes the fast path.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...)
}
