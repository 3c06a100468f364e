package formulary

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// LotStatus says whether a manufacturer lot may be used.
type LotStatus string

// The lot states. A lot the formulary has never heard of is LotOK.
const (
	LotOK          LotStatus = "ok"
	LotRecalled    LotStatus = "recalled"    // withdrawn by the manufacturer or the FDA
	LotQuarantined LotStatus = "quarantined" // held by the pharmacy pending investigation
)

// ParseLotStatus reads a lot status.
func ParseLotStatus(s string) (LotStatus, error) {
	switch st := LotStatus(strings.TrimSpace(s)); st {
	case LotOK, LotRecalled, LotQuarantined:
		return st, nil
	}
	return "", apperr.InvalidField("status", "%q is not a lot status; expected ok, recalled or quarantined", s)
}

// Usable reports whether a lot in this state may be scanned into a preparation.
func (s LotStatus) Usable() bool { return s == LotOK || s == "" }

// Lot is the recorded state of one manufacturer lot of a product.
type Lot struct {
	ProductID int64
	Lot       string
	Status    LotStatus
	Reason    string
	ChangedBy *int64
	ChangedAt time.Time
}

// LotChange is a request to set a lot's state.
type LotChange struct {
	ProductID int64
	Lot       string
	Status    LotStatus
	Reason    string
}

// maxLot is the GS1 maximum length of AI (10).
const maxLot = 20

// Validate checks the change: the lot as GS1 AI (10) carries it, and a
// reason for every recall or quarantine (the audit log shows it).
func (c LotChange) Validate() error {
	if c.ProductID <= 0 {
		return apperr.InvalidField("product_id", "a product is required")
	}
	lot := strings.TrimSpace(c.Lot)
	if lot == "" {
		return apperr.InvalidField("lot", "the lot number is required, as printed (GS1 AI 10)")
	}
	if lot != c.Lot {
		return apperr.InvalidField("lot", "the lot number %q has leading or trailing spaces", c.Lot)
	}
	if utf8.RuneCountInString(lot) > maxLot {
		return apperr.InvalidField("lot", "a lot number has at most %d characters (GS1 AI 10), got %d", maxLot, utf8.RuneCountInString(lot))
	}
	for _, r := range lot {
		if r < '!' || r > '~' {
			return apperr.InvalidField("lot", "the lot number %q contains %q; a GS1 lot uses printable ASCII only", lot, r)
		}
	}
	if _, err := ParseLotStatus(string(c.Status)); err != nil {
		return err
	}
	if c.Status != LotOK && strings.TrimSpace(c.Reason) == "" {
		return apperr.InvalidField("reason", "say why the lot is %s (recall notice, investigation number)", c.Status)
	}
	if len(c.Reason) > 1000 {
		return apperr.InvalidField("reason", "the reason is longer than 1000 characters")
	}
	return nil
}
