package barcode

import (
	"fmt"
	"time"
)

// Element is one GS1 element string: an Application Identifier and its value.
type Element struct {
	AI    string
	Value string
}

// Kind says what a scan carried.
type Kind string

// The kinds of scan data.
const (
	KindGS1    Kind = "gs1"    // GS1 element strings (DataMatrix, GS1-128, DataBar, GS1 QR, Digital Link)
	KindPlain  Kind = "plain"  // data that is not GS1 (]d1, ]Q1 text, a URL that is no Digital Link)
	KindGTIN8  Kind = "gtin8"  // EAN-8
	KindGTIN12 Kind = "gtin12" // UPC-A, the usual linear barcode on a US drug
	KindGTIN13 Kind = "gtin13" // EAN-13
	KindGTIN14 Kind = "gtin14" // ITF-14 or a bare 14-digit GTIN
)

// Date is a civil date (no time zone): what a GS1 date AI means once its
// century and a day 00 are resolved.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// In returns the start of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool {
	if d.Year != o.Year {
		return d.Year < o.Year
	}
	if d.Month != o.Month {
		return d.Month < o.Month
	}
	return d.Day < o.Day
}

// Scan is a parsed barcode. AIs holds the GS1 element strings in the order
// read; the other fields are taken from them (or from a linear GTIN). Use it
// through the pointer Parse returns: Expiry and NDC point into it.
type Scan struct {
	Kind Kind
	// Symbology is the AIM symbology identifier sent by the scanner ("]d2"),
	// "" when none was sent.
	Symbology string
	AIs       []Element
	// Plain is the data of a non-GS1 scan (Kind plain).
	Plain string
	// GTIN is the 14-digit GTIN, zero-padded: from AI (01) or from the EAN,
	// UPC or ITF-14 symbol. The digits as carried are GTIN[14-n:] for Kind
	// gtinN.
	GTIN string
	// Expiry is AI (17) with its century resolved and day 00 turned into the
	// last day of the month; ExpiryRaw is the value as scanned.
	Expiry    *Date
	ExpiryRaw string
	Lot       string // AI (10)
	Serial    string // AI (21)
	// NDC is the US National Drug Code carried in the GTIN (GS1 prefix 03),
	// 10 digits with unknown hyphenation: the formulary decides the shape.
	NDC *NDC

	buf    [4]Element // backing array for AIs, so a typical scan allocates once
	expiry Date
	ndc    NDC
}

// Value returns the value of the first element with the given AI.
func (s *Scan) Value(ai string) (string, bool) {
	for _, e := range s.AIs {
		if e.AI == ai {
			return e.Value, true
		}
	}
	return "", false
}

// NDC10 returns the 10 NDC digits carried in the GTIN, or "".
func (s *Scan) NDC10() string {
	if s.NDC == nil {
		return ""
	}
	return s.NDC.Digits
}

// Bracketed renders the element strings in the human-readable form
// "(01)...(17)...(10)...".
func (s *Scan) Bracketed() string {
	return ElementString(s.AIs, FormBracketed)
}

// fill derives the convenience fields from AIs or GTIN.
func (s *Scan) fill(w window) {
	for _, e := range s.AIs {
		switch e.AI {
		case "01":
			if s.GTIN == "" {
				s.GTIN = e.Value
			}
		case "10":
			if s.Lot == "" {
				s.Lot = e.Value
			}
		case "21":
			if s.Serial == "" {
				s.Serial = e.Value
			}
		case "17":
			if s.Expiry == nil {
				s.ExpiryRaw = e.Value
				s.expiry = resolveYYMMD0(e.Value, w)
				s.Expiry = &s.expiry
			}
		}
	}
	if s.GTIN != "" {
		if d, ok := NDC10FromGTIN(s.GTIN); ok {
			s.ndc = NDC{Digits: d}
			s.NDC = &s.ndc
		}
	}
}

// resolveYYMMD0 turns a valid YYMMDD value (day 00 allowed) into a Date.
func resolveYYMMD0(v string, w window) Date {
	y := w.fullYear(num2(v))
	m := num2(v[2:])
	d := num2(v[4:])
	if d == 0 {
		d = daysIn(y, m)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}
}

// ResolveDate turns a GS1 YYMMDD value into a civil date using the GS1
// sliding century window around today; day 00 (allowed in AIs 11-17) means
// the last day of the month.
func ResolveDate(yymmdd string, today time.Time) (Date, error) {
	d := lookupAI("17")
	if len(yymmdd) != 6 {
		return Date{}, errf(CodeWrongLength, "", 0, "a GS1 date has 6 digits (YYMMDD), found %d (%q)", len(yymmdd), yymmdd)
	}
	w := newWindow(today)
	if e := validate(d, yymmdd, 0, w); e != nil {
		e.AI = ""
		return Date{}, e
	}
	return resolveYYMMD0(yymmdd, w), nil
}
