package barcode

import (
	"fmt"
	"strconv"
	"strings"
)

// aiEntry is one row of the GS1 Application Identifier table, written in the
// notation of GS1's syntax dictionary: components separated by spaces, an
// optional component in brackets, each component a character set (N digits,
// X CSET 82, Y CSET 39, Z CSET 64) with a fixed length ("N14") or a range
// ("X..20" = 1 to 20, "X1..28"), then comma-separated checks:
//
//	csum       GS1 mod-10 check digit (last digit of the component)
//	csumalpha  GS1 alphanumeric check-character pair (last two characters)
//	yymmd0     date, day 00 allowed (last day of the month)
//	yymmdd     date, day 00 not allowed
//	yyyymmdd   date with a four-digit year
//	yymmddhh   date and hour
//	yyyymmddhhmm  date with four-digit year, hour and minute
//	hhmm       hour and minute
//	mmoptss    minute, optionally followed by seconds (2 or 4 digits)
//
// ai is a single AI or an inclusive range ("3100-3105"). Checks of code lists
// (ISO 3166 countries, ISO 4217 currencies, IBAN, coupon formats, yes/no
// flags, coordinates) are not made: the parser checks syntax, lengths,
// character sets, check digits and dates.
type aiEntry struct {
	ai    string
	spec  string
	title string
}

