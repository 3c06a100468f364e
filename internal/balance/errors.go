package balance

import (
	"strconv"

	"github.com/laminar-rx/laminar/internal/apperr"
)

// The error codes a balance operation returns. They are stable: screens
// and clients switch on them.
const (
	CodeOverload    = "balance_overload"    // more on the pan than the balance can weigh
	CodeUnderload   = "balance_underload"   // less than zero: the pan is off or zero was set with a load
	CodeUnstable    = "balance_unstable"    // no stable reading within the time allowed
	CodeBusy        = "balance_busy"        // the balance cannot run the command now
	CodeUnavailable = "balance_unavailable" // no connection, or it was lost
	CodeTimeout     = "balance_timeout"     // connected, but no reply in time
	CodeBadReply    = "balance_bad_reply"   // a reply that is not what the protocol allows
	CodeUnit        = "balance_unit"        // the balance shows a unit other than g, mg or kg
)

func errOverload(raw string) error {
	return apperr.WithCode(apperr.Refused, CodeOverload,
		"The balance is overloaded (%s): take the load off the pan and weigh again.", quoteRaw(raw))
}

func errUnderload(raw string) error {
	return apperr.WithCode(apperr.Refused, CodeUnderload,
		"The balance reads below zero (%s): check the pan is in place, empty it and zero the balance again.", quoteRaw(raw))
}

func errUnstable(detail string) error {
	return apperr.WithCode(apperr.Refused, CodeUnstable,
		"The balance did not settle (%s): close the draft shield, keep the item still and weigh again.", detail)
}

func errZeroRange(raw string, what string) error {
	return apperr.WithCode(apperr.Refused, CodeOverload,
		"The balance cannot %s with this load (%s): empty the pan and try again.", what, quoteRaw(raw))
}

func errBusy(raw string) error {
	return apperr.WithCode(apperr.Refused, CodeBusy,
		"The balance could not do this now (%s): wait until it has settled and try again.", quoteRaw(raw))
}

func errUnavailable(addr string, cause error) error {
	e := apperr.WithCode(apperr.Refused, CodeUnavailable,
		"The balance at %s cannot be reached: check it is switched on and connected to the network.", addr)
	e.Err = cause
	return e
}

func errTimeout(addr string, cause error) error {
	e := apperr.WithCode(apperr.Refused, CodeTimeout,
		"The balance at %s did not answer in time: check it is switched on and set to MT-SICS or SBI.", addr)
	e.Err = cause
	return e
}

func errBadReply(raw, why string) error {
	return apperr.WithCode(apperr.Refused, CodeBadReply,
		"The balance answered something that is not a weight (%s: %s): check its interface settings.", quoteRaw(raw), why)
}

func errUnit(raw, unit string) error {
	return apperr.WithCode(apperr.Refused, CodeUnit,
		"The balance shows %q (%s): set it to grams.", unit, quoteRaw(raw))
}

// quoteRaw shows a reply safely in a message: quoted, printable, short.
func quoteRaw(raw string) string {
	const limit = 40
	r := []rune(raw)
	if len(r) > limit {
		raw = string(r[:limit]) + "…"
	}
	return strconv.Quote(raw)
}
