package barcode

import (
	"fmt"
	"strings"
)

// Shape is the segment layout of an NDC as printed: the digit counts of the
// labeler, product and package codes (5-4-2). The zero Shape means the
// layout is not known, as for digits taken out of a GTIN.
type Shape struct {
	Labeler, Product, Package int
}

// The NDC layouts in use: the three 10-digit ones, the 11-digit billing
// form, and the 12-digit layouts of the FDA's move to six-digit labeler
// codes (existing codes carried over with a zero-padded labeler).
var (
	Shape442 = Shape{4, 4, 2}
	Shape532 = Shape{5, 3, 2}
	Shape541 = Shape{5, 4, 1}
	Shape542 = Shape{5, 4, 2}
	Shape642 = Shape{6, 4, 2}
	Shape632 = Shape{6, 3, 2}
	Shape641 = Shape{6, 4, 1}
	Shape631 = Shape{6, 3, 1}
)

var knownShapes = [...]Shape{Shape442, Shape532, Shape541, Shape542, Shape642, Shape632, Shape641, Shape631}

// Known reports whether the layout is known.
func (s Shape) Known() bool { return s != Shape{} }

// String formats the layout as "5-4-2", or "" when unknown.
func (s Shape) String() string {
	if !s.Known() {
		return ""
	}
	return fmt.Sprintf("%d-%d-%d", s.Labeler, s.Product, s.Package)
}

func (s Shape) valid() bool {
	for _, k := range knownShapes {
		if s == k {
			return true
		}
	}
	return false
}

// NDC is a US National Drug Code: its digits and, when known, the segment
// layout it was printed in. It holds 10-, 11- and 12-digit codes alike.
type NDC struct {
	// Digits are the code's digits without hyphens; a "*" placeholder of
	// old FDA listings is stored as "0".
	Digits string
	// Shape is the printed layout; zero when the digits came without
	// hyphens (10 digits, or 12) and so do not say where the hyphens go.
	Shape Shape
}

// ParseNDC reads an NDC as printed: hyphenated 4-4-2, 5-3-2, 5-4-1, the
// 11-digit billing form 5-4-2 (hyphenated or not), the 12-digit layouts
// 6-4-2, 6-3-2, 6-4-1, 6-3-1, or bare 10 or 12 digits (layout unknown). A
// leading "NDC" is ignored; "*" in the package code stands for 0.
func ParseNDC(s string) (NDC, error) {
	t := strings.TrimSpace(s)
	if len(t) >= 3 && strings.EqualFold(t[:3], "ndc") {
		t = strings.TrimLeft(t[3:], " :#")
	}
	if t == "" {
		return NDC{}, errf(CodeEmptyValue, "", 0, "no NDC given")
	}
	if strings.IndexByte(t, '-') < 0 {
		for i := 0; i < len(t); i++ {
			if !isDigit(t[i]) {
				return NDC{}, errf(CodeNonNumeric, "", i, "NDC %q: %s at position %d is not a digit or a hyphen", s, describeByte(t[i]), i)
			}
		}
		switch len(t) {
		case 10, 12:
			return NDC{Digits: t}, nil
		case 11:
			return NDC{Digits: t, Shape: Shape542}, nil
		}
		return NDC{}, errf(CodeWrongLength, "", 0, "NDC %q has %d digits; an NDC has 10, 11 (billing form) or 12", s, len(t))
	}
	segs := strings.Split(t, "-")
	if len(segs) != 3 {
		return NDC{}, errf(CodeWrongLength, "", 0, "NDC %q must have three hyphen-separated segments (labeler-product-package)", s)
	}
	var b strings.Builder
	off := 0
	for i, seg := range segs {
		for j := 0; j < len(seg); j++ {
			switch c := seg[j]; {
			case isDigit(c):
				b.WriteByte(c)
			case c == '*' && i == 2:
				b.WriteByte('0')
			default:
				return NDC{}, errf(CodeNonNumeric, "", off+j, "NDC %q: %s in the %s code is not a digit", s, describeByte(c), [...]string{"labeler", "product", "package"}[i])
			}
		}
		off += len(seg) + 1
	}
	sh := Shape{len(segs[0]), len(segs[1]), len(segs[2])}
	if !sh.valid() {
		return NDC{}, errf(CodeWrongLength, "", 0, "NDC %q has segments %s; an NDC is 4-4-2, 5-3-2, 5-4-1, 5-4-2 (billing) or 6-4-2", s, sh)
	}
	return NDC{Digits: b.String(), Shape: sh}, nil
}

// Segments returns the labeler, product and package codes; ok is false when
// the layout is unknown.
func (n NDC) Segments() (labeler, product, pkg string, ok bool) {
	if !n.Shape.Known() || len(n.Digits) != n.Shape.Labeler+n.Shape.Product+n.Shape.Package {
		return "", "", "", false
	}
	l, p := n.Shape.Labeler, n.Shape.Product
	return n.Digits[:l], n.Digits[l : l+p], n.Digits[l+p:], true
}

// Format writes the NDC hyphenated in its printed layout, or its bare digits
// when the layout is unknown.
func (n NDC) Format() string {
	l, p, k, ok := n.Segments()
	if !ok {
		return n.Digits
	}
	return l + "-" + p + "-" + k
}

// String is Format.
func (n NDC) String() string { return n.Format() }

// fit pads seg with leading zeros to width, or drops leading zeros down to
// it; ok is false when a non-zero digit would be dropped.
func fit(seg string, width int) (string, bool) {
	for len(seg) > width {
		if seg[0] != '0' {
			return "", false
		}
		seg = seg[1:]
	}
	return strings.Repeat("0", width-len(seg)) + seg, true
}

