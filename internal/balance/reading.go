package balance

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// Reading is one weight as a balance reported it.
type Reading struct {
	// Value is the number exactly as printed, in Unit.
	Value decimal.Decimal
	// Unit is g, mg or kg.
	Unit string
	// Stable is false for a dynamic (still moving) reading.
	Stable bool
	// Raw is the balance's reply line without its line ending.
	Raw string
}

// Weight is the reading as a quantity string: "12.345 g" (a plain decimal
// without trailing zeros; Raw keeps what the balance printed).
func (r Reading) Weight() string {
	return r.Value.String() + " " + r.Unit
}

// Grams is the reading in grams.
func (r Reading) Grams() decimal.Decimal {
	switch r.Unit {
	case "mg":
		return r.Value.Shift(-3)
	case "kg":
		return r.Value.Shift(3)
	}
	return r.Value
}

// Places is the number of decimals the balance printed: its displayed
// resolution (3 for "12.345 g").
func (r Reading) Places() int32 {
	if e := r.Value.Exponent(); e < 0 {
		return -e
	}
	return 0
}

// MarshalJSON writes {"weight","stable","raw"}.
func (r Reading) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Weight string `json:"weight"`
		Stable bool   `json:"stable"`
		Raw    string `json:"raw"`
	}{r.Weight(), r.Stable, r.Raw})
}

// maxLine is the longest reply accepted; MT-SICS weight replies are about
// 20 characters and SBI ones 22.
const maxLine = 64

var numberRE = regexp.MustCompile(`^-?[0-9]{1,9}(\.[0-9]{1,7})?$`)

// parseValue reads a printed weight and its unit.
func parseValue(raw, value, unit string) (Reading, error) {
	if !numberRE.MatchString(value) {
		return Reading{}, errBadReply(raw, "the weight is not a number")
	}
	d, err := decimal.NewFromString(value)
	if err != nil {
		return Reading{}, errBadReply(raw, "the weight is not a number")
	}
	switch unit {
	case "g", "mg", "kg":
	default:
		return Reading{}, errUnit(raw, unit)
	}
	return Reading{Value: d, Unit: unit, Raw: raw}, nil
}

// cleanLine checks a reply line is short printable ASCII and drops its
// line ending.
func cleanLine(line string) (string, error) {
	line = strings.TrimRight(line, "\r\n")
	if len(line) > maxLine {
		return line, errBadReply(line, "the reply is too long")
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c > 0x7e {
			return line, errBadReply(line, "the reply holds control or non-ASCII characters")
		}
	}
	return line, nil
}
