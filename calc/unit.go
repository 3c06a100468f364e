package calc

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// dimension is one base dimension of the unit algebra. Equivalents, activity units, drops and
// osmoles are dimensions of their own: none converts to mass without extra facts (molar mass,
// valence, a drop factor), so mixing them must fail rather than guess.
type dimension uint8

const (
	dimMass dimension = iota
	dimVolume
	dimLength
	dimTime
	dimAmount
	dimEquivalent
	dimActivity
	dimDrop
	dimOsmole
	numDims
)

var dimNames = [numDims]string{"mass", "volume", "length", "time", "amount", "equivalents", "activity", "drops", "osmoles"}

// atom is a named unit of one dimension; scale is its size in the dimension's base unit
// (g, mL, m, s, mmol, mEq, units, gtt, mOsm). Every scale is a terminating decimal.
type atom struct {
	sym   string
	dim   dimension
	scale decimal.Decimal
}

// atoms is indexed by atom id; id 0 means "no atom" inside a factor.
var atoms = []atom{
	{},
	{"kg", dimMass, decimal.NewFromInt(1000)},
	{"g", dimMass, decimal.NewFromInt(1)},
	{"mg", dimMass, decimal.New(1, -3)},
	{"mcg", dimMass, decimal.New(1, -6)},
	{"ng", dimMass, decimal.New(1, -9)},
	{"lb", dimMass, decimal.New(45359237, -5)},    // international avoirdupois pound, exact
	{"oz", dimMass, decimal.New(28349523125, -9)}, // 1/16 lb, exact
	{"L", dimVolume, decimal.NewFromInt(1000)},
	{"dL", dimVolume, decimal.NewFromInt(100)},
	{"mL", dimVolume, decimal.NewFromInt(1)},
	{"mcL", dimVolume, decimal.New(1, -3)},
	{"m", dimLength, decimal.NewFromInt(1)},
	{"cm", dimLength, decimal.New(1, -2)},
	{"mm", dimLength, decimal.New(1, -3)},
	{"in", dimLength, decimal.New(254, -4)}, // exact by definition
	{"s", dimTime, decimal.NewFromInt(1)},
	{"min", dimTime, decimal.NewFromInt(60)},
	{"h", dimTime, decimal.NewFromInt(3600)},
	{"day", dimTime, decimal.NewFromInt(86400)},
	{"mol", dimAmount, decimal.NewFromInt(1000)},
	{"mmol", dimAmount, decimal.NewFromInt(1)},
	{"micromol", dimAmount, decimal.New(1, -3)},
	{"Eq", dimEquivalent, decimal.NewFromInt(1000)},
	{"mEq", dimEquivalent, decimal.NewFromInt(1)},
	{"units", dimActivity, decimal.NewFromInt(1)},
	{"milliunits", dimActivity, decimal.New(1, -3)},
	{"million units", dimActivity, decimal.NewFromInt(1000000)},
	{"gtt", dimDrop, decimal.NewFromInt(1)},
	{"Osm", dimOsmole, decimal.NewFromInt(1000)},
	{"mOsm", dimOsmole, decimal.NewFromInt(1)},
}

// aliases maps a lower-cased spelling to an atom's canonical symbol. Lower-casing lets "ML",
// "Mg" or "IU" through; the molar spellings that lower-casing would corrupt ("mM" into "mm")
// are refused first, in lookupAtom.
var aliases = map[string]string{
	"kg": "kg", "kilogram": "kg", "kilograms": "kg", "kgs": "kg",
	"g": "g", "gm": "g", "gram": "g", "grams": "g",
	"mg": "mg", "milligram": "mg", "milligrams": "mg",
	"mcg": "mcg", "ug": "mcg", "µg": "mcg", "μg": "mcg", "microgram": "mcg", "micrograms": "mcg",
	"ng": "ng", "nanogram": "ng", "nanograms": "ng",
	"lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
	"oz": "oz", "ounce": "oz", "ounces": "oz",
	"l": "L", "liter": "L", "liters": "L", "litre": "L", "litres": "L",
	"dl": "dL",
	"ml": "mL", "cc": "mL", "milliliter": "mL", "milliliters": "mL", "millilitre": "mL", "millilitres": "mL",
	"mcl": "mcL", "ul": "mcL", "µl": "mcL", "μl": "mcL", "microliter": "mcL", "microliters": "mcL", "microlitre": "mcL", "microlitres": "mcL",
	"m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
	"cm": "cm", "mm": "mm",
	"in": "in", "inch": "in", "inches": "in",
	"s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
	"min": "min", "mins": "min", "minute": "min", "minutes": "min",
	"h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
	"day": "day", "days": "day", "d": "day",
	"mol": "mol", "mole": "mol", "moles": "mol",
	"mmol": "mmol", "millimole": "mmol", "millimoles": "mmol",
	"micromol": "micromol", "umol": "micromol", "µmol": "micromol", "μmol": "micromol", "mcmol": "micromol", "micromole": "micromol", "micromoles": "micromol",
	"eq": "Eq", "meq": "mEq",
	"units": "units", "unit": "units", "u": "units", "iu": "units",
	"milliunits": "milliunits", "milliunit": "milliunits",
	"million units": "million units", "million unit": "million units",
	"gtt": "gtt", "gtts": "gtt", "drop": "gtt", "drops": "gtt",
	"osm": "Osm", "osmol": "Osm", "mosm": "mOsm", "mosmol": "mOsm",
}

