package calc

import (
	"strings"

	"github.com/shopspring/decimal"
)

// maxInputLen bounds a quantity or unit string; real ones are a few characters, and the bound
// keeps hostile input from costing big-number work.
const maxInputLen = 100

// maxDigits bounds the digits of one number in the input.
const maxDigits = 30

// Quantity is a decimal value with a unit. Arithmetic keeps units honest: adding mL to mg is
// an error, and multiplying mg/kg by kg gives mg.
type Quantity struct {
	Value decimal.Decimal
	Unit  Unit
}

// Parse reads a quantity string: "72.5 kg", "15mg/kg", "5 mcg/kg/min", "2 mEq/mL",
// "100000 units", "2 million units", "1.73 m2". The space before the unit is optional.
// "0.9%" is percent w/v (g per 100 mL) and returns 9 mg/mL; "1:1000" is ratio strength
// (1 g in 1000 mL) and returns 1 mg/mL. A plain number is a dimensionless quantity.
// Rejected, each with a message saying what to write instead: thousands separators ("100,000"
// could be a European decimal comma), exponents, a missing leading zero (".5"), and a bare
// trailing point ("5.").
func Parse(s string) (Quantity, error) {
	if q, ok := parseUsual(s); ok {
		return q, nil
	}
	return parseAny(s)
}

// parseUsual reads the usual quantity, a plain number of at most 18 digits, one space and a
// common unit spelling ("72.5 kg", "15 mg/kg"), in one pass; ok is false for anything else,
// which parseAny then reads (to the same result for these).
func parseUsual(s string) (Quantity, bool) {
	var c int64
	i := 0
	for i < len(s) && isDigit(s[i]) {
		c = c*10 + int64(s[i]-'0')
		i++
	}
	digits := i
	var e int32
	if i < len(s) && s[i] == '.' && digits > 0 {
		i++
		f := i
		for i < len(s) && isDigit(s[i]) {
			c = c*10 + int64(s[i]-'0')
			i++
		}
		if i == f {
			return Quantity{}, false
		}
		digits += i - f
		e = int32(f - i)
	}
	if digits == 0 || digits > 18 || i >= len(s) || s[i] != ' ' {
		return Quantity{}, false
	}
	k := commonUnit(s[i+1:])
	if k < 0 {
		return Quantity{}, false
	}
	if c == 0 {
		return Quantity{Value: decimal.New(0, e), Unit: commonUnits[k]}, true
	}
	return Quantity{Value: newDecimal(c, e), Unit: commonUnits[k]}, true
}

// parseAny is Parse for every input.
func parseAny(s string) (Quantity, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Quantity{}, errorf("quantity", CodeMissing, "empty quantity; expected e.g. \"72.5 kg\"")
	}
	if len(t) > maxInputLen {
		return Quantity{}, errorf("quantity", CodeInvalid, "quantity is longer than %d characters", maxInputLen)
	}
	if strings.Contains(t, ":") {
		return parseRatio(t)
	}
	t = trimPerDose(t)
	if amount, volume, ok := splitAmountIn(t); ok {
		return parseAmountIn(t, amount, volume)
	}
	v, rest, err := scanNumber(t)
	if err != nil {
		return Quantity{}, err
	}
	rest = strings.TrimSpace(rest)
	switch rest {
	case "":
		return Quantity{Value: v}, nil
	case "%":
		// w/v: p g per 100 mL = 10·p mg/mL.
		return Quantity{Value: v.Mul(decimal.NewFromInt(10)), Unit: unitMgPerML}, nil
	}
	if strings.HasPrefix(rest, "%") {
		return Quantity{}, errorf("quantity", CodeInvalid, "%q: only w/v percent is accepted here, written like \"0.9%%\"", t)
	}
	u, err := ParseUnit(rest)
	if err != nil {
		return Quantity{}, relabel(err, "quantity")
	}
	return Quantity{Value: v, Unit: u}, nil
}

// MustParse is Parse for constants known to be valid; it panics on error.
func MustParse(s string) Quantity {
	q, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return q
}

// trimPerDose drops a trailing "/dose" or " per dose" ("15 mg/kg/dose" is 15 mg/kg): a dose
// is per dose already.
func trimPerDose(t string) string {
	if last := t[len(t)-1]; last != 'e' && last != 'E' {
		return t
	}
	for _, suffix := range []string{"/dose", " per dose"} {
		if len(t) > len(suffix) && strings.EqualFold(t[len(t)-len(suffix):], suffix) {
			return strings.TrimSpace(t[:len(t)-len(suffix)])
		}
	}
	return t
}

