// Package logwords says the compounding log in plain words: every event
// type and refusal code has its words here, and Describe turns an event
// (type and payload) into its name, details, outcome and the kind of error
// it caught. The log screen, its CSV export and the printed report all use
// it, so an event reads the same everywhere. It depends on no I/O.
package logwords

import (
	"sort"
	"strings"
)

// eventWords names every event type of the compounding log in plain words,
// for the log screen, its exports and its reports. A test walks the code
// for the event types it writes and fails on one missing here.
var eventWords = map[string]string{
	// Accounts and sign-in.
	"auth.login":          "Signed in",
	"auth.login_failed":   "Sign-in failed",
	"auth.logout":         "Signed out",
	"auth.reauth_failed":  "Password re-entry failed",
	"user.created":        "Account created",
	"user.roles_changed":  "Roles changed",
	"user.password_reset": "Password reset",
	"user.pin_reset":      "Badge PIN reset",
	"user.deactivated":    "Account deactivated",
	"api_key.created":     "Interface key created",
	"api_key.revoked":     "Interface key revoked",

	// Orders and preparations.
	"recipe.created":                      "Recipe version saved",
	"recipe.approved":                     "Recipe version approved by pharmacist",
	"order.created":                       "Order received",
	"order.cancelled":                     "Order cancelled",
	"preparation.queued":                  "Queued for preparation",
	"preparation.claimed":                 "Claimed by technician",
	"preparation.claim_released":          "Handed back to the queue",
	"preparation.scan_accepted":           "Scan accepted",
	"preparation.scan_refused":            "Scan refused",
	"preparation.weight_recorded":         "Weight checked",
	"preparation.balance_tared":           "Balance zeroed",
	"preparation.step_done":               "Step done",
	"preparation.photo_added":             "Photo taken",
	"preparation.completed":               "Preparation finished",
	"preparation.label_printed":           "Label printed",
	"preparation.label_reprinted":         "Label reprinted",
	"preparation.first_check":             "First check passed, second check needed",
	"preparation.verified":                "Approved by pharmacist",
	"preparation.rejected":                "Rejected by pharmacist",
	"preparation.waste_recorded":          "Waste recorded",
	"preparation.remake_queued":           "Remake queued",
	"preparation.released":                "Released to the floor",
	"preparation.cancelled":               "Preparation cancelled",
	"preparation.pharmacist_override":     "Pharmacist override",
	"preparation.downtime_recorded":       "Made on paper during downtime",
	"preparation.held":                    "Held: order changed",
	"preparation.hold_decided":            "Hold decided by pharmacist",
	"label.print_queued":                  "Label sent to printer",
	"label.printed_on_printer":            "Label printed on printer",
	"label.print_failed":                  "Label printing failed",
	"label.print_retried":                 "Label printing retried",
	"competency.recorded":                 "Competency recorded",
	"competency_rules.changed":            "Competency rules changed",
	"guard_rules.changed":                 "Dose limits changed",
	"bud_rules.changed":                   "Beyond-use date rules changed",
	"formulary.product_created":           "Product added",
	"formulary.stability_changed":         "Stability data changed",
	"product.specific_gravity_determined": "Specific gravity determined on site",
	"dose_evidence_policy.changed":        "Dose evidence policy changed",
	"formulary.product_updated":           "Product changed",
	"formulary.product_picture_added":     "Product reference picture added",
	"formulary.lot_status_changed":        "Lot status changed (recall or quarantine)",
	"formulary.ndc_directory_imported":    "NDC directory imported",
	"device.balance_registered":           "Balance registered",
	"device.balance_changed":              "Balance changed",
	"device.printer_registered":           "Label printer registered",
	"device.printer_changed":              "Label printer changed",
	"device.tablet_hood":                  "Tablet assigned to a hood",
}

// EventTypes lists every event type that has words, sorted.
func EventTypes() []string {
	out := make([]string, 0, len(eventWords))
	for t := range eventWords {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// HasEventWords reports whether typ has plain words.
func HasEventWords(typ string) bool {
	_, ok := eventWords[typ]
	return ok
}

// EventName is an event type in plain words ("Scan refused"). A type
// without words (written by a newer version) is shown as readable words
// from its name rather than as a code.
func EventName(typ string) string {
	if w, ok := eventWords[typ]; ok {
		return w
	}
	return humanize(typ)
}

// refusalWords names every reason a scan, a weight or a step is refused in
// plain words: what went wrong, as a safety officer would say it.
var refusalWords = map[string]string{
	"wrong_product":             "Wrong product",
	"wrong_strength":            "Right drug, wrong strength or size",
	"unknown_product":           "Not in the formulary",
	"inactive_product":          "Product withdrawn from use",
	"expired":                   "Expired",
	"recalled":                  "Recalled or quarantined lot",
	"in_use_expired":            "Opened container past its in-use time",
	"ampule_reused":             "Ampule used twice",
	"already_used":              "Container already used for another preparation",
	"already_scanned":           "Same container scanned twice",
	"bad_barcode":               "Barcode could not be read",
	"ambiguous":                 "Barcode could be read more than one way",
	"step_already_done":         "Step already had all its containers",
	"stale_label":               "Old label scanned (a newer one was printed)",
	"wrong_label":               "Label of another preparation",
	"steps_incomplete":          "Steps not finished",
	"out_of_tolerance":          "Weight out of tolerance",
	"rounding_deviation":        "Rounded dose too far from the order",
	"dose_out_of_range":         "Dose outside the drug's range",
	"competency_lapsed":         "Competency lapsed",
	"reason_required":           "Typed without a reason",
	"tare_required":             "Balance not zeroed",
	"held":                      "Order changed or stopped",
	"self_verification":         "Checked own work",
	"needs_pharmacist_override": "Needs a pharmacist's override",
}

// RefusalText is a refusal code in plain words; a code without words is
// shown as readable words from its name.
func RefusalText(code string) string {
	if w, ok := refusalWords[code]; ok {
		return w
	}
	return humanize(code)
}

// humanize turns a code into words: "preparation.scan_refused" becomes
// "Preparation: scan refused". It is the fallback for a code without
// words, never the way a known one is shown.
func humanize(code string) string {
	if code == "" {
		return ""
	}
	parts := strings.Split(code, ".")
	for i, p := range parts {
		parts[i] = strings.ReplaceAll(p, "_", " ")
	}
	s := strings.Join(parts, ": ")
	return strings.ToUpper(s[:1]) + s[1:]
}