// aiEntries is the GS1 Application Identifier table (GS1 General
// Specifications, section 3, as carried in GS1's syntax dictionary).
var aiEntries = []aiEntry{
	{"00", "N18,csum", "SSCC"},
	{"01", "N14,csum", "GTIN"},
	{"02", "N14,csum", "CONTENT"},
	{"03", "N14,csum", "MTO GTIN"},
	{"10", "X..20", "BATCH/LOT"},
	{"11", "N6,yymmd0", "PROD DATE"},
	{"12", "N6,yymmd0", "DUE DATE"},
	{"13", "N6,yymmd0", "PACK DATE"},
	{"15", "N6,yymmd0", "BEST BEFORE"},
	{"16", "N6,yymmd0", "SELL BY"},
	{"17", "N6,yymmd0", "USE BY OR EXPIRY"},
	{"20", "N2", "VARIANT"},
	{"21", "X..20", "SERIAL"},
	{"22", "X..20", "CPV"},
	{"235", "X..28", "TPX"},
	{"240", "X..30", "ADDITIONAL ID"},
	{"241", "X..30", "CUST. PART No."},
	{"242", "N..6", "MTO VARIANT"},
	{"243", "X..20", "PCN"},
	{"250", "X..30", "SECONDARY SERIAL"},
	{"251", "X..30", "REF. TO SOURCE"},
	{"253", "N13,csum [X..17]", "GDTI"},
	{"254", "X..20", "GLN EXTENSION COMPONENT"},
	{"255", "N13,csum [N..12]", "GCN"},
	{"30", "N..8", "VAR. COUNT"},
	{"3100-3105", "N6", "NET WEIGHT (kg)"},
	{"3110-3115", "N6", "LENGTH (m)"},
	{"3120-3125", "N6", "WIDTH (m)"},
	{"3130-3135", "N6", "HEIGHT (m)"},
	{"3140-3145", "N6", "AREA (m2)"},
	{"3150-3155", "N6", "NET VOLUME (l)"},
	{"3160-3165", "N6", "NET VOLUME (m3)"},
	{"3200-3205", "N6", "NET WEIGHT (lb)"},
	{"3210-3215", "N6", "LENGTH (in)"},
	{"3220-3225", "N6", "LENGTH (ft)"},
	{"3230-3235", "N6", "LENGTH (yd)"},
	{"3240-3245", "N6", "WIDTH (in)"},
	{"3250-3255", "N6", "WIDTH (ft)"},
	{"3260-3265", "N6", "WIDTH (yd)"},
	{"3270-3275", "N6", "HEIGHT (in)"},
	{"3280-3285", "N6", "HEIGHT (ft)"},
	{"3290-3295", "N6", "HEIGHT (yd)"},
	{"3300-3305", "N6", "GROSS WEIGHT (kg)"},
	{"3310-3315", "N6", "LENGTH (m), log"},
	{"3320-3325", "N6", "WIDTH (m), log"},
	{"3330-3335", "N6", "HEIGHT (m), log"},
	{"3340-3345", "N6", "AREA (m2), log"},
	{"3350-3355", "N6", "VOLUME (l), log"},
	{"3360-3365", "N6", "VOLUME (m3), log"},
	{"3370-3375", "N6", "KG PER m2"},
	{"3400-3405", "N6", "GROSS WEIGHT (lb)"},
	{"3410-3415", "N6", "LENGTH (in), log"},
	{"3420-3425", "N6", "LENGTH (ft), log"},
	{"3430-3435", "N6", "LENGTH (yd), log"},
	{"3440-3445", "N6", "WIDTH (in), log"},
	{"3450-3455", "N6", "WIDTH (ft), log"},
	{"3460-3465", "N6", "WIDTH (yd), log"},
	{"3470-3475", "N6", "HEIGHT (in), log"},
	{"3480-3485", "N6", "HEIGHT (ft), log"},
	{"3490-3495", "N6", "HEIGHT (yd), log"},
	{"3500-3505", "N6", "AREA (in2)"},
	{"3510-3515", "N6", "AREA (ft2)"},
	{"3520-3525", "N6", "AREA (yd2)"},
	{"3530-3535", "N6", "AREA (in2), log"},
	{"3540-3545", "N6", "AREA (ft2), log"},
	{"3550-3555", "N6", "AREA (yd2), log"},
	{"3560-3565", "N6", "NET WEIGHT (troy oz)"},
	{"3570-3575", "N6", "NET VOLUME (oz)"},
	{"3600-3605", "N6", "NET VOLUME (qt)"},
	{"3610-3615", "N6", "NET VOLUME (gal.)"},
	{"3620-3625", "N6", "VOLUME (qt), log"},
	{"3630-3635", "N6", "VOLUME (gal.), log"},
	{"3640-3645", "N6", "VOLUME (in3)"},
	{"3650-3655", "N6", "VOLUME (ft3)"},
	{"3660-3665", "N6", "VOLUME (yd3)"},
	{"3670-3675", "N6", "VOLUME (in3), log"},
	{"3680-3685", "N6", "VOLUME (ft3), log"},
	{"3690-3695", "N6", "VOLUME (yd3), log"},
	{"37", "N..8", "COUNT"},
	{"3900-3909", "N..15", "AMOUNT"},
	{"3910-3919", "N3 N..15", "AMOUNT (with ISO currency)"},
	{"3920-3929", "N..15", "PRICE"},
	{"3930-3939", "N3 N..15", "PRICE (with ISO currency)"},
	{"3940-3943", "N4", "PRCNT OFF"},
	{"3950-3955", "N6", "PRICE/UoM"},
	{"400", "X..30", "ORDER NUMBER"},
	{"401", "X..30", "GINC"},
	{"402", "N17,csum", "GSIN"},
	{"403", "X..30", "ROUTE"},
	{"410", "N13,csum", "SHIP TO LOC"},
	{"411", "N13,csum", "BILL TO"},
	{"412", "N13,csum", "PURCHASE FROM"},
	{"413", "N13,csum", "SHIP FOR LOC"},
	{"414", "N13,csum", "LOC No."},
	{"415", "N13,csum", "PAY TO"},
	{"416", "N13,csum", "PROD/SERV LOC"},
	{"417", "N13,csum", "PARTY"},
	{"420", "X..20", "SHIP TO POST"},
	{"421", "N3 X..9", "SHIP TO POST (with ISO country)"},
	{"422", "N3", "ORIGIN"},
	{"423", "N3 [N3] [N3] [N3] [N3]", "COUNTRY - INITIAL PROCESS."},
	{"424", "N3", "COUNTRY - PROCESS."},
	{"425", "N3 [N3] [N3] [N3] [N3]", "COUNTRY - DISASSEMBLY"},
	{"426", "N3", "COUNTRY - FULL PROCESS"},
	{"427", "X..3", "ORIGIN SUBDIVISION"},
	{"4300", "X..35", "SHIP TO COMP"},
	{"4301", "X..35", "SHIP TO NAME"},
	{"4302", "X..70", "SHIP TO ADD1"},
	{"4303", "X..70", "SHIP TO ADD2"},
	{"4304", "X..70", "SHIP TO SUB"},
	{"4305", "X..70", "SHIP TO LOC"},
	{"4306", "X..70", "SHIP TO REG"},
	{"4307", "X2", "SHIP TO COUNTRY"},
	{"4308", "X..30", "SHIP TO PHONE"},
	{"4309", "N20", "SHIP TO GEO"},
	{"4310", "X..35", "RTN TO COMP"},
	{"4311", "X..35", "RTN TO NAME"},
	{"4312", "X..70", "RTN TO ADD1"},
	{"4313", "X..70", "RTN TO ADD2"},
	{"4314", "X..70", "RTN TO SUB"},
	{"4315", "X..70", "RTN TO LOC"},
	{"4316", "X..70", "RTN TO REG"},
	{"4317", "X2", "RTN TO COUNTRY"},
	{"4318", "X..20", "RTN TO POST"},
	{"4319", "X..30", "RTN TO PHONE"},
	{"4320", "X..35", "SRV DESCRIPTION"},
	{"4321", "N1", "DANGEROUS GOODS"},
	{"4322", "N1", "AUTH LEAVE"},
	{"4323", "N1", "SIG REQUIRED"},
	{"4324", "N6,yymmd0 N4,hhmm", "NBEF DEL DT."},
	{"4325", "N6,yymmd0 N4,hhmm", "NAFT DEL DT."},
	{"4326", "N6,yymmdd", "REL DATE"},
	{"4330", "N6 [X1]", "MAX TEMP F."},
	{"4331", "N6 [X1]", "MAX TEMP C."},
	{"4332", "N6 [X1]", "MIN TEMP F."},
	{"4333", "N6 [X1]", "MIN TEMP C."},
	{"7001", "N13", "NSN"},
	{"7002", "X..30", "MEAT CUT"},
	{"7003", "N6,yymmdd N4,hhmm", "EXPIRY TIME"},
	{"7004", "N..4", "ACTIVE POTENCY"},
	{"7005", "X..12", "CATCH AREA"},
	{"7006", "N6,yymmdd", "FIRST FREEZE DATE"},
	{"7007", "N6,yymmdd [N6,yymmdd]", "HARVEST DATE"},
	{"7008", "X..3", "AQUATIC SPECIES"},
	{"7009", "X..10", "FISHING GEAR TYPE"},
	{"7010", "X..2", "PROD METHOD"},
	{"7011", "N6,yymmdd [N4,hhmm]", "TEST BY DATE"},
	{"7020", "X..20", "REFURB LOT"},
	{"7021", "X..20", "FUNC STAT"},
	{"7022", "X..20", "REV STAT"},
	{"7023", "X..30", "GIAI - ASSEMBLY"},
	{"7030-7039", "N3 X..27", "PROCESSOR # s"},
	{"7040", "N1 X1 X1 X1", "UIC+EXT"},
	{"7041", "X..4", "UFRGT UNIT TYPE"},
	{"710", "X..20", "NHRN PZN"},
	{"711", "X..20", "NHRN CIP"},
	{"712", "X..20", "NHRN CN"},
	{"713", "X..20", "NHRN DRN"},
	{"714", "X..20", "NHRN AIM"},
	{"715", "X..20", "NHRN NDC"},
	{"716", "X..20", "NHRN AIC"},
	{"7230-7239", "X2 X..28", "CERT # s"},
	{"7240", "X..20", "PROTOCOL"},
	{"7241", "N2", "AIDC MEDIA TYPE"},
	{"7242", "X..25", "VCN"},
	{"7250", "N8,yyyymmdd", "DOB"},
	{"7251", "N12,yyyymmddhhmm", "DOB TIME"},
	{"7252", "N1", "BIO SEX"},
	{"7253", "X..40", "FAMILY NAME"},
	{"7254", "X..40", "GIVEN NAME"},
	{"7255", "X..10", "SUFFIX"},
	{"7256", "X..90", "FULL NAME"},
	{"7257", "X..70", "PERSON ADDR"},
	{"7258", "N1 X1 N1", "BIRTH SEQUENCE"},
	{"7259", "X..40", "BABY"},
	{"8001", "N4 N5 N3 N1 N1", "DIMENSIONS"},
	{"8002", "X..20", "CMT No."},
	{"8003", "N1 N13,csum [X..16]", "GRAI"},
	{"8004", "X..30", "GIAI"},
	{"8005", "N6", "PRICE PER UNIT"},
	{"8006", "N14,csum N2 N2", "ITIP"},
	{"8007", "X..34", "IBAN"},
	{"8008", "N8,yymmddhh [N..4,mmoptss]", "PROD TIME"},
	{"8009", "X..50", "OPTSEN"},
	{"8010", "Y..30", "CPID"},
	{"8011", "N..12", "CPID SERIAL"},
	{"8012", "X..20", "VERSION"},
	{"8013", "X..25,csumalpha", "GMN"},
	{"8014", "X..25", "MUDI"},
	{"8017", "N18,csum", "GSRN - PROVIDER"},
	{"8018", "N18,csum", "GSRN - RECIPIENT"},
	{"8019", "N..10", "SRIN"},
	{"8020", "X..25", "REF No."},
	{"8026", "N14,csum N2 N2", "ITIP CONTENT"},
	{"8030", "Z..90", "DIGSIG"},
	{"8110", "X..70", "COUPON (North America)"},
	{"8111", "N4", "POINTS"},
	{"8112", "X..70", "PAPERLESS COUPON (North America)"},
	{"8200", "X..70", "PRODUCT URL"},
	{"90", "X..30", "INTERNAL"},
	{"91-99", "X..90", "INTERNAL"},
}

