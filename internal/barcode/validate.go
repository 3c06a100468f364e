package barcode

import (
	"fmt"
	"strings"
	"time"
)

// cset82 is GS1 character set 82: what every alphanumeric AI value may hold.
const cset82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

// cset32 holds the check characters of the alphanumeric check pair (csumalpha).
const cset32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// charClass marks, per byte, the GS1 character sets it belongs to.
var charClass = func() (t [256]uint8) {
	for i := 0; i < len(cset82); i++ {
		t[cset82[i]] |= inX
	}
	for _, c := range "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
		t[c] |= inY
	}
	for _, c := range "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz=" {
		t[c] |= inZ
	}
	for c := '0'; c <= '9'; c++ {
		t[c] |= inN
	}
	return t
}()

const (
	inN uint8 = 1 << iota
	inX
	inY
	inZ
)

// cset82Index gives each CSET 82 character its position, used by csumalpha.
var cset82Index = func() (t [256]uint8) {
	for i := 0; i < len(cset82); i++ {
		t[cset82[i]] = uint8(i)
	}
	return t
}()

// window resolves two-digit GS1 years with the sliding century window of
// the GS1 General Specifications (7.12): a year is placed between 49 years
// before and 50 years after the reference year.
type window struct{ year int }

func newWindow(today time.Time) window {
	if today.IsZero() {
		today = time.Now()
	}
	return window{year: today.Year()}
}

// fullYear turns a two-digit year into a four-digit one.
func (w window) fullYear(yy int) int {
	century := w.year / 100 * 100
	switch diff := yy - w.year%100; {
	case diff >= 51:
		return century - 100 + yy
	case diff <= -50:
		return century + 100 + yy
	default:
		return century + yy
	}
}

// daysIn returns the number of days of a month, leap years included.
func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// num2 reads two ASCII digits (already checked to be digits).
func num2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// validate checks value against the AI's definition. pos is the value's
// offset in the scanned data, used for the error position.
func validate(d *aiDef, v string, pos int, w window) *Error {
	if v == "" {
		return errf(CodeEmptyValue, d.ai, pos, "AI %s has no value after it", d.name())
	}
	if d.predefined && d.fixed() && len(v) != d.max {
		return errf(CodeWrongLength, d.ai, pos, "AI %s must be exactly %d characters, found %d (%q)", d.name(), d.max, len(v), v)
	}
	if len(v) > d.max {
		return errf(CodeValueTooLong, d.ai, pos, "AI %s allows at most %d characters, found %d (%q)", d.name(), d.max, len(v), v)
	}
	at := 0
	for i := range d.comps {
		c := &d.comps[i]
		rest := len(v) - at
		if rest == 0 && c.optional {
			break
		}
		n := c.max
		if c.min != c.max {
			n = rest // only the last component varies in length
		}
		if rest < n || n < c.min {
			if d.fixed() {
				return errf(CodeWrongLength, d.ai, pos, "AI %s must be exactly %d characters, found %d (%q)", d.name(), d.max, len(v), v)
			}
			return errf(CodeWrongLength, d.ai, pos, "AI %s has the wrong length: %d characters (%q) do not fit its format %s", d.name(), len(v), v, d.format())
		}
		part := v[at : at+n]
		if e := checkCharset(d, c.cset, part, pos+at); e != nil {
			return e
		}
		if e := lint(d, c.lint, part, pos+at, w); e != nil {
			return e
		}
		at += n
	}
	if at != len(v) {
		return errf(CodeWrongLength, d.ai, pos, "AI %s has the wrong length: %d characters (%q) do not fit its format %s", d.name(), len(v), v, d.format())
	}
	return nil
}

// format renders the AI's value format for messages ("N6 [N4]").
func (d *aiDef) format() string {
	var b strings.Builder
	for i, c := range d.comps {
		if i > 0 {
			b.WriteByte(' ')
		}
		if c.optional {
			b.WriteByte('[')
		}
		b.WriteByte(c.cset)
		if c.min == c.max {
			fmt.Fprintf(&b, "%d", c.max)
		} else {
			fmt.Fprintf(&b, "..%d", c.max)
		}
		if c.optional {
			b.WriteByte(']')
		}
	}
	return b.String()
}

// describeByte shows a byte in a message so that control characters are visible.
func describeByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		if c == gs {
			return "GS (0x1D)"
		}
		return fmt.Sprintf("control character 0x%02X", c)
	}
	return fmt.Sprintf("%q", string(c))
}

func checkCharset(d *aiDef, cset byte, s string, pos int) *Error {
	var want uint8
	switch cset {
	case 'N':
		want = inN
	case 'X':
		want = inX
	case 'Y':
		want = inY
	default:
		want = inZ
	}
	for i := 0; i < len(s); i++ {
		if charClass[s[i]]&want != 0 {
			continue
		}
		if cset == 'N' {
			return errf(CodeNonNumeric, d.ai, pos+i, "AI %s must be digits only; found %s at position %d", d.name(), describeByte(s[i]), pos+i)
		}
		what := "GS1 character set 82"
		switch cset {
		case 'Y':
			what = "GS1 character set 39 (A-Z, 0-9, # - /)"
		case 'Z':
			what = "GS1 character set 64 (A-Z a-z 0-9 - _ =)"
		}
		return errf(CodeBadCharacter, d.ai, pos+i, "AI %s contains %s at position %d, which is not in %s", d.name(), describeByte(s[i]), pos+i, what)
	}
	return nil
}

