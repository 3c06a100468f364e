package formulary

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
)

// CodeNoActiveIngredient marks a strength that is no drug strength at all:
// "100% (1 mL/mL)" on sterile water is volume per volume, and read as w/v
// it would claim 1000 mg/mL of something.
const CodeNoActiveIngredient = "no_active_ingredient"

// ListedStrength is a strength as a listing or label writes it, read into
// the formulary's model.
type ListedStrength struct {
	// Strength is a liquid's concentration or a powder's amount per container.
	Strength *calc.Quantity
	// ReconstitutedVolume is a powder's listing denominator ("3 g/15 mL").
	ReconstitutedVolume *calc.Quantity
	// Volume is a liquid's container volume when the strength states it
	// ("1 g/50 mL" on a premixed bag).
	Volume *calc.Quantity
}

var (
	thousands = regexp.MustCompile(`(\d),(\d{3})\b`)
	usp       = regexp.MustCompile(`(?i)\b(?:USP|international)\s+units\b`)
	// amount per stated volume: "1 g/50 mL", "80 mg/2 mL", "3 g/15mL".
	perVolume = regexp.MustCompile(`^(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*/\s*(\d+(?:\.\d+)?)\s*(mL|L)$`)
	// a plain number as the first thing inside a parenthesis.
	leadingNumber = regexp.MustCompile(`^\d`)
)

// normalizeStrength removes what calc rightly refuses on input but labels
// print: thousands separators ("1,000 USP units/mL") and the "USP" of
// "USP units".
func normalizeStrength(s string) string {
	s = strings.TrimSpace(s)
	for {
		t := thousands.ReplaceAllString(s, "$1$2")
		if t == s {
			break
		}
		s = t
	}
	return usp.ReplaceAllString(s, "units")
}

// splitStrength cuts the leading strength from what follows it: a
// parenthesis, a comma or "with ..." ("25 mg/mL (1 g/40 mL), preservative-free").
func splitStrength(s string) (main, rest string) {
	cut := len(s)
	for _, sep := range []string{" (", "(", ",", " with "} {
		if i := strings.Index(s, sep); i >= 0 && i < cut {
			cut = i
		}
	}
	return strings.TrimSpace(s[:cut]), strings.TrimSpace(s[cut:])
}

// readPerVolume reads "amount/volume" with a number in the denominator.
func readPerVolume(s string) (amount, volume calc.Quantity, ok bool) {
	m := perVolume.FindStringSubmatch(s)
	if m == nil {
		return calc.Quantity{}, calc.Quantity{}, false
	}
	a, err1 := calc.Parse(m[1] + " " + m[2])
	v, err2 := calc.Parse(m[3] + " " + m[4])
	if err1 != nil || err2 != nil || !isAmount(a) || v.Value.Sign() <= 0 {
		return calc.Quantity{}, calc.Quantity{}, false
	}
	return a, v, true
}

// concentrationOf divides an amount by a volume, in mg/mL for masses so
// that "1 g/50 mL" reads 20 mg/mL rather than 0.02 g/mL.
func concentrationOf(amount, volume calc.Quantity) (calc.Quantity, error) {
	c, err := amount.Div(volume)
	if err != nil {
		return c, err
	}
	if c.Unit.Dimension() == "mass/volume" {
		if mg, err := c.In("mg/mL"); err == nil {
			return mg, nil
		}
	}
	if v, err := c.In(strings.SplitN(c.Unit.String(), "/", 2)[0] + "/mL"); err == nil {
		return v, nil
	}
	return c, nil
}