// molarSpellings are refused outright: lower-casing would turn millimolar into millimetres.
var molarSpellings = map[string]bool{"M": true, "mM": true, "uM": true, "µM": true, "μM": true, "nM": true}

var atomBySym = func() map[string]uint8 {
	m := make(map[string]uint8, len(atoms))
	for i := 1; i < len(atoms); i++ {
		m[atoms[i].sym] = uint8(i)
	}
	return m
}()

// maxPow bounds a unit's exponents so products of hostile input cannot overflow.
const maxPow = 9

// factor is one atom raised to a positive power; which side of the fraction it sits on is
// given by the slot holding it.
type factor struct {
	atom uint8
	pow  int8
}

// Unit is a product of unit powers, e.g. mcg/kg/min = mcg¹·kg⁻¹·min⁻¹. Each dimension has at
// most one atom in the numerator and one in the denominator, so "mg/kg" keeps its per-kg
// meaning instead of collapsing to a pure number. The zero Unit is dimensionless.
// Units are comparable with ==.
//
// A unit is held in two words, numerator and denominator, seven bits a dimension: the atom's
// place among its dimension's atoms (0: none) in the low three bits and its power above them.
// A Unit is small to copy, and comparing two is comparing two words.
type Unit struct {
	num, den uint64
}

const (
	slotBits = 7
	slotMask = 1<<slotBits - 1
	// powMask keeps the powers of every slot, the bits SameDimension compares.
	powMask = 0b1111000 * (1<<(slotBits*numDims) - 1) / slotMask
)

// dimFirst is, for each dimension, the atom id just before its first atom: the atoms of a
// dimension are listed together, so an atom's place in its dimension is id − dimFirst.
var dimFirst = func() (f [numDims]uint8) {
	var seen [numDims]bool
	for i := 1; i < len(atoms); i++ {
		d := atoms[i].dim
		if !seen[d] {
			seen[d], f[d] = true, uint8(i-1)
		} else if atoms[i-1].dim != d {
			panic("calc: the atoms of one dimension must be listed together")
		}
		if i-int(f[d]) > 7 {
			panic("calc: a dimension has more than 7 atoms")
		}
	}
	return f
}()

func slotOf(w uint64, d dimension) factor {
	x := w >> (slotBits * uint(d)) & slotMask
	if x == 0 {
		return factor{}
	}
	return factor{atom: dimFirst[d] + uint8(x&7), pow: int8(x >> 3)}
}

func withSlot(w uint64, d dimension, f factor) uint64 {
	var x uint64
	if f.atom != 0 && f.pow != 0 {
		local := f.atom - dimFirst[d]
		if local == 0 || local > 7 || atoms[f.atom].dim != d || f.pow < 0 || f.pow > maxPow {
			panic("calc: a unit factor placed outside its dimension's slot")
		}
		x = uint64(local) | uint64(f.pow)<<3
	}
	sh := slotBits * uint(d)
	return w&^(slotMask<<sh) | x<<sh
}

// pos is the numerator factor of dimension d (zero: none).
func (u Unit) pos(d dimension) factor { return slotOf(u.num, d) }

// neg is the denominator factor of dimension d (zero: none).
func (u Unit) neg(d dimension) factor { return slotOf(u.den, d) }