// predefinedLengths is GS1's table of AI prefixes whose element strings have
// a predefined total length (AI + value): a reader knows where they end, so
// no separator follows them. Every other AI, fixed-length or not, is ended by
// a separator (FNC1/GS) unless it is last. (Prefix 23 was in older editions
// for the withdrawn AI 23n; AI 235 today is variable-length.)
var predefinedLengths = map[string]int{
	"00": 20, "01": 16, "02": 16, "03": 16, "04": 18,
	"11": 8, "12": 8, "13": 8, "14": 8, "15": 8, "16": 8, "17": 8, "18": 8, "19": 8,
	"20": 4,
	"31": 10, "32": 10, "33": 10, "34": 10, "35": 10, "36": 10,
	"41": 16,
}

// linter is a check on one component beyond its character set and length.
type linter uint8

const (
	lintNone linter = iota
	lintCsum
	lintCsumAlpha
	lintYYMMD0
	lintYYMMDD
	lintYYYYMMDD
	lintYYMMDDHH
	lintYYYYMMDDHHMM
	lintHHMM
	lintMMOptSS
)

var linterNames = map[string]linter{
	"csum": lintCsum, "csumalpha": lintCsumAlpha,
	"yymmd0": lintYYMMD0, "yymmdd": lintYYMMDD, "yyyymmdd": lintYYYYMMDD,
	"yymmddhh": lintYYMMDDHH, "yyyymmddhhmm": lintYYYYMMDDHHMM,
	"hhmm": lintHHMM, "mmoptss": lintMMOptSS,
}

