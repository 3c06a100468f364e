package hl7

import (
	"strconv"
	"strings"
)

// Segment returns the first segment named name, or nil.
func (m *Message) Segment(name string) *Segment {
	for _, s := range m.Segments {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// All returns every segment named name, in order.
func (m *Message) All(name string) []*Segment {
	var out []*Segment
	for _, s := range m.Segments {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Get reads a value by a terser-style path: "PID-3", "PID-5.2",
// "RXE-2.1", "OBX-5", "MSH-9.2", "ERR-2.1.1" (segment-field.component.
// subcomponent). It reads the first segment of that name and the first
// repetition, unescaped; "" when absent or when the path is malformed.
func (m *Message) Get(path string) string {
	name, rest, ok := strings.Cut(path, "-")
	if !ok {
		return ""
	}
	seg := m.Segment(name)
	if seg == nil {
		return ""
	}
	nums := strings.Split(rest, ".")
	idx := []int{0, 1, 1}
	for i, n := range nums {
		if i >= 3 {
			return ""
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return ""
		}
		idx[i] = v
	}
	return m.Unescape(seg.Raw(idx[0], 0, idx[1], idx[2]))
}

// MessageType returns MSH-9 as "RDE^O11" (code and trigger).
func (m *Message) MessageType() string {
	code, trig := m.Get("MSH-9.1"), m.Get("MSH-9.2")
	if trig == "" {
		return code
	}
	return code + "^" + trig
}

// ControlID is MSH-10, the sender's message control ID.
func (m *Message) ControlID() string { return m.Get("MSH-10") }

// Version is MSH-12, e.g. "2.5.1".
func (m *Message) Version() string { return m.Get("MSH-12") }

// Raw returns the still-escaped text at field, repetition (0-based),
// component and subcomponent (1-based); "" when absent.
func (s *Segment) Raw(field, rep, comp, sub int) string {
	if s == nil || field < 0 || field >= len(s.Fields) {
		return ""
	}
	f := s.Fields[field]
	if rep < 0 || rep >= len(f) {
		return ""
	}
	r := f[rep]
	if comp < 1 || comp > len(r) {
		return ""
	}
	c := r[comp-1]
	if sub < 1 || sub > len(c) {
		return ""
	}
	return c[sub-1]
}

// Reps is how many repetitions field has (0 when absent or empty).
func (s *Segment) Reps(field int) int {
	if s == nil || field < 1 || field >= len(s.Fields) || s.Fields[field].empty() {
		return 0
	}
	return len(s.Fields[field])
}

// Value returns field.comp of s (first repetition), unescaped with enc.
func (s *Segment) Value(enc Encoding, field, comp int) string {
	return enc.Unescape(s.Raw(field, 0, comp, 1))
}

// RepValue returns component comp of repetition rep of field, unescaped.
func (s *Segment) RepValue(enc Encoding, field, rep, comp int) string {
	return enc.Unescape(s.Raw(field, rep, comp, 1))
}

// Unescape decodes the message's escape sequences in s.
func (m *Message) Unescape(s string) string { return m.Enc.Unescape(s) }

// Unescape decodes escape sequences: \F\ \S\ \T\ \R\ \E\ for the
// delimiters, \Xhh…\ for bytes, \.br\ for a line break; highlighting
// (\H\ \N\) and character-set switches (\C…\ \M…\) are dropped. An unknown
// or unterminated sequence is kept as written.
func (e Encoding) Unescape(s string) string {
	if e.Escape == 0 || strings.IndexByte(s, e.Escape) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != e.Escape {
			b.WriteByte(c)
			continue
		}
		end := strings.IndexByte(s[i+1:], e.Escape)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		seq := s[i+1 : i+1+end]
		if out, ok := e.decodeSeq(seq); ok {
			b.WriteString(out)
			i += end + 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (e Encoding) decodeSeq(seq string) (string, bool) {
	switch seq {
	case "F":
		return string(e.Field), true
	case "S":
		return string(e.Component), true
	case "T":
		return string(e.Subcomponent), true
	case "R":
		return string(e.Repetition), true
	case "E":
		return string(e.Escape), true
	case ".br":
		return "\n", true
	case "H", "N":
		return "", true
	}
	if len(seq) == 0 {
		return "", false
	}
	switch seq[0] {
	case 'X':
		hex := seq[1:]
		if len(hex) == 0 || len(hex)%2 != 0 {
			return "", false
		}
		out := make([]byte, 0, len(hex)/2)
		for i := 0; i < len(hex); i += 2 {
			v, err := strconv.ParseUint(hex[i:i+2], 16, 8)
			if err != nil {
				return "", false
			}
			out = append(out, byte(v))
		}
		return string(out), true
	case 'C', 'M':
		return "", true
	}
	return "", false
}

// Encode escapes the delimiters in s so that it can be written as one
// value; CR and LF become \X0D\ and \X0A\ so a value never ends a segment.
func (e Encoding) Encode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case e.Escape:
			b.WriteString(string(e.Escape) + "E" + string(e.Escape))
		case e.Field:
			b.WriteString(string(e.Escape) + "F" + string(e.Escape))
		case e.Component:
			b.WriteString(string(e.Escape) + "S" + string(e.Escape))
		case e.Subcomponent:
			b.WriteString(string(e.Escape) + "T" + string(e.Escape))
		case e.Repetition:
			b.WriteString(string(e.Escape) + "R" + string(e.Escape))
		case '\r':
			b.WriteString(string(e.Escape) + "X0D" + string(e.Escape))
		case '\n':
			b.WriteString(string(e.Escape) + "X0A" + string(e.Escape))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