// splitAmountIn recognises an amount in a volume: "400 mg in 250 mL", "25000 units/250 mL",
// "2 mg per mL". The right-hand side must start with a digit or be a bare unit after "per".
func splitAmountIn(t string) (string, string, bool) {
	for _, sep := range amountSeps(t) {
		if a, b, ok := strings.Cut(t, sep); ok {
			return strings.TrimSpace(a), strings.TrimSpace(b), true
		}
	}
	if i := strings.IndexByte(t, '/'); i > 0 && i+1 < len(t) {
		rest := strings.TrimSpace(t[i+1:])
		if rest != "" && isDigit(rest[0]) {
			return strings.TrimSpace(t[:i]), rest, true
		}
	}
	return "", "", false
}

// inSeps are the words that put an amount in a volume, in the order they are looked for.
var inSeps = []string{" in ", " per ", " IN ", " PER "}

// amountSeps is inSeps, or none when t has no space before an i or a p (as in "72.5 kg"):
// the usual quantity is told apart without searching for each word.
func amountSeps(t string) []string {
	for i := 0; i+1 < len(t); i++ {
		if t[i] == ' ' {
			switch t[i+1] {
			case 'i', 'I', 'p', 'P':
				return inSeps
			}
		}
	}
	return nil
}

// parseAmountIn divides an amount by the volume it is in, exactly where the quotient
// terminates: "25000 units/250 mL" is 100 units/mL, "2 mg per mL" is 2 mg/mL.
func parseAmountIn(t, amount, volume string) (Quantity, error) {
	a, err := Parse(amount)
	if err != nil {
		return Quantity{}, err
	}
	if !isDigit(volume[0]) {
		volume = "1 " + volume
	}
	v, err := Parse(volume)
	if err != nil {
		return Quantity{}, err
	}
	if a.Unit.IsDimensionless() || v.Unit.IsDimensionless() || a.Unit.has(dimVolume, true) {
		return Quantity{}, errorf("quantity", CodeInvalid, "%q: write an amount in a volume as \"400 mg in 250 mL\" or \"400 mg/250 mL\"", t)
	}
	if v.Value.Sign() <= 0 {
		return Quantity{}, errorf("quantity", CodeNotPositive, "%q: the volume must be above zero", t)
	}
	u, f, err := mulUnits(a.Unit, v.Unit.invert())
	if err != nil || f.set {
		return Quantity{}, errorf("quantity", CodeInvalid, "%q: cannot divide %s by %s", t, a.Unit.String(), v.Unit.String())
	}
	return Quantity{Value: quo(a.Value, v.Value), Unit: u}, nil
}

// parseRatio reads ratio strength "1:x" (1 g in x mL, w/v) as mg/mL. x may carry thousands
// separators in groups of three ("1:10,000"): a ratio's x is never a decimal fraction.
func parseRatio(t string) (Quantity, error) {
	left, right, _ := strings.Cut(t, ":")
	if strings.TrimSpace(left) != "1" {
		return Quantity{}, errorf("quantity", CodeInvalid, "ratio strength is written 1:x (e.g. 1:1000), got %q", t)
	}
	right = strings.TrimSpace(right)
	if strings.Contains(right, ",") {
		plainRight, ok := ungroup(right)
		if !ok {
			return Quantity{}, errorf("quantity", CodeInvalid, "%q: thousands separators go every three digits (1:10,000)", t)
		}
		right = plainRight
	}
	x, rest, err := scanNumber(right)
	if err != nil {
		return Quantity{}, err
	}
	if strings.TrimSpace(rest) != "" {
		return Quantity{}, errorf("quantity", CodeInvalid, "ratio strength is written 1:x with no unit, got %q", t)
	}
	if x.Sign() <= 0 {
		return Quantity{}, errorf("quantity", CodeNotPositive, "ratio strength 1:x needs x above zero, got %q", t)
	}
	return Quantity{Value: quo(decimal.NewFromInt(1000), x), Unit: unitMgPerML}, nil
}

// ParseDecimal reads a plain decimal ("45", "0.425", "-3") with the same strict grammar as
// Parse: no unit, no exponent, no thousands separator, a leading zero before a point.
func ParseDecimal(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return zero, errorf("number", CodeMissing, "empty number; expected e.g. \"45\"")
	}
	if len(t) > maxInputLen {
		return zero, errorf("number", CodeInvalid, "number is longer than %d characters", maxInputLen)
	}
	v, rest, err := scanNumber(t)
	if err != nil {
		return zero, relabel(err, "number")
	}
	if rest != "" {
		return zero, errorf("number", CodeInvalid, "expected a plain number without a unit, got %q", t)
	}
	return v, nil
}

