package balance

import (
	"strings"
)

// ParseSBI reads a Sartorius SBI print line: 16 characters ("+    12.345 g  ")
// or 22 with a 6-character identifier in front ("N     +    12.345 g  ").
// The unit is printed only when the reading is stable; "High" and "Low"
// (or "H"/"L") mean overload and underload.
func ParseSBI(line string) (Reading, error) {
	line, err := cleanLine(line)
	if err != nil {
		return Reading{}, err
	}
	body := line
	if len(body) > 0 && isLetter(body[0]) {
		// The 22-character format: an identifier such as "N", "G" or "Stat"
		// padded to 6 characters.
		if len(body) < 6 {
			return Reading{}, errBadReply(line, "the line is too short")
		}
		body = body[6:]
	}
	switch strings.ToUpper(strings.TrimSpace(body)) {
	case "H", "HIGH", "+H":
		return Reading{}, errOverload(line)
	case "L", "LOW", "-L":
		return Reading{}, errUnderload(line)
	case "":
		return Reading{}, errBadReply(line, "the line is empty")
	}
	if len(body) < 2 || (body[0] != '+' && body[0] != '-' && body[0] != ' ') {
		return Reading{}, errBadReply(line, "the line does not start with a sign")
	}
	f := strings.Fields(body[1:])
	if len(f) == 0 || len(f) > 2 {
		return Reading{}, errBadReply(line, "unexpected number of fields")
	}
	value := f[0]
	if strings.HasPrefix(value, "-") || strings.HasPrefix(value, "+") {
		return Reading{}, errBadReply(line, "the weight is not a number")
	}
	if body[0] == '-' {
		value = "-" + value
	}
	unit := "g"
	if len(f) == 2 {
		unit = f[1]
	}
	rd, err := parseValue(line, value, unit)
	rd.Stable = len(f) == 2
	return rd, err
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' }