func (u *Unit) setPos(d dimension, f factor) { u.num = withSlot(u.num, d, f) }
func (u *Unit) setNeg(d dimension, f factor) { u.den = withSlot(u.den, d, f) }

// ParseUnit parses a unit such as "mg", "mcg/kg/min", "mL/h", "m2", "mg·h/L". Aliases are
// accepted ("ml", "cc", "ug", "µg", "U", "IU", "hr", "m²"); the result prints canonically.
func ParseUnit(s string) (Unit, error) {
	if i := commonUnit(s); i >= 0 {
		return commonUnits[i], nil
	}
	if m := unitCache.Load(); m != nil {
		if u, ok := (*m)[s]; ok {
			return u, nil
		}
	}
	u, err := parseUnit(s)
	if err == nil {
		rememberUnit(s, u)
	}
	return u, err
}

// commonUnitSpellings are the units nearly every quantity is written in; ParseUnit finds
// them with a switch (commonUnit), before its cache.
var commonUnitSpellings = [...]string{"mg", "g", "kg", "mcg", "mL", "L", "units", "mEq", "mmol",
	"mg/kg", "mg/mL", "mcg/kg/min", "mg/m2", "units/mL", "mcg/mL", "mL/h", "h", "min"}

var commonUnits = func() (u [len(commonUnitSpellings)]Unit) {
	for i, s := range commonUnitSpellings {
		u[i] = mustParse(parseUnit(s))
	}
	return u
}()

func mustParse(u Unit, err error) Unit {
	if err != nil {
		panic(err)
	}
	return u
}

// commonUnit is the index of s in commonUnitSpellings, or -1.
func commonUnit(s string) int {
	switch s {
	case "mg":
		return 0
	case "g":
		return 1
	case "kg":
		return 2
	case "mcg":
		return 3
	case "mL":
		return 4
	case "L":
		return 5
	case "units":
		return 6
	case "mEq":
		return 7
	case "mmol":
		return 8
	case "mg/kg":
		return 9
	case "mg/mL":
		return 10
	case "mcg/kg/min":
		return 11
	case "mg/m2":
		return 12
	case "units/mL":
		return 13
	case "mcg/mL":
		return 14
	case "mL/h":
		return 15
	case "h":
		return 16
	case "min":
		return 17
	}
	return -1
}

// unitCache memoises ParseUnit: a site uses a few dozen unit spellings, and parsing them again
// for every quantity was most of Parse's cost. Readers load the map without locking; a new
// spelling copies it under unitCacheMu. It is bounded so hostile input cannot grow it.
var (
	unitCache   atomic.Pointer[map[string]Unit]
	unitCacheMu sync.Mutex
)

// rememberUnit adds a spelling to unitCache while it has room.
func rememberUnit(s string, u Unit) {
	unitCacheMu.Lock()
	defer unitCacheMu.Unlock()
	var old map[string]Unit
	if p := unitCache.Load(); p != nil {
		old = *p
	}
	if _, ok := old[s]; ok || len(old) >= unitCacheMax {
		return
	}
	m := make(map[string]Unit, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[s] = u
	unitCache.Store(&m)
}

const unitCacheMax = 1024

func parseUnit(s string) (Unit, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Unit{}, errorf("unit", CodeMissing, "empty unit; expected e.g. \"mg\" or \"mL/h\"")
	}
	if len(t) > maxInputLen {
		return Unit{}, errorf("unit", CodeInvalid, "unit is longer than %d characters", maxInputLen)
	}
	if strings.ContainsAny(t, "()") {
		return Unit{}, errorf("unit", CodeInvalid, "parentheses are not supported in %q; write e.g. mcg/kg/min", t)
	}
	var u Unit
	afterSlash := false
	for i, part := range strings.Split(t, "/") {
		if i > 0 {
			afterSlash = true
		}
		if strings.TrimSpace(part) == "" {
			return Unit{}, errorf("unit", CodeInvalid, "empty unit term in %q", t)
		}
		terms := splitProduct(part)
		if afterSlash && len(terms) > 1 {
			return Unit{}, errorf("unit", CodeInvalid, "%q is ambiguous after \"/\"; write each divisor with its own \"/\" (mcg/kg/min)", t)
		}
		for _, term := range terms {
			term = strings.Join(strings.Fields(term), " ")
			if term == "" {
				return Unit{}, errorf("unit", CodeInvalid, "empty unit term in %q", t)
			}
			if term == "1" && i == 0 && len(terms) == 1 {
				continue // "1/h"
			}
			id, pow, err := lookupAtom(term)
			if err != nil {
				return Unit{}, err
			}
			if err := u.place(id, pow, afterSlash, t); err != nil {
				return Unit{}, err
			}
		}
	}
	return u, nil
}

