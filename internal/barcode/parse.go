package barcode

import (
	"regexp"
	"strings"
	"time"
)

// gs is the ASCII group separator a scanner sends for FNC1.
const gs = 0x1D

// maxInput bounds the scan data: no GS1 symbol carries more (a DataMatrix
// holds at most 2335 alphanumeric characters), and the bound keeps the
// search for dropped separators cheap.
const maxInput = 4096

// Notation restricts which written form of barcode data Parse accepts.
type Notation int

// The notations. NotationAuto, the zero value, accepts every form a scanner
// or a person produces and tells them apart by their first characters.
const (
	// NotationAuto detects the form: "]" AIM scan data, "(" bracketed,
	// "^" FNC1 notation, GS or a digit: an element string (or a bare GTIN
	// of 8, 12, 13 or 14 digits with a valid check digit), "http(s)://" a
	// GS1 Digital Link; anything else is plain, non-GS1 data.
	NotationAuto Notation = iota
	// NotationScanData requires an AIM symbology identifier ("]d2...").
	NotationScanData
	// NotationBracketed requires the human-readable form "(01)...(10)...".
	NotationBracketed
	// NotationCaret requires GS1's "^" notation: a leading ^ for FNC1 in
	// first position, later ^ as separators. Variable-length fields end at
	// a ^ and nowhere else (no search for dropped separators).
	NotationCaret
	// NotationRaw requires an element string as a scanner types it without
	// a symbology identifier: separators as GS (0x1D), maybe a leading GS.
	NotationRaw
)

// Options control Parse.
type Options struct {
	// Today is the reference date for the GS1 century window of two-digit
	// years. Callers pass their clock; the zero value means time.Now().
	Today time.Time
	// Notation restricts the accepted input form; zero detects it.
	Notation Notation
	// Separators lists extra bytes the scanner sends for FNC1 besides GS,
	// for scanners configured to send, say, "|". They must not be GS1 data
	// characters.
	Separators string
	// LotPattern, when set, is the product's known lot format: where a
	// dropped separator leaves several readings, only those whose lot (10)
	// matches are kept.
	LotPattern *regexp.Regexp
	// HiddenAIs refuses, as CodeAmbiguous, scanner data (not bracketed or ^
	// notation) where a variable-length value such as a lot could itself
	// hold another element string: a dropped separator leaves
	// "10A1B2C321SER123" a valid lot, yet (10)A1B2C3 (21)SER123 fits too.
	// The workflow sets it: a reading that may hide a serial is never
	// guessed.
	HiddenAIs bool
}