// ParseStrength reads a listed strength ("40 mg/mL (80 mg/2 mL)",
// "2 mEq/mL (listed as 149 mg/mL)", "0.9% (9 mg/mL)", "1,000 USP units/mL",
// "3.375 g (piperacillin 3 g, tazobactam 0.375 g)") for a product of the
// given dosage form. A powder's "amount/volume" is an amount with a
// reconstituted volume, never a concentration; a liquid's is a
// concentration with its container volume. A parenthesis that restates the
// strength is checked against it, except one marked "listed" (a different
// basis, such as mg for mEq). Errors name the field "strength".
func ParseStrength(text, dosageForm string) (ListedStrength, error) {
	s := normalizeStrength(text)
	if s == "" {
		return ListedStrength{}, apperr.InvalidField("strength", "the strength is empty")
	}
	main, rest := splitStrength(s)
	powder := IsPowderForm(dosageForm)
	if strings.HasSuffix(main, "%") && strings.Contains(strings.ReplaceAll(rest, " ", ""), "mL/mL") {
		return ListedStrength{}, &apperr.Error{Kind: apperr.Invalid, Code: CodeNoActiveIngredient, Field: "strength",
			Message: "\"" + text + "\" is a volume-per-volume percentage (a vehicle such as sterile water): it has no drug concentration"}
	}
	var out ListedStrength
	if a, v, ok := readPerVolume(main); ok {
		if powder {
			out.Strength, out.ReconstitutedVolume = &a, &v
		} else {
			c, err := concentrationOf(a, v)
			if err != nil {
				return ListedStrength{}, apperr.InvalidField("strength", "%q: %v", text, err)
			}
			out.Strength, out.Volume = &c, &v
		}
	} else {
		q, err := calc.Parse(main)
		if err != nil {
			return ListedStrength{}, apperr.InvalidField("strength", "%q: %v", text, err)
		}
		if q.Value.Sign() <= 0 {
			return ListedStrength{}, apperr.InvalidField("strength", "%q must be above zero", text)
		}
		switch {
		case powder && !isAmount(q):
			return ListedStrength{}, apperr.InvalidField("strength", "%q: a powder's strength must be an amount per container (e.g. \"1 g\"); a concentration needs the reconstituted volume", text)
		case !powder && !isAmount(q) && !IsConcentration(q):
			return ListedStrength{}, apperr.InvalidField("strength", "%q is neither a concentration nor an amount", text)
		}
		out.Strength = &q
	}
	if err := crossCheck(text, out, rest); err != nil {
		return ListedStrength{}, err
	}
	return out, nil
}

// crossCheck compares the strength with a parenthesis restating it
// ("40 mg/mL (80 mg/2 mL)"), so a typo in either is caught at load time.
func crossCheck(text string, ls ListedStrength, rest string) error {
	if !strings.HasPrefix(rest, "(") || ls.Strength == nil || !IsConcentration(*ls.Strength) {
		return nil
	}
	inner, _, ok := strings.Cut(rest[1:], ")")
	if !ok {
		return nil
	}
	inner = strings.TrimSpace(inner)
	if !leadingNumber.MatchString(inner) {
		return nil // "listed as ...", "piperacillin 3 g, ...": not a restatement
	}
	var restated calc.Quantity
	if a, v, ok := readPerVolume(inner); ok {
		c, err := concentrationOf(a, v)
		if err != nil {
			return nil
		}
		restated = c
	} else if q, err := calc.Parse(inner); err == nil && IsConcentration(q) {
		restated = q
	} else {
		return nil
	}
	if c, err := ls.Strength.Cmp(restated); err != nil || c != 0 {
		return apperr.InvalidField("strength", "%q contradicts itself: %s is not %s", text, ls.Strength, restated)
	}
	return nil
}

var holdTime = regexp.MustCompile(`(?i)^(?:use (?:[a-z/ ]+ )?within )?(\d+(?:\.\d+)?)\s*(h|hr|hrs|hours?|days?)\b`)

var hoursPerDay = decimal.NewFromInt(24)

// ParseHoldTime reads a hold time that a label text states first ("24 h",
// "10 days (5 °C)", "use within 12 h", "3 h at up to 25 °C (older wording:
// 2 h ...)") and returns it in hours. Text that is no hold time ("do not
// refrigerate", "see dilution column") gives ok=false: the caller keeps the
// text and never invents a limit.
func ParseHoldTime(text string) (hours decimal.Decimal, ok bool) {
	m := holdTime.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return decimal.Decimal{}, false
	}
	v, err := decimal.NewFromString(m[1])
	if err != nil {
		return decimal.Decimal{}, false
	}
	if strings.HasPrefix(strings.ToLower(m[2]), "day") {
		v = v.Mul(hoursPerDay)
	}
	return v, true
}