// component is one part of an AI's value.
type component struct {
	cset     byte // 'N', 'X', 'Y' or 'Z'
	min, max int
	optional bool
	lint     linter
}

// aiDef is a parsed table row for one AI.
type aiDef struct {
	ai    string
	title string
	comps []component
	// min and max bound the whole value's length.
	min, max int
	// predefined: the element string has a predefined length and needs no
	// separator after it.
	predefined bool
}

// fixed reports whether every value of the AI has the same length.
func (d *aiDef) fixed() bool { return d.min == d.max }

// name is how messages refer to the AI: "(17) USE BY OR EXPIRY".
func (d *aiDef) name() string { return "(" + d.ai + ") " + d.title }

// aiTable maps every AI to its definition.
var aiTable = buildTable(aiEntries)

// buildTable expands ranges and parses specs; a malformed row is a
// programming error, so it panics (and the package's tests catch it).
func buildTable(entries []aiEntry) map[string]*aiDef {
	t := make(map[string]*aiDef, 600)
	for _, e := range entries {
		comps, err := parseSpec(e.spec)
		if err != nil {
			panic(fmt.Sprintf("barcode: AI table row %s: %v", e.ai, err))
		}
		lo, hi, width := e.ai, e.ai, len(e.ai)
		if a, b, ok := strings.Cut(e.ai, "-"); ok {
			lo, hi, width = a, b, len(a)
		}
		from, err1 := strconv.Atoi(lo)
		to, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || from > to || width < 2 || width > 4 {
			panic("barcode: AI table row has a bad AI: " + e.ai)
		}
		for n := from; n <= to; n++ {
			ai := fmt.Sprintf("%0*d", width, n)
			if _, dup := t[ai]; dup {
				panic("barcode: AI table has AI twice: " + ai)
			}
			d := &aiDef{ai: ai, title: e.title, comps: comps}
			for _, c := range comps {
				if !c.optional {
					d.min += c.min
				}
				d.max += c.max
			}
			_, d.predefined = predefinedLengths[ai[:2]]
			t[ai] = d
		}
	}
	return t
}

