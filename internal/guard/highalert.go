package guard

import "strings"

// HighAlertFlag marks a high-alert medication on a worksheet, its queue
// entry, label and evidence page.
type HighAlertFlag struct {
	// Category is the list's category, e.g. "antithrombotic agents".
	Category string `json:"category"`
	// DoubleCheck says the site requires an independent double check.
	DoubleCheck bool `json:"double_check"`
	// Source names the list.
	Source string `json:"source"`
}

// HighAlertOf looks a drug up in the high-alert list: a drug is listed when
// its name, lower-cased with spaces folded, equals a listed name or starts
// with one followed by a space ("insulin regular" is "insulin"); the
// longest listed name wins ("doxorubicin liposomal" over "doxorubicin").
func (r Rules) HighAlertOf(drug string) (HighAlertFlag, bool) {
	d := normalize(drug)
	best, bestLen := "", -1
	for _, c := range r.HighAlert.Categories {
		for _, name := range c.Drugs {
			n := normalize(name)
			if (d == n || strings.HasPrefix(d, n+" ")) && len(n) > bestLen {
				best, bestLen = c.Name, len(n)
			}
		}
	}
	if bestLen < 0 {
		return HighAlertFlag{}, false
	}
	return HighAlertFlag{Category: best, DoubleCheck: r.HighAlert.RequireDoubleCheck, Source: r.HighAlert.Source}, true
}

// defaultRules is parsed once for DefaultHighAlertOf.
var defaultRules = DefaultRules()

// DefaultHighAlertOf is HighAlertOf on the shipped table, for code that has
// no stored version at hand. A worksheet carries the flag of the version in
// force when it was computed (Worksheet.HighAlert); prefer that.
func DefaultHighAlertOf(drug string) (HighAlertFlag, bool) { return defaultRules.HighAlertOf(drug) }
