package interop

import (
	"strings"

	"github.com/laminar-rx/laminar/calc"
)

// ucumAtoms maps the UCUM codes (case-sensitive) that orders use to
// Laminar's unit spellings. Anything not listed is refused: an unknown unit
// is never guessed.
var ucumAtoms = map[string]string{
	"g": "g", "mg": "mg", "ug": "mcg", "ng": "ng", "kg": "kg", "[lb_av]": "lb",
	"L": "L", "dL": "dL", "mL": "mL", "uL": "mcL",
	"m": "m", "cm": "cm", "mm": "mm", "[in_i]": "in", "m2": "m2",
	"h": "h", "min": "min", "s": "s", "d": "day",
	"mol": "mol", "mmol": "mmol", "umol": "micromol",
	"eq": "Eq", "meq": "mEq", "mEq": "mEq",
	"[iU]": "units", "[IU]": "units", "U": "units", "[USP'U]": "units", "mU": "milliunits", "m[iU]": "milliunits",
}

// isoAtoms maps the upper-case ISO+ and other spellings that older HL7
// senders put in RXE-5 and OBX-6 (HL7 table 0396 "ISO+"), read
// case-insensitively.
var isoAtoms = map[string]string{
	"gm": "g", "mg": "mg", "mcg": "mcg", "kg": "kg", "lb": "lb", "lbs": "lb",
	"ml": "mL", "l": "L", "cm": "cm", "m": "m", "in": "in", "m2": "m2",
	"hr": "h", "h": "h", "min": "min",
	"meq": "mEq", "mmol": "mmol", "u": "units", "iu": "units", "unit": "units", "units": "units",
}

// LaminarUnit converts a unit as sent (UCUM, or an ISO+ spelling) into
// Laminar's spelling, e.g. "ug/kg/min" → "mcg/kg/min", "[iU]" → "units".
// ok is false for a unit not in the tables.
func LaminarUnit(u string) (string, bool) {
	u = strings.TrimSpace(u)
	if u == "" {
		return "", false
	}
	parts := strings.Split(u, "/")
	out := make([]string, len(parts))
	for i, p := range parts {
		if v, ok := ucumAtoms[p]; ok {
			out[i] = v
			continue
		}
		if v, ok := isoAtoms[strings.ToLower(p)]; ok {
			out[i] = v
			continue
		}
		return "", false
	}
	return strings.Join(out, "/"), true
}

// UCUM converts a Laminar unit into its UCUM code, for outbound messages.
func UCUM(unit string) string {
	parts := strings.Split(unit, "/")
	for i, p := range parts {
		switch p {
		case "mcg":
			parts[i] = "ug"
		case "mcL":
			parts[i] = "uL"
		case "units":
			parts[i] = "[iU]"
		case "milliunits":
			parts[i] = "m[iU]"
		case "lb":
			parts[i] = "[lb_av]"
		case "in":
			parts[i] = "[in_i]"
		case "day":
			parts[i] = "d"
		case "micromol":
			parts[i] = "umol"
		}
	}
	return strings.Join(parts, "/")
}

// quantity joins an amount and a unit as sent into a Laminar quantity
// string, checking both; at names where they came from.
func quantity(amount, unit string, at, unitAt Location, field string) (string, *Problem) {
	amount = strings.TrimSpace(amount)
	if _, err := calc.ParseDecimal(amount); err != nil {
		return "", problem("invalid_"+field, "102", at, "%q is not a decimal number", amount)
	}
	u, ok := LaminarUnit(unit)
	if !ok {
		return "", problem("unknown_unit", "103", unitAt, "unit %q is not a known UCUM unit (e.g. mg, mL, [iU], meq, kg)", unit)
	}
	q := amount + " " + u
	if _, err := calc.Parse(q); err != nil {
		return "", problem("unknown_unit", "103", unitAt, "%q cannot be read as a quantity", q)
	}
	return q, nil
}
