package formulary

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/barcode"
)

// The refusal codes of a component scan (POST .../scans → 422).
const (
	CodeBadBarcode      = "bad_barcode"      // unreadable; the parser's own code is in the message
	CodeAmbiguous       = "ambiguous"        // more than one reading fits (each listed as reading_N); never guessed
	CodeUnknownProduct  = "unknown_product"  // the GTIN/NDC is not in the formulary
	CodeInactiveProduct = "inactive_product" // in the formulary but withdrawn from use
	CodeRecalled        = "recalled"         // the lot is recalled or quarantined
	CodeExpired         = "expired"          // the expiry date has passed
)

// Lookup is what ResolveScan needs from storage. Each method returns an
// apperr NotFound error when there is no such record.
type Lookup interface {
	ProductByGTIN(ctx context.Context, gtin14 string) (*Product, error)
	ProductByNDC10(ctx context.Context, ndc10 string) (*Product, error)
	LotByNumber(ctx context.Context, productID int64, lot string) (*Lot, error)
}

// Resolution is an accepted scan of a component.
type Resolution struct {
	Product *Product
	// Lot is the lot number scanned (AI 10), "" when the barcode has none.
	Lot string
	// LotRecord is the lot's recorded state, nil when never recorded.
	LotRecord *Lot
	// Expiry is the last instant of the expiry day in the site's time
	// zone; nil when the barcode carries no expiry (a linear UPC).
	Expiry *time.Time
	Serial string
	GTIN   string
	NDC10  string
	Scan   *barcode.Scan
}

// ResolveOptions are the site's clock and time zone.
type ResolveOptions struct {
	Now time.Time
	// Location is the site's time zone: a date-only expiry ends at
	// midnight there. nil means UTC.
	Location *time.Location
	// RequireExpiry refuses a barcode without AI (17), such as a linear UPC.
	RequireExpiry bool
}

// ExpiryEnd returns the last instant of day d in loc: a product expiring
// on a date may be used throughout that date.
func ExpiryEnd(d barcode.Date, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return d.In(loc).AddDate(0, 0, 1).Add(-time.Nanosecond)
}

// BadBarcode wraps a parser error as the bad_barcode refusal. The parser's
// code leads the message ("bad_check_digit: ...") and the cause is kept, so
// ParserCode can recover it.
func BadBarcode(err error) *apperr.Error {
	var be *barcode.Error
	if errors.As(err, &be) && be.Code == barcode.CodeAmbiguous {
		e := &apperr.Error{Kind: apperr.Refused, Code: CodeAmbiguous, Field: "data",
			Message: "the scan can be read more than one way and is not guessed: " + be.Message, Err: be}
		for i, r := range be.Readings {
			if e.Fields == nil {
				e.Fields = map[string]string{}
			}
			e.Fields["reading_"+strconv.Itoa(i+1)] = barcode.ElementString(r, barcode.FormBracketed)
		}
		return e
	}
	if errors.As(err, &be) {
		return &apperr.Error{Kind: apperr.Refused, Code: CodeBadBarcode, Field: "data",
			Message: "the barcode cannot be read (" + be.Code + "): " + be.Message, Err: be}
	}
	return &apperr.Error{Kind: apperr.Refused, Code: CodeBadBarcode, Field: "data", Message: "the barcode cannot be read: " + err.Error(), Err: err}
}

// ParserCode returns the barcode parser's code behind a bad_barcode
// refusal ("bad_check_digit"), or "".
func ParserCode(err error) string {
	var be *barcode.Error
	if errors.As(err, &be) {
		return be.Code
	}
	return ""
}

// ResolveScan parses barcode data and resolves it to a formulary product,
// lot and expiry, or refuses it: bad_barcode, unknown_product,
// inactive_product, recalled, expired (checked in that order).
func ResolveScan(ctx context.Context, lk Lookup, data string, opt ResolveOptions) (*Resolution, error) {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	scan, err := barcode.Parse(data, barcode.Options{Today: opt.Now.In(loc)})
	if err != nil {
		return nil, BadBarcode(err)
	}
	return ResolveParsed(ctx, lk, scan, opt)
}

// ResolveParsed is ResolveScan for a barcode already parsed.
func ResolveParsed(ctx context.Context, lk Lookup, scan *barcode.Scan, opt ResolveOptions) (*Resolution, error) {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	p, err := FindProduct(ctx, lk, scan)
	if err != nil {
		return nil, err
	}
	if !p.Active {
		return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeInactiveProduct, Field: "data",
			Message: "NDC " + p.Package.NDC + " (" + p.Drug.DisplayName() + ") is no longer in use in this formulary"}
	}
	res := &Resolution{Product: p, Lot: scan.Lot, Serial: scan.Serial, GTIN: scan.GTIN, NDC10: scan.NDC10(), Scan: scan}
	if scan.Lot != "" {
		lot, err := lk.LotByNumber(ctx, p.ID, scan.Lot)
		switch {
		case apperr.Is(err, apperr.NotFound):
		case err != nil:
			return nil, err
		default:
			res.LotRecord = lot
			if !lot.Status.Usable() {
				return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeRecalled, Field: "data",
					Message: "lot " + lot.Lot + " of " + p.Drug.DisplayName() + " is " + string(lot.Status) + ": " + lot.Reason + "; do not use it, take another lot"}
			}
		}
	}
	if scan.Expiry != nil {
		end := ExpiryEnd(*scan.Expiry, loc)
		res.Expiry = &end
		if opt.Now.After(end) {
			return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeExpired, Field: "data",
				Message: p.Drug.DisplayName() + " lot " + lotText(scan.Lot) + " expired on " + scan.Expiry.String() + "; do not use it"}
		}
	} else if opt.RequireExpiry {
		return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeBadBarcode, Field: "data",
			Message: "this barcode carries no expiry date (AI 17); scan the 2-D DataMatrix on the vial, not the linear barcode"}
	}
	return res, nil
}

func lotText(l string) string {
	if l == "" {
		return "(no lot in the barcode)"
	}
	return l
}

// FindProduct finds the product a parsed barcode names: by its GTIN, and
// failing that by the NDC inside it (a case or carton GTIN with another
// packaging indicator still carries the product's NDC).
func FindProduct(ctx context.Context, lk Lookup, scan *barcode.Scan) (*Product, error) {
	if scan.GTIN == "" {
		return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeBadBarcode, Field: "data",
			Message: "the barcode carries no GTIN (AI 01): it does not identify a drug product"}
	}
	p, err := lk.ProductByGTIN(ctx, scan.GTIN)
	if err == nil {
		return p, nil
	}
	if !apperr.Is(err, apperr.NotFound) {
		return nil, err
	}
	if d := scan.NDC10(); d != "" {
		p, err = lk.ProductByNDC10(ctx, d)
		if err == nil {
			return p, nil
		}
		if !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeUnknownProduct, Field: "data",
			Message: "NDC digits " + d + " (GTIN " + scan.GTIN + ") are not in the formulary; ask the pharmacist to add the product"}
	}
	return nil, &apperr.Error{Kind: apperr.Refused, Code: CodeUnknownProduct, Field: "data",
		Message: "GTIN " + scan.GTIN + " is not in the formulary and carries no US NDC"}
}