// Parse reads barcode data in any form a scanner or a person produces (see
// NotationAuto) and checks it against the GS1 Application Identifier table:
// lengths, character sets, check digits and dates. A failure is an *Error.
func Parse(data string, opts Options) (*Scan, error) {
	s, err := parse(data, opts)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func parse(data string, opts Options) (*Scan, *Error) {
	if len(data) > maxInput {
		return nil, errf(CodeValueTooLong, "", maxInput, "the scan is %d bytes long; no barcode carries more than %d: this is not one scan", len(data), maxInput)
	}
	p := &parser{s: data, opts: opts, w: newWindow(opts.Today)}
	scan := &Scan{}
	scan.AIs = scan.buf[:0]
	var err *Error
	switch opts.Notation {
	case NotationScanData:
		err = p.scanData(scan)
	case NotationBracketed:
		err = p.bracketed(scan)
	case NotationCaret:
		err = p.caret(scan)
	case NotationRaw:
		err = p.raw(scan, 0)
	default:
		err = p.auto(scan)
	}
	if err != nil {
		return nil, err
	}
	scan.fill(p.w)
	return scan, nil
}

// parser holds one parse's input and settings.
type parser struct {
	s    string
	opts Options
	w    window
	// caretSep: the separator is '^' (a GS would be data).
	caretSep bool
	// lenient: search for dropped separators.
	lenient bool
	// budget bounds the search for dropped separators.
	budget int
}

func (p *parser) auto(scan *Scan) *Error {
	s := p.s
	switch {
	case s == "":
		return errf(CodeNoData, "", 0, "nothing was scanned")
	case s[0] == ']':
		return p.scanData(scan)
	case s[0] == '(':
		return p.bracketed(scan)
	case s[0] == '^':
		return p.caret(scan)
	case s[0] == gs:
		return p.raw(scan, 0)
	case isDigit(s[0]):
		if k, ok := bareGTIN(s); ok {
			return setGTIN(scan, k, s)
		}
		return p.raw(scan, 0)
	case isDigitalLinkScheme(s):
		return p.digitalLinkOrPlain(scan, 0)
	}
	scan.Kind = KindPlain
	scan.Plain = s
	return nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// bareGTIN recognises digits a scanner sends for a linear EAN/UPC/ITF-14
// symbol without a symbology identifier. An element string of 8 to 14
// digits cannot hold a GTIN (AI 01 alone takes 16), so a valid GTIN reading
// is the useful one.
func bareGTIN(s string) (Kind, bool) {
	switch len(s) {
	case 8, 12, 13, 14:
	default:
		return "", false
	}
	if !allDigits(s) || !ValidCheckDigit(s) {
		return "", false
	}
	return gtinKind(s), true
}

// gtinKind names a GTIN by length; a 13-digit code with a leading zero is a
// UPC-A (GTIN-12), as EAN readers send UPC-A.
func gtinKind(s string) Kind {
	switch len(s) {
	case 8:
		return KindGTIN8
	case 12:
		return KindGTIN12
	case 13:
		if s[0] == '0' {
			return KindGTIN12
		}
		return KindGTIN13
	}
	return KindGTIN14
}

func setGTIN(scan *Scan, k Kind, digits string) *Error {
	scan.Kind = k
	scan.GTIN = strings.Repeat("0", 14-len(digits)) + digits
	return nil
}

// scanData reads data that begins with an AIM symbology identifier.
func (p *parser) scanData(scan *Scan) *Error {
	s := p.s
	if s == "" {
		return errf(CodeNoData, "", 0, "nothing was scanned")
	}
	if s[0] != ']' || len(s) < 3 {
		return errf(CodeNoSymbologyIdentifier, "", 0, "the scan does not start with a symbology identifier such as ]d2; set the scanner to transmit the AIM identifier")
	}
	id := s[:3]
	body := s[3:]
	scan.Symbology = id
	switch id {
	case "]d2", "]Q3", "]C1", "]e0", "]J1":
		// GS1 element strings; Digital Links under ]Q3 are tolerated
		// because some scanners report them so.
		if isDigitalLinkScheme(body) {
			return p.digitalLinkOrPlain(scan, 3)
		}
		if body == "" {
			return errf(CodeEmptyValue, "", 3, "the %s barcode carries no data", symbologyName(id))
		}
		return p.raw(scan, 3)
	case "]d1", "]Q1", "]C0", "]J0":
		if isDigitalLinkScheme(body) {
			return p.digitalLinkOrPlain(scan, 3)
		}
		if body == "" {
			return errf(CodeNoData, "", 3, "the %s barcode carries no data", symbologyName(id))
		}
		scan.Kind = KindPlain
		scan.Plain = body
		return nil
	case "]E0":
		return linearGTIN(scan, body, 13, "EAN-13/UPC-A")
	case "]E4":
		return linearGTIN(scan, body, 8, "EAN-8")
	case "]I1":
		return linearGTIN(scan, body, 14, "ITF-14")
	}
	if !isLetter(s[1]) || !(isDigit(s[2]) || isLetter(s[2])) {
		return errf(CodeNoSymbologyIdentifier, "", 0, "%q is not a symbology identifier (] then a letter and a digit)", id)
	}
	return errf(CodeUnknownSymbology, "", 0, "symbology %s is not one drug packages use; expected ]d2 (GS1 DataMatrix), ]C1 (GS1-128), ]e0 (DataBar), ]Q3 (GS1 QR), ]E0/]E4 (EAN/UPC) or ]I1 (ITF-14)", id)
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func symbologyName(id string) string {
	switch id {
	case "]d1", "]d2":
		return "DataMatrix"
	case "]Q1", "]Q3":
		return "QR Code"
	case "]C0", "]C1":
		return "Code 128"
	case "]e0":
		return "GS1 DataBar"
	case "]J0", "]J1":
		return "DotCode"
	}
	return id
}

// linearGTIN checks the data of an EAN/UPC/ITF symbol.
func linearGTIN(scan *Scan, body string, n int, name string) *Error {
	for i := 0; i < len(body); i++ {
		if !isDigit(body[i]) {
			return errf(CodeNonNumeric, "", 3+i, "%s data must be digits; found %s at position %d", name, describeByte(body[i]), 3+i)
		}
	}
	if len(body) != n {
		return errf(CodeWrongLength, "", 3, "%s data must be %d digits, found %d", name, n, len(body))
	}
	if !ValidCheckDigit(body) {
		return errf(CodeBadCheckDigit, "", 3+n-1, "%s %s has check digit %c, but the digits before it give %c: misread; rescan", name, body, body[n-1], gs1CheckDigit(body[:n-1]))
	}
	return setGTIN(scan, gtinKind(body), body)
}

// caret reads GS1's ^ notation.
func (p *parser) caret(scan *Scan) *Error {
	if p.s == "" || p.s[0] != '^' {
		return errf(CodeNoFNC1First, "", 0, "GS1 data in ^ notation must start with ^ (FNC1 in first position)")
	}
	p.caretSep = true
	return p.elements(scan, 0)
}

// raw reads an element string whose separators are GS (or Options.Separators),
// searching for dropped separators.
func (p *parser) raw(scan *Scan, start int) *Error {
	if start >= len(p.s) {
		return errf(CodeNoData, "", start, "nothing was scanned")
	}
	p.lenient = true
	p.budget = searchBudget
	return p.elements(scan, start)
}

func (p *parser) elements(scan *Scan, start int) *Error {
	elems, err := p.parseFrom(start, scan.AIs)
	if err != nil {
		return err
	}
	if len(elems) == 0 {
		return errf(CodeEmptyValue, "", start, "the barcode holds separators but no GS1 data")
	}
	scan.Kind = KindGS1
	scan.AIs = elems
	return nil
}

func (p *parser) isSep(c byte) bool {
	if p.caretSep {
		return c == '^'
	}
	return c == gs || (p.opts.Separators != "" && strings.IndexByte(p.opts.Separators, c) >= 0)
}

// readAI identifies the AI at pos. GS1 AIs are prefix-free, so the first of
// the 2-, 3- and 4-digit candidates that exists is the AI.
func (p *parser) readAI(pos int) (*aiDef, *Error) {
	s := p.s
	if !isDigit(s[pos]) {
		return nil, errf(CodeMalformedAI, "", pos, "expected an AI (digits) at position %d, found %s", pos, describeByte(s[pos]))
	}
	if pos+1 < len(s) && !isDigit(s[pos+1]) && !p.isSep(s[pos+1]) {
		return nil, errf(CodeMalformedAI, "", pos, "expected an AI (digits) at position %d, found %q", pos, s[pos:pos+2])
	}
	for n := 2; n <= 4 && pos+n <= len(s); n++ {
		if !isDigit(s[pos+n-1]) {
			break
		}
		if d := lookupAI(s[pos : pos+n]); d != nil {
			return d, nil
		}
	}
	end := pos
	for end < len(s) && end < pos+4 && isDigit(s[end]) {
		end++
	}
	return nil, errf(CodeUnknownAI, "", pos, "no GS1 Application Identifier starts with %q at position %d", s[pos:end], pos)
}

// parseFrom reads element strings from pos to the end, appending to elems.
func (p *parser) parseFrom(pos int, elems []Element) ([]Element, *Error) {
	s := p.s
	for {
		for pos < len(s) && p.isSep(s[pos]) {
			pos++
		}
		if pos >= len(s) {
			return elems, nil
		}
		d, err := p.readAI(pos)
		if err != nil {
			return nil, err
		}
		vs := pos + len(d.ai)
		end := vs
		if d.predefined {
			for end < len(s) && end-vs < d.max && !p.isSep(s[end]) {
				end++
			}
		} else {
			for end < len(s) && !p.isSep(s[end]) {
				end++
			}
		}
		v := s[vs:end]
		p.budget -= end - pos
		if e := validate(d, v, vs, p.w); e != nil {
			if p.lenient && !d.predefined && (e.Code == CodeValueTooLong || e.Code == CodeWrongLength) {
				return p.recover(d, vs, end, elems, e)
			}
			return nil, e
		}
		if elems, err = appendElement(elems, Element{AI: d.ai, Value: v}, pos); err != nil {
			return nil, err
		}
		if p.lenient && p.opts.HiddenAIs && !d.predefined {
			return p.hidden(d, vs, end, elems)
		}
		pos = end
	}
}

// hidden parses the rest of the data after the variable-length value
// [vs, end) as read, then looks for other readings that cut the value where
// another AI could start. Any other valid reading makes the scan ambiguous.
func (p *parser) hidden(d *aiDef, vs, end int, elems []Element) ([]Element, *Error) {
	s := p.s
	asRead, err := p.parseFrom(end, elems)
	if err != nil {
		return nil, err
	}
	readings := [][]Element{asRead}
	several := false
	before := elems[:len(elems)-1]
	for k := 1; k < end-vs; k++ {
		if !isDigit(s[vs+k]) {
			continue
		}
		if p.budget <= 0 {
			several = true
			break
		}
		if _, aerr := p.readAI(vs + k); aerr != nil {
			continue
		}
		v := s[vs : vs+k]
		if validate(d, v, vs, p.w) != nil {
			continue
		}
		base := make([]Element, len(before), len(before)+4)
		copy(base, before)
		base = append(base, Element{AI: d.ai, Value: v})
		r, err := p.parseFrom(vs+k, base)
		if err != nil {
			if err.Code == CodeAmbiguous {
				several = true
				readings = append(readings, err.Readings...)
			}
			continue
		}
		if p.lotMatches(r) {
			readings = append(readings, r)
		}
	}
	if len(readings) == 1 && !several {
		return asRead, nil
	}
	if len(readings) == 1 {
		return nil, errf(CodeAmbiguous, d.ai, vs, "AI %s may hold other element strings (a separator (GS/FNC1) may be missing) and the scan has too many possible readings to check; set the scanner to transmit GS", d.name())
	}
	return nil, ambiguous(d, vs, readings, "a value can be read as holding another element string")
}

// ambiguous is the CodeAmbiguous error listing up to maxReadings readings.
func ambiguous(d *aiDef, vs int, readings [][]Element, why string) *Error {
	if len(readings) > maxReadings {
		readings = readings[:maxReadings]
	}
	var b strings.Builder
	for i, r := range readings {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(ElementString(r, FormBracketed))
	}
	return &Error{
		Code: CodeAmbiguous, AI: d.ai, Pos: vs, Readings: readings,
		Message: "AI " + d.name() + ": " + why + " (a separator (GS/FNC1) may be missing), so the scan can be read more than one way: " + b.String() + "; compare with the printed label, or set the scanner to transmit GS",
	}
}

// appendElement adds e, refusing the same AI with a different value.
func appendElement(elems []Element, e Element, pos int) ([]Element, *Error) {
	for _, o := range elems {
		if o.AI == e.AI && o.Value != e.Value {
			d := lookupAI(e.AI)
			return nil, errf(CodeRepeatedAI, e.AI, pos, "AI %s appears twice with different values (%q and %q)", d.name(), o.Value, e.Value)
		}
	}
	return append(elems, e), nil
}

// searchBudget bounds the bytes the search for dropped separators may
// examine: a real scan needs a few thousand at most, and it keeps crafted
// input from costing more than a millisecond or so.
const searchBudget = 1 << 15

// maxReadings caps how many readings an ambiguous scan lists.
const maxReadings = 4

// recover handles a variable-length field that does not fit its AI because
// it runs on: the scanner may have dropped the separator after it. The
// field [vs, end) is cut at every length the AI allows where another AI
// could start, and the rest is parsed. One full valid reading is accepted;
// several are ambiguous; none is a missing separator. When what follows the
// longest valid value cannot begin any AI, it is trailing junk instead.
func (p *parser) recover(d *aiDef, vs, end int, elems []Element, gerr *Error) ([]Element, *Error) {
	s := p.s
	maxK := min(end-vs-1, d.max)
	longest := 0
	for k := maxK; k >= 1; k-- {
		if validate(d, s[vs:vs+k], vs, p.w) == nil {
			longest = k
			break
		}
	}
	if longest == 0 {
		return nil, gerr
	}
	if !p.aiAhead(vs + longest) {
		return nil, errf(CodeTrailingData, d.ai, vs+longest, "after AI %s %q the data %q is not GS1 data: remove what was typed or appended after the scan", d.name(), s[vs:vs+longest], clip(s[vs+longest:]))
	}
	var readings [][]Element
	several := false
	for k := 1; k <= maxK; k++ {
		if p.budget <= 0 {
			several = true
			break
		}
		if !isDigit(s[vs+k]) {
			continue
		}
		v := s[vs : vs+k]
		if validate(d, v, vs, p.w) != nil {
			continue
		}
		base := make([]Element, len(elems), len(elems)+4)
		copy(base, elems)
		base, err := appendElement(base, Element{AI: d.ai, Value: v}, vs)
		if err != nil {
			continue
		}
		r, err := p.parseFrom(vs+k, base)
		if err != nil {
			if err.Code == CodeAmbiguous {
				several = true
				readings = append(readings, err.Readings...)
			}
			continue
		}
		if !p.lotMatches(r) {
			continue
		}
		readings = append(readings, r)
		if len(readings) > maxReadings {
			break
		}
	}
	switch {
	case len(readings) == 1 && !several:
		return readings[0], nil
	case len(readings) == 0 && !several:
		return nil, errf(CodeMissingSeparator, d.ai, vs, "AI %s runs on for %d characters (%s): the separator (GS/FNC1) after it is missing and the data cannot be split into valid fields; check that the scanner transmits GS, or key in the printed values", d.name(), end-vs, gerr.Message)
	}
	if len(readings) > maxReadings {
		readings = readings[:maxReadings]
	}
	if len(readings) == 0 {
		return nil, errf(CodeAmbiguous, d.ai, vs, "the separator (GS/FNC1) after AI %s is missing and the scan has too many possible readings to check; set the scanner to transmit GS, or key in the printed values", d.name())
	}
	var b strings.Builder
	for i, r := range readings {
		if i > 0 {
			b.WriteString(" or ")
		}
		b.WriteString(ElementString(r, FormBracketed))
	}
	return nil, &Error{
		Code: CodeAmbiguous, AI: d.ai, Pos: vs, Readings: readings,
		Message: "the separator (GS/FNC1) after AI " + d.name() + " is missing and the scan can be read more than one way: " + b.String() + "; compare with the printed label, or set the scanner to transmit GS",
	}
}

// lotMatches applies Options.LotPattern to a reading.
func (p *parser) lotMatches(r []Element) bool {
	if p.opts.LotPattern == nil {
		return true
	}
	for _, e := range r {
		if e.AI == "10" && !p.opts.LotPattern.MatchString(e.Value) {
			return false
		}
	}
	return true
}

// aiAhead reports whether a known AI followed by data begins anywhere at or
// after pos.
func (p *parser) aiAhead(pos int) bool {
	s := p.s
	for j := pos; j+2 < len(s); j++ {
		if !isDigit(s[j]) || !isDigit(s[j+1]) {
			continue
		}
		for n := 2; n <= 4 && j+n < len(s); n++ {
			if !isDigit(s[j+n-1]) {
				break
			}
			if lookupAI(s[j:j+n]) != nil {
				if !p.isSep(s[j+n]) {
					return true
				}
				break
			}
		}
	}
	return false
}

// clip shortens data quoted in a message.
func clip(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

// bracketed reads "(AI)value(AI)value"; inside a value "\(" is a literal "(".
func (p *parser) bracketed(scan *Scan) *Error {
	s := p.s
	if s == "" || s[0] != '(' {
		return errf(CodeMalformedAI, "", 0, "bracketed GS1 data must start with an AI in brackets, such as (01)")
	}
	elems := scan.AIs
	pos := 0
	for pos < len(s) {
		// s[pos] == '(' here: a value runs up to the next unescaped '('.
		closeAt := strings.IndexByte(s[pos+1:], ')')
		if closeAt < 0 {
			return errf(CodeMalformedAI, "", pos, "the AI bracket opened at position %d is not closed", pos)
		}
		closeAt += pos + 1
		ai := s[pos+1 : closeAt]
		switch {
		case strings.IndexByte(ai, '(') >= 0:
			return errf(CodeMalformedAI, "", pos, "nested brackets at position %d", pos)
		case ai == "":
			return errf(CodeMalformedAI, "", pos, "empty AI brackets at position %d", pos)
		case !allDigits(ai):
			return errf(CodeMalformedAI, "", pos+1, "AI (%s) must be digits", ai)
		case len(ai) < 2 || len(ai) > 4:
			return errf(CodeMalformedAI, "", pos+1, "AI (%s) must have 2 to 4 digits", ai)
		}
		d := lookupAI(ai)
		if d == nil {
			return errf(CodeUnknownAI, "", pos+1, "(%s) is not a GS1 Application Identifier", ai)
		}
		vs := closeAt + 1
		ve := vs
		escaped := false
		for ve < len(s) && s[ve] != '(' {
			if s[ve] == '\\' && ve+1 < len(s) && s[ve+1] == '(' {
				escaped = true
				ve += 2
				continue
			}
			ve++
		}
		v := s[vs:ve]
		if escaped {
			v = strings.ReplaceAll(v, `\(`, "(")
		}
		if e := validate(d, v, vs, p.w); e != nil {
			return e
		}
		var err *Error
		if elems, err = appendElement(elems, Element{AI: ai, Value: v}, pos); err != nil {
			return err
		}
		pos = ve
	}
	scan.Kind = KindGS1
	scan.AIs = elems
	return nil
}

// ValidateKey checks a bare GS1 key (GTIN-8/12/13/14, GLN, GSIN, SSCC): digits
// only, a key length, and the mod-10 check digit.
func ValidateKey(key string) error {
	for i := 0; i < len(key); i++ {
		if !isDigit(key[i]) {
			return errf(CodeNonNumeric, "", i, "a GS1 key is digits only; found %s at position %d", describeByte(key[i]), i)
		}
	}
	switch len(key) {
	case 8, 12, 13, 14, 17, 18:
	default:
		return errf(CodeWrongLength, "", 0, "a GS1 key has 8, 12, 13, 14, 17 or 18 digits, found %d", len(key))
	}
	if !ValidCheckDigit(key) {
		return errf(CodeBadCheckDigit, "", len(key)-1, "%s has check digit %c, but the digits before it give %c", key, key[len(key)-1], gs1CheckDigit(key[:len(key)-1]))
	}
	return nil
}
