// Package hl7 reads and writes HL7 version 2 messages: segments, fields,
// repetitions, components and subcomponents, with the message's own
// encoding characters and escape sequences. It is tolerant of what real
// senders do (LF or CRLF between segments, trailing empty fields, versions
// 2.3 to 2.8, custom encoding characters) and strict about what makes a
// message unreadable (no MSH, bad encoding characters, oversized segments).
// It knows no transport and no storage.
package hl7

import (
	"bytes"
	"fmt"
	"strings"
)

// Limits on what Parse accepts; anything larger is an error, never a
// partial message.
const (
	// MaxSegmentLen is the longest segment accepted, in bytes.
	MaxSegmentLen = 64 << 10
	// MaxSegments is the most segments in one message.
	MaxSegments = 2000
)

// Encoding is a message's delimiters, declared in MSH-1 and MSH-2.
type Encoding struct {
	Field, Component, Repetition, Escape, Subcomponent byte
}

// DefaultEncoding is the usual |^~\& set.
var DefaultEncoding = Encoding{Field: '|', Component: '^', Repetition: '~', Escape: '\\', Subcomponent: '&'}

// Message is a parsed HL7 v2 message.
type Message struct {
	Enc      Encoding
	Segments []*Segment
}

// Segment is one segment: its three-letter name and its fields, where
// Fields[i] is field i (Fields[0] is the name itself, so numbers match the
// standard's: PID-3 is Fields[3]). For MSH, Fields[1] is the field separator
// and Fields[2] the encoding characters, both kept raw.
type Segment struct {
	Name   string
	Fields []Field
}

// Field is one field: its repetitions (usually one).
type Field []Repetition

// Repetition is one repetition of a field: its components.
type Repetition []Component

// Component is one component: its subcomponents, still escaped.
type Component []string

// Error is a message that cannot be read. Segment and Field say where
// (Segment is the 1-based position of the segment, 0 when unknown).
type Error struct {
	Segment int
	Name    string
	Field   int
	Message string
}

func (e *Error) Error() string {
	switch {
	case e.Name != "" && e.Field > 0:
		return fmt.Sprintf("hl7: segment %d (%s) field %d: %s", e.Segment, e.Name, e.Field, e.Message)
	case e.Segment > 0:
		return fmt.Sprintf("hl7: segment %d: %s", e.Segment, e.Message)
	}
	return "hl7: " + e.Message
}

// Parse reads one message. Segments may end in CR, LF or CRLF; empty lines
// are skipped. The first segment must be MSH.
func Parse(data []byte) (*Message, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := splitSegments(data)
	if len(lines) == 0 {
		return nil, &Error{Message: "empty message"}
	}
	if len(lines) > MaxSegments {
		return nil, &Error{Message: fmt.Sprintf("%d segments; at most %d are accepted", len(lines), MaxSegments)}
	}
	enc, err := readEncoding(lines[0])
	if err != nil {
		return nil, err
	}
	m := &Message{Enc: enc, Segments: make([]*Segment, 0, len(lines))}
	for i, line := range lines {
		if len(line) > MaxSegmentLen {
			return nil, &Error{Segment: i + 1, Message: fmt.Sprintf("segment is %d bytes long; at most %d are accepted", len(line), MaxSegmentLen)}
		}
		seg, err := parseSegment(line, enc, i == 0)
		if err != nil {
			err.Segment = i + 1
			return nil, err
		}
		m.Segments = append(m.Segments, seg)
	}
	return m, nil
}

// splitSegments cuts data at CR, LF or CRLF and drops empty or blank lines.
func splitSegments(data []byte) []string {
	var out []string
	start := 0
	for i := 0; i <= len(data); i++ {
		if i < len(data) && data[i] != '\r' && data[i] != '\n' {
			continue
		}
		line := string(data[start:i])
		if strings.TrimSpace(line) != "" {
			out = append(out, line)
		}
		start = i + 1
	}
	return out
}