// MustParseUnit is ParseUnit for constants known to be valid; it panics on error.
func MustParseUnit(s string) Unit {
	u, err := ParseUnit(s)
	if err != nil {
		panic(err)
	}
	return u
}

func splitProduct(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '*' || r == '·' || r == '×' })
}

// lookupAtom resolves one term, with an optional power suffix ("m2", "m²", "cm^2").
func lookupAtom(term string) (uint8, int8, error) {
	if molarSpellings[term] {
		return 0, 0, errorf("unit", CodeUnknownUnit, "molar concentration %q is not supported; give mmol/L", term)
	}
	if id, ok := atomByAlias(term); ok {
		return id, 1, nil
	}
	base, pow := term, int8(0)
	switch {
	case strings.HasSuffix(term, "²"):
		base, pow = strings.TrimSuffix(term, "²"), 2
	case strings.HasSuffix(term, "³"):
		base, pow = strings.TrimSuffix(term, "³"), 3
	default:
		last, size := utf8.DecodeLastRuneInString(term)
		if last >= '1' && last <= '9' {
			base, pow = term[:len(term)-size], int8(last-'0')
			base = strings.TrimSuffix(base, "^")
		}
	}
	if pow > 0 && base != "" {
		if id, ok := atomByAlias(strings.TrimSpace(base)); ok {
			return id, pow, nil
		}
	}
	return 0, 0, errorf("unit", CodeUnknownUnit,
		"unknown unit %q; use e.g. kg, g, mg, mcg, L, mL, mmol, mEq, units, m, cm, in, m2, h, min, s, day, gtt", term)
}

func atomByAlias(s string) (uint8, bool) {
	sym, ok := aliases[strings.ToLower(s)]
	if !ok {
		return 0, false
	}
	return atomBySym[sym], true
}

// place adds an atom while parsing. Unlike multiplication it never cancels different atoms,
// so "mg/kg" stays a dose per kg; a second atom on the same side of one dimension is refused.
func (u *Unit) place(id uint8, pow int8, denominator bool, whole string) error {
	d := atoms[id].dim
	same, other := u.pos(d), u.neg(d)
	set := u.setPos
	if denominator {
		same, other, set = other, same, u.setNeg
	}
	if other.atom == id {
		return errorf("unit", CodeInvalid, "%s cancels itself in %q; give a plain number instead", atoms[id].sym, whole)
	}
	switch {
	case same.atom == 0:
		set(d, factor{id, pow})
	case same.atom == id:
		if same.pow+pow > maxPow {
			return errorf("unit", CodeInvalid, "power of %s too large in %q", atoms[id].sym, whole)
		}
		set(d, factor{id, same.pow + pow})
	default:
		return errorf("unit", CodeInvalid, "%q mixes %s and %s on the same side; use one unit per dimension",
			whole, atoms[same.atom].sym, atoms[id].sym)
	}
	return nil
}

// String gives the canonical spelling: numerator atoms joined by "·", then "/" before each
// denominator atom, in the fixed order mass, volume, length, time, amount, ... so that
// "mcg/kg/min", "units/kg/h", "mg/m2" and "g/mol" come out as written in practice.
func (u Unit) String() string {
	if t := spellings[u.slot()].Load(); t != nil && t.u == u {
		return t.s
	}
	if m := unitTexts.Load(); m != nil {
		if s, ok := (*m)[u]; ok {
			return s
		}
	}
	var buf [32]byte
	s := string(u.spellOut(buf[:0]))
	rememberUnitText(u, s)
	return s
}

// appendTo appends u.String() to b.
func (u Unit) appendTo(b []byte) []byte { return u.spell(b) }

// unitTexts memoises Unit.String for the few dozen units a site shows, as unitCache does
// for ParseUnit, and with the same bound.
var (
	unitTexts   atomic.Pointer[map[Unit]string]
	unitTextsMu sync.Mutex
)

