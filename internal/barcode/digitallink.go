package barcode

import (
	"net/url"
	"strings"
)

// dlPrimaryKeys are the AIs that may start the path of a GS1 Digital Link.
var dlPrimaryKeys = map[string]bool{
	"00": true, "01": true, "253": true, "255": true, "401": true, "402": true,
	"414": true, "417": true, "8003": true, "8004": true, "8006": true,
	"8010": true, "8013": true, "8017": true, "8018": true,
}

// isDigitalLinkScheme reports whether s starts with a scheme a GS1 Digital
// Link may use. Mixed-case schemes ("HtTp") are not accepted, as in GS1's
// own engine: such data is plain.
func isDigitalLinkScheme(s string) bool {
	for _, p := range [...]string{"https://", "http://", "HTTPS://", "HTTP://"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// digitalLinkOrPlain reads p.s[start:] as a GS1 Digital Link URI: the path
// holds a primary key and qualifiers as /AI/value pairs after any prefix,
// the query holds further AIs as AI=value; other query parameters are
// ignored. A URI with no GS1 key path is plain data.
func (p *parser) digitalLinkOrPlain(scan *Scan, start int) *Error {
	uri := p.s[start:]
	restAt := start + strings.Index(uri, "://") + 3
	rest := p.s[restAt:]
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		rest = rest[:i]
	}
	path, query, _ := strings.Cut(rest, "?")
	slash := strings.IndexByte(path, '/')
	if slash < 0 {
		return plain(scan, uri)
	}
	segs := strings.Split(path[slash+1:], "/")
	// offs[i] is where segment i starts in the scanned data.
	offs := make([]int, len(segs))
	at := restAt + slash + 1
	for i, seg := range segs {
		offs[i] = at
		at += len(seg) + 1
	}
	first := -1
	for i := 0; i < len(segs); i++ {
		if dlPrimaryKeys[segs[i]] && (len(segs)-i)%2 == 0 && dlPairs(segs[i:]) {
			first = i
			break
		}
	}
	if first < 0 {
		return plain(scan, uri)
	}
	elems := scan.AIs
	add := func(ai, raw string, pos int) *Error {
		d := lookupAI(ai)
		v, err := url.PathUnescape(raw)
		if err != nil {
			return errf(CodeBadCharacter, ai, pos, "Digital Link value %q for AI %s has a broken %%-escape", raw, d.name())
		}
		if ai == "01" && len(v) < 14 && (len(v) == 8 || len(v) == 12 || len(v) == 13) && allDigits(v) {
			// A Digital Link may carry a GTIN-8/12/13 unpadded.
			v = strings.Repeat("0", 14-len(v)) + v
		}
		if e := validate(d, v, pos, p.w); e != nil {
			if v != raw {
				// Offsets inside a decoded or padded value do not map
				// onto the scanned text; point at the value.
				e.Pos = pos
			}
			return e
		}
		var e *Error
		elems, e = appendElement(elems, Element{AI: ai, Value: v}, pos)
		return e
	}
	for i := first; i < len(segs); i += 2 {
		if e := add(segs[i], segs[i+1], offs[i+1]); e != nil {
			return e
		}
	}
	if query != "" {
		at := restAt + len(path) + 1
		for _, kv := range strings.Split(query, "&") {
			k, v, _ := strings.Cut(kv, "=")
			if allDigits(k) && lookupAI(k) != nil {
				if e := add(k, v, at+len(k)+1); e != nil {
					return e
				}
			}
			at += len(kv) + 1
		}
	}
	scan.Kind = KindGS1
	scan.AIs = elems
	return nil
}

// dlPairs reports whether segs is a sequence of known-AI/value pairs.
func dlPairs(segs []string) bool {
	for i := 0; i < len(segs); i += 2 {
		if !allDigits(segs[i]) || lookupAI(segs[i]) == nil || segs[i+1] == "" {
			return false
		}
	}
	return true
}

func plain(scan *Scan, s string) *Error {
	scan.Kind = KindPlain
	scan.Plain = s
	return nil
}
