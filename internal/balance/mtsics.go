package balance

import (
	"strings"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// Dialect is the protocol a balance speaks.
type Dialect string

// The dialects Laminar speaks.
const (
	// MTSICS is Mettler Toledo's Standard Interface Command Set (level 0).
	MTSICS Dialect = "mt-sics"
	// SBI is Sartorius' Standard Balance Interface (ESC commands, 16 or 22
	// character print lines).
	SBI Dialect = "sbi"
)

// ParseDialect accepts "mt-sics" (also "mtsics", "sics") and "sbi".
func ParseDialect(s string) (Dialect, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "mt-sics", "mtsics", "sics", "":
		return MTSICS, nil
	case "sbi", "sartorius":
		return SBI, nil
	}
	return "", apperr.InvalidField("dialect", "%q is not a balance dialect: expected mt-sics or sbi", s)
}

// sicsReply is one MT-SICS reply line split into its parts: "S S 12.3 g"
// has ID "S", status "S", value "12.3" and unit "g".
type sicsReply struct {
	id, status, value, unit string
}

// splitSICS splits a reply line. It checks the shape only; what a status
// means depends on the command that was sent.
func splitSICS(line string) (sicsReply, error) {
	f := strings.Fields(line)
	switch {
	case len(f) == 0:
		return sicsReply{}, errBadReply(line, "the reply is empty")
	case len(f) == 1:
		switch f[0] {
		case "ES", "ET", "EL":
			return sicsReply{id: f[0]}, nil
		}
		return sicsReply{}, errBadReply(line, "a reply has a command and a status")
	case len(f) == 2:
		return sicsReply{id: f[0], status: f[1]}, nil
	case len(f) == 4:
		return sicsReply{id: f[0], status: f[1], value: f[2], unit: f[3]}, nil
	}
	return sicsReply{}, errBadReply(line, "unexpected number of fields")
}

// readSICS cleans and splits a reply line and turns the general error
// replies into errors; line comes back cleaned, for the messages.
func readSICS(line string) (string, sicsReply, error) {
	line, err := cleanLine(line)
	if err != nil {
		return line, sicsReply{}, err
	}
	r, err := splitSICS(line)
	if err != nil {
		return line, sicsReply{}, err
	}
	return line, r, sicsError(line, r)
}

// sicsError turns the general error replies into errors.
func sicsError(line string, r sicsReply) error {
	switch r.id {
	case "ES":
		return errBadReply(line, "the balance did not recognise the command; is it set to MT-SICS?")
	case "ET":
		return errBadReply(line, "the balance received a garbled command")
	case "EL":
		return errBusy(line)
	}
	return nil
}

// ParseMTSICS reads an MT-SICS reply to a weight command (S or SI):
// "S S      12.345 g" is stable, "S D      12.301 g" dynamic; "S I" (no
// stable weight in time, or busy), "S +" (overload), "S -" (underload),
// ES/ET/EL and anything else are errors with a plain message.
func ParseMTSICS(line string) (Reading, error) {
	line, r, err := readSICS(line)
	if err != nil {
		return Reading{}, err
	}
	if r.id != "S" {
		return Reading{}, errBadReply(line, "expected a reply to the weight command S")
	}
	switch r.status {
	case "S", "D":
		if r.value == "" {
			return Reading{}, errBadReply(line, "the weight is missing")
		}
		rd, err := parseValue(line, r.value, r.unit)
		rd.Stable = r.status == "S"
		return rd, err
	case "I":
		if r.value != "" {
			break
		}
		return Reading{}, errUnstable("it reported no stable weight: " + quoteRaw(line))
	case "+":
		if r.value == "" {
			return Reading{}, errOverload(line)
		}
	case "-":
		if r.value == "" {
			return Reading{}, errUnderload(line)
		}
	}
	return Reading{}, errBadReply(line, "unknown status")
}

// parseSICSZero reads the reply to Z: "Z A" done.
func parseSICSZero(line string) error {
	line, r, err := readSICS(line)
	if err != nil {
		return err
	}
	if r.id != "Z" || r.value != "" {
		return errBadReply(line, "expected a reply to the zero command Z")
	}
	switch r.status {
	case "A":
		return nil
	case "I":
		return errUnstable("it could not zero: " + quoteRaw(line))
	case "+", "-":
		return errZeroRange(line, "zero")
	}
	return errBadReply(line, "unknown status")
}

// parseSICSTare reads the reply to T: "T S      10.123 g" with the tare
// weight stored.
func parseSICSTare(line string) (Reading, error) {
	line, r, err := readSICS(line)
	if err != nil {
		return Reading{}, err
	}
	if r.id != "T" {
		return Reading{}, errBadReply(line, "expected a reply to the tare command T")
	}
	switch {
	case r.status == "S" && r.value != "":
		rd, err := parseValue(line, r.value, r.unit)
		rd.Stable = true
		return rd, err
	case r.status == "I" && r.value == "":
		return Reading{}, errUnstable("it could not tare: " + quoteRaw(line))
	case (r.status == "+" || r.status == "-") && r.value == "":
		return Reading{}, errZeroRange(line, "tare")
	}
	return Reading{}, errBadReply(line, "unknown status")
}