// readEncoding reads MSH-1 and MSH-2 from the first segment.
func readEncoding(msh string) (Encoding, error) {
	if !strings.HasPrefix(msh, "MSH") {
		name := msh
		if len(name) > 3 {
			name = name[:3]
		}
		return Encoding{}, &Error{Segment: 1, Message: fmt.Sprintf("the message must start with an MSH segment, not %q", name)}
	}
	if len(msh) < 8 {
		return Encoding{}, &Error{Segment: 1, Name: "MSH", Field: 2, Message: "MSH is too short to declare the encoding characters"}
	}
	e := Encoding{Field: msh[3]}
	rest := msh[4:]
	end := strings.IndexByte(rest, e.Field)
	if end < 0 {
		end = len(rest)
	}
	chars := rest[:end]
	// MSH-2 holds component, repetition, escape and subcomponent (and, from
	// 2.7, a truncation character, which is read and ignored).
	if len(chars) < 4 || len(chars) > 5 {
		return Encoding{}, &Error{Segment: 1, Name: "MSH", Field: 2,
			Message: fmt.Sprintf("encoding characters %q: expected four (component, repetition, escape, subcomponent), e.g. ^~\\&", chars)}
	}
	e.Component, e.Repetition, e.Escape, e.Subcomponent = chars[0], chars[1], chars[2], chars[3]
	seen := map[byte]bool{}
	for _, c := range []byte{e.Field, e.Component, e.Repetition, e.Escape, e.Subcomponent} {
		if seen[c] || !isDelimiter(c) {
			return Encoding{}, &Error{Segment: 1, Name: "MSH", Field: 2,
				Message: fmt.Sprintf("encoding characters %q%q: each must be a distinct punctuation character", e.Field, chars)}
		}
		seen[c] = true
	}
	return e, nil
}

// isDelimiter reports whether c may serve as an encoding character: printable
// ASCII punctuation (not a letter, digit or space).
func isDelimiter(c byte) bool {
	switch {
	case c <= ' ' || c >= 0x7f:
		return false
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	}
	return true
}

func parseSegment(line string, enc Encoding, first bool) (*Segment, *Error) {
	if len(line) < 3 || !validName(line[:3]) || (len(line) > 3 && line[3] != enc.Field) {
		n := line
		if len(n) > 8 {
			n = n[:8]
		}
		return nil, &Error{Message: fmt.Sprintf("%q does not start with a segment name (three capital letters or digits) and the field separator", n)}
	}
	seg := &Segment{Name: line[:3]}
	if first && seg.Name != "MSH" {
		return nil, &Error{Message: "the message must start with an MSH segment"}
	}
	if seg.Name == "MSH" && !first {
		return nil, &Error{Name: "MSH", Message: "a second MSH segment inside one message"}
	}
	raw := strings.Split(line, string(enc.Field))
	if seg.Name == "MSH" {
		// MSH-1 is the separator itself, so field numbers shift by one.
		seg.Fields = make([]Field, 0, len(raw)+1)
		seg.Fields = append(seg.Fields, Field{{{"MSH"}}}, Field{{{string(enc.Field)}}}, Field{{{raw[1]}}})
		for _, f := range raw[2:] {
			seg.Fields = append(seg.Fields, splitField(f, enc))
		}
	} else {
		seg.Fields = make([]Field, 0, len(raw))
		seg.Fields = append(seg.Fields, Field{{{seg.Name}}})
		for _, f := range raw[1:] {
			seg.Fields = append(seg.Fields, splitField(f, enc))
		}
	}
	// Trailing empty fields say nothing; drop them so senders that pad and
	// senders that do not look the same.
	for len(seg.Fields) > 1 && seg.Fields[len(seg.Fields)-1].empty() {
		seg.Fields = seg.Fields[:len(seg.Fields)-1]
	}
	return seg, nil
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return s[0] >= 'A' && s[0] <= 'Z'
}

func splitField(s string, enc Encoding) Field {
	reps := strings.Split(s, string(enc.Repetition))
	f := make(Field, len(reps))
	for i, r := range reps {
		comps := strings.Split(r, string(enc.Component))
		rep := make(Repetition, len(comps))
		for j, c := range comps {
			rep[j] = strings.Split(c, string(enc.Subcomponent))
		}
		f[i] = rep
	}
	return f
}

func (f Field) empty() bool {
	for _, r := range f {
		for _, c := range r {
			for _, s := range c {
				if s != "" {
					return false
				}
			}
		}
	}
	return true
}