// Billing11 returns the 11-digit billing form (5-4-2, zero-padded segments,
// no hyphens): 0002-7597-01 gives 00002759701.
func (n NDC) Billing11() (string, error) {
	l, p, k, ok := n.Segments()
	if !ok {
		switch {
		case len(n.Digits) == 11:
			return n.Digits, nil
		case len(n.Digits) == 12 && n.Digits[0] == '0':
			return n.Digits[1:], nil
		}
		return "", errf(CodeWrongLength, "", 0, "NDC %s: the billing form needs the hyphenated layout (which segment to pad); take the layout from the formulary", n.Digits)
	}
	l5, ok1 := fit(l, 5)
	p4, ok2 := fit(p, 4)
	k2, ok3 := fit(k, 2)
	if !ok1 || !ok2 || !ok3 {
		return "", errf(CodeWrongLength, "", 0, "NDC %s has a six-digit labeler code and no 11-digit billing form", n.Format())
	}
	return l5 + p4 + k2, nil
}

// Digits12 returns the 12-digit form (6-4-2, zero-padded, no hyphens) that
// existing codes carry over to under the FDA's 12-digit NDC format.
func (n NDC) Digits12() (string, error) {
	l, p, k, ok := n.Segments()
	if !ok {
		switch len(n.Digits) {
		case 12:
			return n.Digits, nil
		case 11:
			return "0" + n.Digits, nil
		}
		return "", errf(CodeWrongLength, "", 0, "NDC %s: the 12-digit form needs the hyphenated layout (which segment to pad); take the layout from the formulary", n.Digits)
	}
	l6, _ := fit(l, 6)
	p4, _ := fit(p, 4)
	k2, _ := fit(k, 2)
	return l6 + p4 + k2, nil
}

// Digits10 returns the 10-digit NDC that a GTIN carries, when the layout
// says which zero was padding: always for 4-4-2, 5-3-2 and 5-4-1, for
// 6-3-2 and 6-4-1 with a leading-zero labeler, and for other layouts when
// only one segment could have been padded.
func (n NDC) Digits10() (string, bool) {
	switch n.Shape {
	case Shape442, Shape532, Shape541:
		return n.Digits, true
	case Shape632, Shape641:
		if n.Digits[0] == '0' {
			return n.Digits[1:], true
		}
		return "", false
	case Shape{}:
		if len(n.Digits) == 10 {
			return n.Digits, true
		}
	}
	d12, err := n.Digits12()
	if err != nil {
		return "", false
	}
	l, p, k := d12[:6], d12[6:10], d12[10:]
	var found []string
	if l[:2] == "00" {
		found = append(found, l[2:]+p+k) // 4-4-2
	}
	if l[0] == '0' && p[0] == '0' {
		found = append(found, l[1:]+p[1:]+k) // 5-3-2
	}
	if l[0] == '0' && k[0] == '0' {
		found = append(found, l[1:]+p+k[1:]) // 5-4-1
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// Candidates10 returns the three possible layouts of 10 NDC digits (4-4-2,
// 5-3-2, 5-4-1): the digits alone do not say where the hyphens go, the
// formulary does. It returns nil unless digits is exactly 10 digits.
func Candidates10(digits string) []NDC {
	if len(digits) != 10 || !allDigits(digits) {
		return nil
	}
	return []NDC{{digits, Shape442}, {digits, Shape532}, {digits, Shape541}}
}

// NDC10FromGTIN extracts the 10 NDC digits from a GTIN of a US drug: GTIN-12
// (UPC-A) "3" + NDC10 + check digit, the same as GTIN-13 with a leading 0,
// or GTIN-14 indicator + "03" + NDC10 + check digit. ok is false for other
// GTINs or a wrong check digit.
func NDC10FromGTIN(gtin string) (string, bool) {
	if !allDigits(gtin) || !ValidCheckDigit(gtin) {
		return "", false
	}
	switch len(gtin) {
	case 12:
		if gtin[0] == '3' {
			return gtin[1:11], true
		}
	case 13:
		if gtin[:2] == "03" {
			return gtin[2:12], true
		}
	case 14:
		if gtin[1:3] == "03" {
			return gtin[3:13], true
		}
	}
	return "", false
}

// GTINFromNDC returns the GTIN-14 of the unit-of-use package (indicator 0)
// carrying the NDC: 0002-7597-01 gives 00300027597010. It fails when the
// 10-digit NDC cannot be told from the layout (see Digits10).
func GTINFromNDC(n NDC) (string, error) {
	d10, ok := n.Digits10()
	if !ok {
		return "", errf(CodeWrongLength, "", 0, "NDC %s: cannot tell which 10-digit NDC it is (which zero is padding); use the NDC as printed on the package", n.Format())
	}
	g := "003" + d10
	return g + string(gs1CheckDigit(g)), nil
}

// CheckDigit computes the GS1 mod-10 check digit for digits (given without
// it) and returns it as an ASCII character '0'-'9', ready to append.
func CheckDigit(digits string) (byte, error) {
	if digits == "" {
		return 0, errf(CodeWrongLength, "", 0, "no digits to compute a check digit for")
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return 0, errf(CodeNonNumeric, "", i, "%s at position %d is not a digit", describeByte(digits[i]), i)
		}
	}
	return gs1CheckDigit(digits), nil
}

// ValidCheckDigit reports whether s (digits, check digit last, at least 2)
// has a correct GS1 mod-10 check digit.
func ValidCheckDigit(s string) bool {
	if len(s) < 2 || !allDigits(s) {
		return false
	}
	return gs1CheckDigit(s[:len(s)-1]) == s[len(s)-1]
}