// ParsePercent reads a plain percentage such as a tolerance ("5%", "0.5 %") and returns the
// number of percent (5, 0.5). Unlike Parse it means "per hundred", not w/v.
func ParsePercent(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if len(t) > maxInputLen {
		return zero, errorf("percent", CodeInvalid, "percentage is longer than %d characters", maxInputLen)
	}
	num, ok := strings.CutSuffix(t, "%")
	if !ok {
		return zero, errorf("percent", CodeInvalid, "expected a percentage such as \"5%%\", got %q", t)
	}
	v, err := ParseDecimal(num)
	if err != nil {
		return zero, relabel(err, "percent")
	}
	return v, nil
}

// scanNumber reads a leading decimal number and returns it with the unparsed rest. A number
// of at most 18 digits is read as decimal.NewFromString would read it (coefficient 7250,
// exponent -2 for "72.50") while it is scanned, without allocating.
func scanNumber(s string) (decimal.Decimal, string, error) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var c int64 // the coefficient while it has at most 18 digits
	for i < len(s) && isDigit(s[i]) {
		c = c*10 + int64(s[i]-'0')
		i++
	}
	digits := i - start
	var e int32
	if i < len(s) && s[i] == '.' {
		if digits == 0 {
			return zero, "", errorf("quantity", CodeInvalid, "%q: write a leading zero (0.5, not .5)", s)
		}
		i++
		f := i
		for i < len(s) && isDigit(s[i]) {
			c = c*10 + int64(s[i]-'0')
			i++
		}
		if i == f {
			return zero, "", errorf("quantity", CodeInvalid, "%q: a decimal point needs a digit after it (5, not 5.)", s)
		}
		digits += i - f
		e = int32(f - i)
	} else if digits == 0 {
		return zero, "", errorf("quantity", CodeInvalid, "%q does not start with a number; expected e.g. \"72.5 kg\"", s)
	}
	if i+1 < len(s) && s[i] == ',' && isDigit(s[i+1]) {
		return zero, "", errorf("quantity", CodeInvalid,
			"%q: no thousands separators or decimal commas in input; write 100000 or 1.5", s)
	}
	if i+1 < len(s) && (s[i] == 'e' || s[i] == 'E') && (isDigit(s[i+1]) || s[i+1] == '+' || s[i+1] == '-') {
		return zero, "", errorf("quantity", CodeInvalid, "%q: exponents are not accepted; write the number in full", s)
	}
	if digits > maxDigits {
		return zero, "", errorf("quantity", CodeOutOfRange, "%q has more than %d digits", s, maxDigits)
	}
	if digits <= 18 {
		if neg {
			c = -c
		}
		if c == 0 {
			return decimal.New(0, e), s[i:], nil
		}
		return newDecimal(c, e), s[i:], nil
	}
	v, err := decimal.NewFromString(s[:i])
	if err != nil {
		return zero, "", errorf("quantity", CodeInvalid, "%q is not a number", s[:i])
	}
	return v, s[i:], nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ungroup removes thousands separators from a whole number written in groups of three
