package hl7

import (
	"strings"
	"time"
)

// Builder writes a message with the default encoding characters. Values
// given to it are escaped; components of one field are given as separate
// strings in a Comp.
type Builder struct {
	b strings.Builder
}

// Comp is a field written as components (joined with ^ after escaping each).
type Comp []string

// Seg appends a segment. Each value is a string (one escaped value) or a
// Comp. For "MSH", the first value is MSH-3 (the builder writes MSH-1 and
// MSH-2 itself).
func (b *Builder) Seg(name string, values ...any) *Builder {
	enc := DefaultEncoding
	b.b.WriteString(name)
	if name == "MSH" {
		b.b.WriteString("|^~\\&")
	}
	// Trailing empty values are not written.
	n := len(values)
	for n > 0 && isEmptyValue(values[n-1]) {
		n--
	}
	for _, v := range values[:n] {
		b.b.WriteByte(enc.Field)
		switch v := v.(type) {
		case string:
			b.b.WriteString(enc.Encode(v))
		case Comp:
			k := len(v)
			for k > 0 && v[k-1] == "" {
				k--
			}
			for i, c := range v[:k] {
				if i > 0 {
					b.b.WriteByte(enc.Component)
				}
				b.b.WriteString(enc.Encode(c))
			}
		}
	}
	b.b.WriteByte('\r')
	return b
}

func isEmptyValue(v any) bool {
	switch v := v.(type) {
	case string:
		return v == ""
	case Comp:
		for _, c := range v {
			if c != "" {
				return false
			}
		}
		return true
	}
	return true
}

// Bytes returns the message, each segment ended by CR.
func (b *Builder) Bytes() []byte { return []byte(b.b.String()) }

// Timestamp writes t as an HL7 DTM with seconds and zone offset.
func Timestamp(t time.Time) string { return t.Format("20060102150405-0700") }

// ParseTime reads an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S+]]]]]][+/-ZZZZ]). A
// time without zone is read in loc.
func ParseTime(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	zone := ""
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		s, zone = s[:i], s[i:]
	}
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = s[:i]
	}
	layouts := map[int]string{4: "2006", 6: "200601", 8: "20060102", 10: "2006010215", 12: "200601021504", 14: "20060102150405"}
	layout, ok := layouts[len(s)]
	if !ok {
		return time.Time{}, false
	}
	if zone != "" {
		if len(zone) != 5 {
			return time.Time{}, false
		}
		t, err := time.Parse(layout+"-0700", s+zone)
		return t, err == nil
	}
	t, err := time.ParseInLocation(layout, s, loc)
	return t, err == nil
}
