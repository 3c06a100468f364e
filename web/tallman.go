package web

import "github.com/laminar-rx/laminar/formulary"

// TallMan returns name with every look-alike drug name in it written in
// tall-man letters ("cefazolin 1 g vial" → "ceFAZolin 1 g vial"); the list
// is the formulary's (formulary.TallMan), shared with exports and reports.
func TallMan(name string) string { return formulary.TallMan(name) }