// ("10,000" → "10000"); ok is false for any other use of a comma.
func ungroup(s string) (string, bool) {
	groups := strings.Split(s, ",")
	if len(groups[0]) == 0 || len(groups[0]) > 3 {
		return "", false
	}
	for _, g := range groups {
		if g == "" {
			return "", false
		}
		for i := 0; i < len(g); i++ {
			if !isDigit(g[i]) {
				return "", false
			}
		}
	}
	for _, g := range groups[1:] {
		if len(g) != 3 {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

// String gives the API's plain form: "21.8 mL", "2 m2", "1087.5 mg" — no exponent, no
// thousands separator, no trailing zeros. Use Display for ISMP text.
func (q Quantity) String() string {
	if q.Unit.IsDimensionless() {
		return plain(q.Value)
	}
	return plain(q.Value) + " " + q.Unit.String()
}

// Convert expresses q in unit u of the same dimension. Metric conversions are exact; one that
// does not terminate (min → h, kg → lb) keeps SignificantDigits significant digits.
func (q Quantity) Convert(u Unit) (Quantity, error) {
	if a, ok := fqOf(q); ok {
		if r, ok := a.to(u); ok {
			return r.quantity(), nil
		}
	}
	r, err := exactOf(q).to(u)
	if err != nil {
		return Quantity{}, err
	}
	return r.quantity(), nil
}

// In is Convert with the unit given as text, e.g. q.In("mL/h").
func (q Quantity) In(unit string) (Quantity, error) {
	u, err := ParseUnit(unit)
	if err != nil {
		return Quantity{}, err
	}
	return q.Convert(u)
}

// Add returns q + o in q's unit; o must have the same dimension.
func (q Quantity) Add(o Quantity) (Quantity, error) {
	r, err := exactOf(q).add(exactOf(o))
	if err != nil {
		return Quantity{}, relabel(err, "quantity")
	}
	return r.quantity(), nil
}

// Sub returns q − o in q's unit; o must have the same dimension.
func (q Quantity) Sub(o Quantity) (Quantity, error) {
	r, err := exactOf(q).sub(exactOf(o))
	if err != nil {
		return Quantity{}, err
	}
	return r.quantity(), nil
}

// Mul returns q × o, cancelling opposite units of one dimension (15 mg/kg × 72.5 kg = 1087.5 mg).
func (q Quantity) Mul(o Quantity) (Quantity, error) {
	if a, ok := fqOf(q); ok {
		if b, ok := fqOf(o); ok {
			if r, ok := a.mul(&b); ok {
				return r.quantity(), nil
			}
		}
	}
	r, err := exactOf(q).mul(exactOf(o))
	if err != nil {
		return Quantity{}, relabel(err, "quantity")
	}
	return r.quantity(), nil
}

// Div returns q ÷ o (1087.5 mg ÷ 50 mg/mL = 21.75 mL); dividing by zero is an error.
func (q Quantity) Div(o Quantity) (Quantity, error) {
	if o.Value.IsZero() {
		return Quantity{}, errorf("quantity", CodeNotPositive, "division by zero %s", o.String())
	}
	if a, ok := fqOf(q); ok {
		if b, ok := fqOf(o); ok {
			if r, ok := a.div(&b); ok {
				return r.quantity(), nil
			}
		}
	}
	r, err := exactOf(q).div(exactOf(o))
	if err != nil {
		return Quantity{}, relabel(err, "quantity")
	}
	return r.quantity(), nil
}

// CmpProduct compares q with a × b exactly (-1, 0, +1), the product kept as a fraction: a
// dose against a limit per kg times a weight (mg against mg/kg × lb) in one comparison. It is
// an error when q and the product are of different dimensions.
func (q Quantity) CmpProduct(a, b Quantity) (int, error) {
	if x, ok := fqOf(q); ok {
		if fa, ok := fqOf(a); ok {
			if fb, ok := fqOf(b); ok {
				if p, ok := fa.mul(&fb); ok {
					if c, ok := x.cmp(&p); ok {
						return c, nil
					}
				}
			}
		}
	}
	p, err := exactOf(a).mul(exactOf(b))
	if err != nil {
		return 0, relabel(err, "quantity")
	}
	return exactOf(q).cmp(p)
}

// Cmp compares q with o exactly (-1, 0, +1) across units of one dimension.
func (q Quantity) Cmp(o Quantity) (int, error) {
	if a, ok := fqOf(q); ok {
		if b, ok := fqOf(o); ok {
			if c, ok := a.cmp(&b); ok {
				return c, nil
			}
		}
	}
	return exactOf(q).cmp(exactOf(o))
}

// Units the calculators convert their inputs to and report in.
var (
	unitMgPerML   = MustParseUnit("mg/mL")
	unitKg        = MustParseUnit("kg")
	unitG         = MustParseUnit("g")
	unitMg        = MustParseUnit("mg")
	unitCm        = MustParseUnit("cm")
	unitIn        = MustParseUnit("in")
	unitM2        = MustParseUnit("m2")
	unitML        = MustParseUnit("mL")
	unitMin       = MustParseUnit("min")
	unitMLPerH    = MustParseUnit("mL/h")
	unitMLPerMin  = MustParseUnit("mL/min")
	unitGttPerMin = MustParseUnit("gtt/min")
	unitGttPerML  = MustParseUnit("gtt/mL")
	unitMgPerDL   = MustParseUnit("mg/dL")
	unitGPerMol   = MustParseUnit("g/mol")
	unitMmolPerL  = MustParseUnit("mmol/L")
	unitMOsmPerL  = MustParseUnit("mOsm/L")
	unitMgPerG    = MustParseUnit("mg/g")
	unitMLPerL    = MustParseUnit("mL/L")
	unitMgPerMmol = MustParseUnit("mg/mmol")
)