// parseSpec parses a spec such as "N6,yymmdd [N4,hhmm]".
func parseSpec(spec string) ([]component, error) {
	var comps []component
	for _, tok := range strings.Fields(spec) {
		var c component
		if strings.HasPrefix(tok, "[") && strings.HasSuffix(tok, "]") {
			c.optional = true
			tok = tok[1 : len(tok)-1]
		} else if len(comps) > 0 && comps[len(comps)-1].optional {
			return nil, fmt.Errorf("mandatory component %q after an optional one", tok)
		}
		parts := strings.Split(tok, ",")
		f := parts[0]
		if len(f) < 2 || strings.IndexByte("NXYZ", f[0]) < 0 {
			return nil, fmt.Errorf("bad component %q", tok)
		}
		c.cset = f[0]
		if a, b, ok := strings.Cut(f[1:], ".."); ok {
			c.min = 1
			if a != "" {
				n, err := strconv.Atoi(a)
				if err != nil {
					return nil, fmt.Errorf("bad minimum in %q", tok)
				}
				c.min = n
			}
			n, err := strconv.Atoi(b)
			if err != nil {
				return nil, fmt.Errorf("bad maximum in %q", tok)
			}
			c.max = n
		} else {
			n, err := strconv.Atoi(f[1:])
			if err != nil {
				return nil, fmt.Errorf("bad length in %q", tok)
			}
			c.min, c.max = n, n
		}
		if c.min < 0 || c.max < 1 || c.min > c.max {
			return nil, fmt.Errorf("bad length range in %q", tok)
		}
		for _, l := range parts[1:] {
			lt, ok := linterNames[l]
			if !ok {
				return nil, fmt.Errorf("unknown check %q", l)
			}
			c.lint = lt
		}
		if c.min != c.max && len(comps) > 0 && !c.optional && c.min == 0 {
			return nil, fmt.Errorf("empty-able mandatory component %q", tok)
		}
		comps = append(comps, c)
	}
	// Only the last component may vary in length: a reader could not tell
	// where a variable component in the middle ends.
	for i, c := range comps {
		if c.min != c.max && i != len(comps)-1 {
			return nil, fmt.Errorf("variable-length component %d is not last", i)
		}
	}
	if len(comps) == 0 {
		return nil, fmt.Errorf("empty spec")
	}
	return comps, nil
}

// lookupAI returns the definition of an exact AI.
func lookupAI(ai string) *aiDef {
	return aiTable[ai]
}

// KnownAI reports whether ai is a GS1 Application Identifier this package knows.
func KnownAI(ai string) bool {
	return lookupAI(ai) != nil
}

// AITitle returns the GS1 data title of an AI ("USE BY OR EXPIRY"), or "" for
// an unknown AI.
func AITitle(ai string) string {
	if d := lookupAI(ai); d != nil {
		return d.title
	}
	return ""
}

// NeedsSeparator reports whether an element string with this AI must be
// followed by a separator (FNC1/GS) when another element comes after it.
// Unknown AIs are treated as needing one.
func NeedsSeparator(ai string) bool {
	d := lookupAI(ai)
	return d == nil || !d.predefined
}
