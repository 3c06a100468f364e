package logwords

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/laminar-rx/laminar/calc"
)

// Described is one event of the compounding log in plain words, as the log
// screen, its CSV export and the printed report show it.
type Described struct {
	// Name is the event in words ("Scan refused").
	Name string
	// What gives the details that matter ("Right drug, wrong strength or
	// size · lot A123").
	What string
	// Outcome is the result in a word or two ("Refused", "Out of
	// tolerance", "Approved"); "" when the event has none.
	Outcome string
	// Caught is the kind of error the system stopped (one of CaughtKinds),
	// "" for an event that is not one.
	Caught string
}

// The kinds of error caught, in the order charts and reports list them.
const (
	CaughtWrongProduct  = "Wrong product"
	CaughtWrongStrength = "Wrong strength or size"
	CaughtExpired       = "Expired or recalled"
	CaughtReused        = "Container used twice"
	CaughtWeight        = "Weight out of tolerance"
	CaughtRejected      = "Rejected by pharmacist"
	CaughtOtherScan     = "Other refused scan"
)

// CaughtKinds lists the kinds of error caught, most serious first.
var CaughtKinds = []string{CaughtWrongProduct, CaughtWrongStrength, CaughtExpired, CaughtReused, CaughtWeight, CaughtRejected, CaughtOtherScan}

// CaughtKindOfRefusal is the kind of error a refused scan's code shows.
func CaughtKindOfRefusal(code string) string {
	switch code {
	case "wrong_product", "unknown_product", "inactive_product":
		return CaughtWrongProduct
	case "wrong_strength":
		return CaughtWrongStrength
	case "expired", "recalled", "in_use_expired":
		return CaughtExpired
	case "already_used", "already_scanned", "ampule_reused":
		return CaughtReused
	}
	return CaughtOtherScan
}

// priorityWords are the order priorities in words.
var priorityWords = map[string]string{"stat": "STAT", "first_dose": "first dose", "routine": "routine"}

// Describe puts an event of the log into plain words from its type and
// payload. Codes in the payload (refusal codes, priorities) are turned into
// words; internal ids (step ids, product ids) are left out.
func Describe(typ string, payload []byte) Described {
	var p map[string]any
	_ = json.Unmarshal(payload, &p)
	str := func(k string) string {
		v, ok := p[k]
		if !ok || v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return strings.TrimSpace(s)
		}
		return fmt.Sprint(v)
	}
	d := Described{Name: EventName(typ)}
	var parts []string
	add := func(label, v string) {
		if v != "" {
			parts = append(parts, label+v)
		}
	}
	switch typ {
	case "preparation.scan_refused":
		code := str("code")
		d.Outcome, d.Caught = "Refused", CaughtKindOfRefusal(code)
		add("", RefusalText(code))
		add("lot ", str("lot"))
	case "preparation.scan_accepted":
		d.Outcome = "Accepted"
		add("lot ", str("lot"))
		add("", str("confirmed"))
	case "preparation.weight_recorded":
		if p["pass"] == true {
			d.Outcome = "Within tolerance"
		} else {
			d.Outcome, d.Caught = "Out of tolerance", CaughtWeight
		}
		add("measured ", doseOrEmpty(str("measured")))
		add("expected ", doseOrEmpty(str("expected")))
		add("off by ", str("deviation"))
	case "order.created":
		add("", strings.TrimSpace(str("drug")+" "+doseOrEmpty(str("dose"))))
		add("", priorityWords[str("priority")])
	case "preparation.verified", "preparation.first_check":
		d.Outcome = "Approved"
		add("reason: ", str("reason"))
	case "preparation.rejected":
		d.Outcome, d.Caught = "Rejected", CaughtRejected
		add("reason: ", str("reason"))
	case "preparation.remake_queued":
		add("remake of #", str("remake_of"))
	case "preparation.pharmacist_override":
		d.Outcome = "Overridden"
		add("reason: ", str("reason"))
	default:
		for _, k := range []struct{ key, label string }{
			{"reason", "reason: "}, {"lot", "lot "}, {"status", "now "}, {"username", "account "}, {"seq", "label "},
			{"hood", "hood "}, {"decision", "decision: "},
		} {
			add(k.label, plainValue(str(k.key)))
		}
	}
	if p["typed"] == true {
		typed := "TYPED, not read by a device"
		if typ == "preparation.weight_recorded" {
			typed = "TYPED, not read from a balance"
		} else if strings.HasPrefix(typ, "preparation.scan_") {
			typed = "TYPED, not scanned"
		}
		add("", typed)
		add("reason: ", str("typed_reason"))
		if _, ok := p["witness_id"]; ok {
			add("", "witnessed")
		}
	}
	d.What = strings.Join(parts, " · ")
	return d
}

// doseOrEmpty shows a quantity the one ISMP way (calc.Display), or
// nothing; a value that does not parse is shown as given.
func doseOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return Dose(s)
}

// Dose shows a quantity string ("1087.50 mg") the one ISMP way
// ("1,087.5 mg"); one that does not parse is shown as given, flagged.
func Dose(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	q, err := calc.Parse(s)
	if err != nil {
		return s + " (?)"
	}
	return calc.Display(q)
}

// plainValue turns a code-like value (snake_case) into words.
func plainValue(s string) string {
	if strings.Contains(s, "_") && !strings.ContainsAny(s, " ") {
		return strings.ToLower(humanize(s))
	}
	return s
}
