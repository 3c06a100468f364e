package barcode

import "strings"

// Form is a written form of GS1 element strings.
type Form int

// The forms ElementString produces.
const (
	// FormGS: element strings as a scanner types them without a symbology
	// identifier, GS (0x1D) after every variable-length element but the last.
	FormGS Form = iota
	// FormBracketed: "(01)...(10)..."; a "(" inside a value is written "\(".
	FormBracketed
	// FormCaret: GS1's "^" notation, ^ first and as the separator.
	FormCaret
	// FormDataMatrix: "]d2" then FormGS, what a GS1 DataMatrix scan sends.
	FormDataMatrix
	// FormGS1128: "]C1" then FormGS.
	FormGS1128
	// FormQR: "]Q3" then FormGS.
	FormQR
	// FormDataBar: "]e0" then FormGS.
	FormDataBar
)

// ElementString writes elems in the given form. Values are written as they
// are; they are not checked.
func ElementString(elems []Element, form Form) string {
	var b strings.Builder
	n := 4
	for _, e := range elems {
		n += len(e.AI) + len(e.Value) + 3
	}
	b.Grow(n)
	sep := byte(gs)
	switch form {
	case FormBracketed:
		for _, e := range elems {
			b.WriteByte('(')
			b.WriteString(e.AI)
			b.WriteByte(')')
			if strings.IndexByte(e.Value, '(') >= 0 {
				b.WriteString(strings.ReplaceAll(e.Value, "(", `\(`))
			} else {
				b.WriteString(e.Value)
			}
		}
		return b.String()
	case FormCaret:
		b.WriteByte('^')
		sep = '^'
	case FormDataMatrix:
		b.WriteString("]d2")
	case FormGS1128:
		b.WriteString("]C1")
	case FormQR:
		b.WriteString("]Q3")
	case FormDataBar:
		b.WriteString("]e0")
	}
	for i, e := range elems {
		b.WriteString(e.AI)
		b.WriteString(e.Value)
		if i < len(elems)-1 && NeedsSeparator(e.AI) {
			b.WriteByte(sep)
		}
	}
	return b.String()
}