func rememberUnitText(u Unit, s string) {
	unitTextsMu.Lock()
	defer unitTextsMu.Unlock()
	var old map[Unit]string
	if p := unitTexts.Load(); p != nil {
		old = *p
	}
	if _, ok := old[u]; ok || len(old) >= unitCacheMax {
		return
	}
	m := make(map[Unit]string, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[u] = s
	unitTexts.Store(&m)
}

// spellings holds the spelling of one unit a slot, slot() choosing it, so that a line
// spelling the same few units again and again looks each one up instead of writing it out. A
// slot is filled once, by the first unit spelled in it, and never replaced: two units sharing
// one never make each other allocate, and the table stays bounded whatever the input.
var spellings [256]atomic.Pointer[unitText]

type unitText struct {
	u Unit
	s string
}

// slot is u's place in spellings.
func (u *Unit) slot() uint8 {
	return uint8((u.num*0x9E3779B97F4A7C15 ^ u.den*0xC2B2AE3D27D4EB4F) >> 56)
}

// spell appends the canonical spelling.
func (u *Unit) spell(b []byte) []byte {
	i := u.slot()
	if t := spellings[i].Load(); t != nil {
		if t.u == *u {
			return append(b, t.s...)
		}
		return u.spellOut(b)
	}
	n := len(b)
	b = u.spellOut(b)
	spellings[i].CompareAndSwap(nil, &unitText{u: *u, s: string(b[n:])})
	return b
}

// spellOut writes the canonical spelling out.
func (u *Unit) spellOut(b []byte) []byte {
	n := 0
	for d := range numDims {
		if f := u.pos(d); f.atom != 0 {
			if n > 0 {
				b = append(b, "·"...)
			}
			b = appendFactor(b, f)
			n++
		}
	}
	if u.den == 0 {
		return b // no denominator (mg, mL, units): nothing more to look at
	}
	for d := range numDims {
		if f := u.neg(d); f.atom != 0 {
			if n == 0 {
				b = append(b, '1')
				n++
			}
			b = append(b, '/')
			b = appendFactor(b, f)
		}
	}
	return b
}

// atomSyms are the atoms' symbols, indexed by atom id without a bounds check.
var atomSyms = func() (s [256]string) {
	for i, a := range atoms {
		s[i] = a.sym
	}
	return s
}()

func appendFactor(b []byte, f factor) []byte {
	b = append(b, atomSyms[f.atom]...)
	if f.pow > 1 {
		b = append(b, byte('0'+f.pow))
	}
	return b
}

// Dimension names the unit's dimensions, e.g. "mass/volume" or "mass/mass/time" for mcg/kg/min;
// error messages use it to say what was given and what was expected.
func (u Unit) Dimension() string {
	var b strings.Builder
	n := 0
	for d := range numDims {
		if f := u.pos(d); f.atom != 0 {
			if n > 0 {
				b.WriteString("·")
			}
			b.WriteString(dimName(dimension(d), f.pow))
			n++
		}
	}
	for d := range numDims {
		if f := u.neg(d); f.atom != 0 {
			if n == 0 {
				b.WriteString("1")
				n++
			}
			b.WriteByte('/')
			b.WriteString(dimName(dimension(d), f.pow))
		}
	}
	if n == 0 {
		return "dimensionless"
	}
	return b.String()
}

func dimName(d dimension, pow int8) string {
	switch {
	case pow == 1:
		return dimNames[d]
	case d == dimLength && pow == 2:
		return "area"
	default:
		return dimNames[d] + "^" + string(rune('0'+pow))
	}
}

// SameDimension reports whether a quantity in u converts to o: the same powers of the same
// dimensions on each side of the fraction (mg/kg converts to mcg/kg, never to mg).
func (u Unit) SameDimension(o Unit) bool {
	return (u.num^o.num)&powMask == 0 && (u.den^o.den)&powMask == 0
}

// IsDimensionless reports whether u is the empty unit of a plain number.
func (u Unit) IsDimensionless() bool { return u == Unit{} }

// has reports whether dimension d appears on the given side of u.
func (u Unit) has(d dimension, denominator bool) bool {
	if denominator {
		return u.den>>(slotBits*uint(d))&slotMask != 0
	}
	return u.num>>(slotBits*uint(d))&slotMask != 0
}

// only reports whether u is exactly one atom of dimension d to the first power in the
// numerator, e.g. "mL" for dimVolume.
func (u Unit) only(d dimension) bool {
	return u.num&powMask == 1<<(slotBits*uint(d)+3) && u.den&powMask == 0
}

// scale returns the unit's size in base units as the exact fraction num/den.
func (u Unit) scale() (num, den decimal.Decimal) {
	num, den = one, one
	for d := range numDims {
		if f := u.pos(d); f.atom != 0 {
			num = num.Mul(powScale(f.atom, f.pow))
		}
		if f := u.neg(d); f.atom != 0 {
			den = den.Mul(powScale(f.atom, f.pow))
		}
	}
	return num, den
}

func powScale(id uint8, pow int8) decimal.Decimal {
	s := atoms[id].scale
	r := s
	for i := int8(1); i < pow; i++ {
		r = r.Mul(s)
	}
	return r
}

// invert swaps numerator and denominator.
func (u Unit) invert() Unit { return Unit{num: u.den, den: u.num} }

// ratio is the factor num/den a value picks up when units are cancelled or merged; set is false
// while it is exactly 1, which spares the common same-atom case any arithmetic.
type ratio struct {
	num, den decimal.Decimal
	set      bool
}

// times multiplies the ratio by (scale of numAtom ÷ scale of denAtom)^k.
func (r *ratio) times(numAtom, denAtom uint8, k int8) {
	if numAtom == denAtom {
		return
	}
	if !r.set {
		r.num, r.den, r.set = one, one, true
	}
	r.num = r.num.Mul(powScale(numAtom, k))
	r.den = r.den.Mul(powScale(denAtom, k))
}

// mulUnits multiplies two units, cancelling a dimension that appears on opposite sides
// (mcg/kg × kg → mcg, mg ÷ mg/mL → mL) and merging a second atom of a dimension into the first
// (mg × g → mg²). The value must be multiplied by the returned ratio to stay the same quantity.
func mulUnits(a, b Unit) (Unit, ratio, error) {
	r := a
	var f ratio
	for d := range numDims {
		if (b.num|b.den)>>(slotBits*uint(d))&slotMask == 0 {
			continue
		}
		bp, bn := b.pos(d), b.neg(d)
		p, n := r.pos(d), r.neg(d)
		// Cancel first: "per kg × kg" is why quantities are multiplied.
		if bp.atom != 0 && n.atom != 0 {
			k := min(bp.pow, n.pow)
			f.times(bp.atom, n.atom, k)
			bp.pow -= k
			n.pow -= k
		}
		if bn.atom != 0 && p.atom != 0 {
			k := min(bn.pow, p.pow)
			f.times(p.atom, bn.atom, k)
			bn.pow -= k
			p.pow -= k
		}
		if bp.pow > 0 {
			switch {
			case p.pow == 0:
				p = bp
			case p.pow+bp.pow > maxPow:
				return Unit{}, ratio{}, errorf("unit", CodeOutOfRange, "unit power too large")
			default:
				f.times(bp.atom, p.atom, bp.pow)
				p.pow += bp.pow
			}
		}
		if bn.pow > 0 {
			switch {
			case n.pow == 0:
				n = bn
			case n.pow+bn.pow > maxPow:
				return Unit{}, ratio{}, errorf("unit", CodeOutOfRange, "unit power too large")
			default:
				f.times(n.atom, bn.atom, bn.pow)
				n.pow += bn.pow
			}
		}
		r.setPos(d, p) // a power of zero clears the slot
		r.setNeg(d, n)
	}
	return r, f, nil
}

// replaced returns u with the numerator atom of dimension d swapped for atom sym (which may be
// of another dimension); it is how mEq becomes mg once molar mass and valence are applied.
// The caller has already converted the value to the replaced atom's scale.
func (u Unit) replaced(d dimension, sym string) Unit {
	id := atomBySym[sym]
	f := u.pos(d)
	u.setPos(d, factor{})
	u.setPos(atoms[id].dim, factor{id, f.pow})
	return u
}

// withNumerator returns u with the numerator atom of dimension d set to sym, same power;
// converting to it rescales the value within one dimension.
func (u Unit) withNumerator(d dimension, sym string) Unit {
	u.setPos(d, factor{atomBySym[sym], u.pos(d).pow})
	return u
}
