package guard

import (
	"strings"

	"github.com/laminar-rx/laminar/calc"
)

// Compiled is one version of the table made ready for checking: every
// quantity parsed once, the calculator's guards built once and the dose
// limits indexed by drug, so that judging a dose parses nothing.
type Compiled struct {
	Rules  Rules
	guards *calc.Guards
	limits map[string][]compiledLimit
}

// compiledLimit is a dose limit with its quantities parsed (nil: no
// limit). Each is kept as written, for the message, and in the drug's
// dose unit (per kg, per m², per day, per hour, per mL), so that the usual
// comparison converts nothing.
type compiledLimit struct {
	DoseLimit
	doseUnit                                                                         calc.Unit
	minPerDose, maxPerDose, maxPerKg, maxPerM2, maxPerDay, maxRate, maxConcentration *bound
}

// bound is one limit as written and in the dose unit.
type bound struct {
	written, canonical calc.Quantity
}

// where names the drug and line in a finding.
func (l *compiledLimit) where() string {
	if l.Line != "" {
		return l.Drug + " on a " + l.Line + " line"
	}
	return l.Drug
}

var (
	hour = calc.MustParseUnit("h")
	kg   = calc.MustParseUnit("kg")
)

// Compile parses the table once for checking. The table is valid
// (ParseRules validated it); a quantity that does not parse is left out,
// as CalcGuards does.
func (r Rules) Compile() *Compiled {
	c := &Compiled{Rules: r, guards: r.CalcGuards(), limits: map[string][]compiledLimit{}}
	for _, l := range r.DoseLimits {
		cl := compiledLimit{DoseLimit: l}
		cl.doseUnit, _ = calc.ParseUnit(l.DoseUnit)
		for _, p := range []struct {
			s, per string
			dst    **bound
		}{{l.MinPerDose, "", &cl.minPerDose}, {l.MaxPerDose, "", &cl.maxPerDose}, {l.MaxPerKg, "/kg", &cl.maxPerKg},
			{l.MaxPerM2, "/m2", &cl.maxPerM2}, {l.MaxPerDay, "/day", &cl.maxPerDay}, {l.MaxRate, "/h", &cl.maxRate},
			{l.MaxConcentration, "/mL", &cl.maxConcentration}} {
			if p.s == "" {
				continue
			}
			q, err := calc.Parse(p.s)
			if err != nil {
				continue
			}
			b := &bound{written: q, canonical: q}
			if cq, err := q.In(l.DoseUnit + p.per); err == nil {
				b.canonical = cq
			}
			*p.dst = b
		}
		k := normalize(l.Drug)
		c.limits[k] = append(c.limits[k], cl)
	}
	return c
}

// Guards are the calculator's guards of this version.
func (c *Compiled) Guards() *calc.Guards { return c.guards }

// normalizeFast is normalize without allocating for a name already in
// normal form (lower case, single spaces), as stored names are. Any other
// name is normalized from a copy, so that the caller's string (and the Facts
// holding it) stays off the heap.
func normalizeFast(s string) string {
	prevSpace := true
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'A' && ch <= 'Z', ch >= 0x80, ch == '\t', ch == '\n', ch == '\r', ch == '\v', ch == '\f':
			return normalize(strings.Clone(s))
		case ch == ' ':
			if prevSpace {
				return normalize(strings.Clone(s))
			}
			prevSpace = true
		default:
			prevSpace = false
		}
	}
	if prevSpace && s != "" {
		return normalize(strings.Clone(s))
	}
	return s
}