// gs1CheckDigit computes the GS1 mod-10 check digit of digits (without it):
// from the right, weights 3, 1, 3, ... and the digit that rounds the sum up
// to a multiple of ten.
func gs1CheckDigit(digits string) byte {
	sum := 0
	w := 3
	for i := len(digits) - 1; i >= 0; i-- {
		sum += int(digits[i]-'0') * w
		w = 4 - w
	}
	return byte('0' + (10-sum%10)%10)
}

// csumAlphaPair computes the two check characters of a GS1 alphanumeric key
// such as the GMN: characters weighted by primes from the right, sum mod
// 1021, split into two characters of cset32.
func csumAlphaPair(s string) (byte, byte) {
	primes := [...]int{2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499}
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += int(cset82Index[s[i]]) * primes[len(s)-1-i]
	}
	sum %= 1021
	return cset32[sum>>5], cset32[sum&31]
}

func lint(d *aiDef, l linter, s string, pos int, w window) *Error {
	switch l {
	case lintCsum:
		want := gs1CheckDigit(s[:len(s)-1])
		if s[len(s)-1] != want {
			return errf(CodeBadCheckDigit, d.ai, pos+len(s)-1, "AI %s %s has check digit %c, but the digits before it give %c: misprinted or misread; rescan, or key in the printed number", d.name(), s, s[len(s)-1], want)
		}
	case lintCsumAlpha:
		if len(s) < 3 {
			return errf(CodeWrongLength, d.ai, pos, "AI %s %q is too short to carry its two check characters", d.name(), s)
		}
		a, b := csumAlphaPair(s[:len(s)-2])
		if s[len(s)-2] != a || s[len(s)-1] != b {
			return errf(CodeBadCheckDigit, d.ai, pos+len(s)-2, "AI %s %s has check characters %s, but the characters before them give %c%c", d.name(), s, s[len(s)-2:], a, b)
		}
	case lintYYMMD0, lintYYMMDD:
		return checkDate(d, w.fullYear(num2(s)), s[2:4], s[4:6], l == lintYYMMD0, s, pos)
	case lintYYYYMMDD:
		return checkDate(d, num2(s)*100+num2(s[2:]), s[4:6], s[6:8], false, s, pos)
	case lintYYMMDDHH:
		if e := checkDate(d, w.fullYear(num2(s)), s[2:4], s[4:6], false, s, pos); e != nil {
			return e
		}
		return checkClock(d, s[6:8], "", "", s, pos+6)
	case lintYYYYMMDDHHMM:
		if e := checkDate(d, num2(s)*100+num2(s[2:]), s[4:6], s[6:8], false, s, pos); e != nil {
			return e
		}
		return checkClock(d, s[8:10], s[10:12], "", s, pos+8)
	case lintHHMM:
		return checkClock(d, s[0:2], s[2:4], "", s, pos)
	case lintMMOptSS:
		switch len(s) {
		case 2:
			return checkClock(d, "", s, "", s, pos)
		case 4:
			return checkClock(d, "", s[:2], s[2:], s, pos)
		}
		return errf(CodeWrongLength, d.ai, pos, "AI %s time part %q must be minutes (2 digits) or minutes and seconds (4 digits)", d.name(), s)
	}
	return nil
}

func checkDate(d *aiDef, year int, mm, dd string, day00 bool, s string, pos int) *Error {
	m, day := num2(mm), num2(dd)
	if m < 1 || m > 12 {
		return errf(CodeBadDate, d.ai, pos, "AI %s %s is not a date: month %s does not exist", d.name(), s, mm)
	}
	if day == 0 && day00 {
		return nil
	}
	if day < 1 || day > daysIn(year, m) {
		return errf(CodeBadDate, d.ai, pos, "AI %s %s is not a date: %04d-%02d has no day %s", d.name(), s, year, m, dd)
	}
	return nil
}

func checkClock(d *aiDef, hh, mi, ss string, s string, pos int) *Error {
	if hh != "" && num2(hh) > 23 {
		return errf(CodeBadTime, d.ai, pos, "AI %s %s is not a time: hour %s does not exist", d.name(), s, hh)
	}
	if mi != "" && num2(mi) > 59 {
		return errf(CodeBadTime, d.ai, pos, "AI %s %s is not a time: minute %s does not exist", d.name(), s, mi)
	}
	if ss != "" && num2(ss) > 59 {
		return errf(CodeBadTime, d.ai, pos, "AI %s %s is not a time: second %s does not exist", d.name(), s, ss)
	}
	return nil
}
