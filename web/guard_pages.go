package web

// GuardRulesPage shows the guard table in force in plain words: the
// rounding limits, syringes, plausible ranges, each drug's dose-range and
// rate limits and the high-alert list; the history of versions; and, for
// an admin, the form that adds a new version with one drug's limits
// changed.
type GuardRulesPage struct {
	Layout
	// Version, EffectiveFrom and Source describe the version in force.
	Version, EffectiveFrom, Source string
	// None is set when no version is in force yet.
	None      bool
	Rounding  string
	Syringes  []SyringeRow
	Plausible []PlausibleRow
	Limits    []LimitRow
	HighAlert []HighAlertRow
	// DoubleCheck says whether the site requires an independent double
	// check of high-alert medications.
	DoubleCheck  string
	HighAlertSrc string
	History      []GuardVersionRow
	// CanEdit shows the form (admins only).
	CanEdit bool
	Form    AdminFormPage
}

// PageName implements Page.
func (GuardRulesPage) PageName() string { return "guard_rules" }

// SyringeRow is one syringe size with its graduation and floor.
type SyringeRow struct{ Capacity, Graduation, Floor string }

// PlausibleRow is the plausible range of one input.
type PlausibleRow struct{ Name, Range, Outside, Source string }

// LimitRow is one drug's limits by one route, every value in display form;
// a value that applies on one line type only says which.
type LimitRow struct {
	Drug, Route, DoseUnit                         string
	PerDose, PerKg, PerM2, PerDay, Rate           string
	ConcentrationPeripheral, ConcentrationCentral string
	HighAlert, Source                             string
	// EditURL opens the form with this drug's limits (admins only).
	EditURL string
}

// HighAlertRow is one category of the high-alert list.
type HighAlertRow struct{ Category, Drugs string }

// GuardVersionRow is one version in the history.
type GuardVersionRow struct {
	Version, EffectiveFrom, State, CreatedBy, CreatedAt, Source string
}
