package webui

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/laminar-rx/laminar/calc"
	"github.com/laminar-rx/laminar/internal/apperr"
	"github.com/laminar-rx/laminar/internal/auth"
	"github.com/laminar-rx/laminar/internal/guard"
	"github.com/laminar-rx/laminar/internal/httpapi"
	"github.com/laminar-rx/laminar/internal/rules"
	"github.com/laminar-rx/laminar/web"
)

// The guard rails screen: the guard table in force in plain words, its
// history, and for an admin the form that adds a new version with one
// drug's limits (or the rounding limits) changed. The new version goes
// through the same service call as POST /api/v1/guard/rules: validated (a
// limit whose dimension does not match the drug's dose unit is refused),
// effective-dated and audited.

// rolesGuardRead may read the guard table; only an admin changes it.
var rolesGuardRead = []auth.Role{auth.Admin, auth.SafetyOfficer, auth.Pharmacist}

func (w *webUI) guardPageRoutes(page, form []echo.MiddlewareFunc) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/guard-rails", Handler: w.guardRules, Roles: rolesGuardRead, Middleware: page},
		{Method: http.MethodPost, Path: "/guard-rails", Handler: w.guardRulesSave, Roles: rolesAdmin, Middleware: form},
	}
}

// guardForm is the submitted (or prefilled) form.
type guardForm struct {
	Version, EffectiveFrom, WarnAbove, RefuseAbove string
	Limit                                          guard.DoseLimit
	Remove                                         bool
}

func (w *webUI) guardRules(c echo.Context) error {
	vs, err := w.api.rules().GuardRuleVersions(c.Request().Context())
	if err != nil {
		return err
	}
	f := guardForm{Limit: guard.DoseLimit{Route: "IV"}}
	if latest, ok := latestVersion(vs); ok {
		f.WarnAbove, f.RefuseAbove = latest.Rounding.WarnAbove, latest.Rounding.RefuseAbove
		f.Version = latest.Version + "." + w.api.now().In(w.api.Config.Location).Format("20060102-1504")
		q := c.QueryParams()
		if d := strings.TrimSpace(q.Get("drug")); d != "" {
			f.Limit = guard.DoseLimit{Drug: d, Route: q.Get("route"), Line: q.Get("line")}
			if i := findLimit(latest.DoseLimits, f.Limit); i >= 0 {
				f.Limit = latest.DoseLimits[i]
			}
		}
	}
	return w.render(c, http.StatusOK, w.guardPage(c, vs, f))
}

func (w *webUI) guardRulesSave(c echo.Context) error {
	ctx := c.Request().Context()
	f := guardForm{Version: strings.TrimSpace(c.FormValue("version")), EffectiveFrom: strings.TrimSpace(c.FormValue("effective_from")),
		WarnAbove: strings.TrimSpace(c.FormValue("warn_above")), RefuseAbove: strings.TrimSpace(c.FormValue("refuse_above")),
		Remove: c.FormValue("remove") == "1",
		Limit: guard.DoseLimit{Drug: strings.TrimSpace(c.FormValue("drug")), Route: strings.TrimSpace(c.FormValue("route")),
			Line: c.FormValue("line"), DoseUnit: strings.TrimSpace(c.FormValue("dose_unit")),
			MinPerDose: strings.TrimSpace(c.FormValue("min_per_dose")), MaxPerDose: strings.TrimSpace(c.FormValue("max_per_dose")),
			MaxPerKg: strings.TrimSpace(c.FormValue("max_per_kg")), MaxPerM2: strings.TrimSpace(c.FormValue("max_per_m2")),
			MaxPerDay: strings.TrimSpace(c.FormValue("max_per_day")), MaxRate: strings.TrimSpace(c.FormValue("max_rate")),
			MaxConcentration: strings.TrimSpace(c.FormValue("max_concentration")), Source: strings.TrimSpace(c.FormValue("source"))}}
	vs, err := w.api.rules().GuardRuleVersions(ctx)
	if err != nil {
		return err
	}
	next, err := w.newGuardVersion(vs, f)
	if err == nil {
		var v rules.GuardRuleVersion
		if v, err = w.api.rules().AddGuardRules(ctx, httpapi.PrincipalOf(c).UserID, next); err == nil {
			return redirectWithFlash(c, "/guard-rails", "Saved version "+v.Rules.Version+", in force from "+
				web.Time(v.Rules.EffectiveFrom, w.api.Config.Location)+".")
		}
	}
	if k := apperr.KindOf(err); k == apperr.Internal || k == apperr.NotFound {
		return err
	}
	pg := w.guardPage(c, vs, f)
	guardFieldErrors(&pg.Form, err)
	return w.render(c, httpapi.StatusOf(apperr.KindOf(err)), pg)
}

// newGuardVersion is the newest version with the form's change: the
// rounding limits, and the drug's limits for the route and line replaced,
// added or removed.
func (w *webUI) newGuardVersion(vs []rules.GuardRuleVersion, f guardForm) (guard.Rules, error) {
	latest, ok := latestVersion(vs)
	if !ok {
		return guard.Rules{}, apperr.WithCode(apperr.Refused, "no_guard_rules", "there is no guard table to change yet; load one through the API first")
	}
	r := latest
	r.Version, r.Rounding.WarnAbove, r.Rounding.RefuseAbove = f.Version, f.WarnAbove, f.RefuseAbove
	r.EffectiveFrom = time.Time{}
	if f.EffectiveFrom != "" {
		at, err := time.ParseInLocation("2006-01-02T15:04", f.EffectiveFrom, w.api.Config.Location)
		if err != nil {
			return guard.Rules{}, apperr.InvalidField("effective_from", "give a date and time such as 2026-12-01T07:00, or leave it empty to apply from now")
		}
		r.EffectiveFrom = at.UTC()
	}
	r.DoseLimits = slices.Clone(latest.DoseLimits)
	i := findLimit(r.DoseLimits, f.Limit)
	switch {
	case f.Limit.Drug == "":
		return guard.Rules{}, apperr.InvalidField("drug", "is required: name the drug whose limits change")
	case f.Remove && i < 0:
		return guard.Rules{}, apperr.InvalidField("drug", "this drug has no limits for that route and line to remove")
	case f.Remove:
		r.DoseLimits = slices.Delete(r.DoseLimits, i, i+1)
	case i >= 0:
		r.DoseLimits[i] = f.Limit
	default:
		r.DoseLimits = append(r.DoseLimits, f.Limit)
	}
	return r, nil
}

// latestVersion is the newest version (the one a new version follows),
// which may not be in force yet.
func latestVersion(vs []rules.GuardRuleVersion) (guard.Rules, bool) {
	if len(vs) == 0 {
		return guard.Rules{}, false
	}
	best := vs[0].Rules
	for _, v := range vs[1:] {
		if v.Rules.EffectiveFrom.After(best.EffectiveFrom) {
			best = v.Rules
		}
	}
	return best, true
}

func sameDrug(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// findLimit finds the limit of the same drug, route and line.
func findLimit(ls []guard.DoseLimit, l guard.DoseLimit) int {
	for i, x := range ls {
		if sameDrug(x.Drug, l.Drug) && strings.EqualFold(strings.TrimSpace(x.Route), strings.TrimSpace(l.Route)) && x.Line == l.Line {
			return i
		}
	}
	return -1
}

func (w *webUI) guardPage(c echo.Context, vs []rules.GuardRuleVersion, f guardForm) web.GuardRulesPage {
	pg := web.GuardRulesPage{Layout: w.layout(c, "Guard rails", "guard"), CanEdit: httpapi.PrincipalOf(c).Has(rolesAdmin...)}
	now := w.api.now()
	h := make(guard.History, len(vs))
	for i, v := range vs {
		h[i] = v.Rules
	}
	r, ok := h.InForce(now)
	if !ok {
		pg.None = true
	} else {
		fillGuardTable(&pg, r, pg.Layout)
	}
	for i := len(vs) - 1; i >= 0; i-- {
		v := vs[i]
		state := "Replaced"
		switch {
		case v.Rules.EffectiveFrom.After(now):
			state = "Not yet in force"
		case ok && v.Rules.Version == r.Version:
			state = "In force"
		}
		pg.History = append(pg.History, web.GuardVersionRow{Version: v.Rules.Version, EffectiveFrom: pg.Time(v.Rules.EffectiveFrom),
			State: state, CreatedBy: cmpOr(w.api.rules().UserName(c.Request().Context(), v.CreatedBy), "shipped with Laminar"),
			CreatedAt: pg.Time(v.CreatedAt), Source: v.Rules.Source})
	}
	if pg.CanEdit {
		pg.Form = guardFormPage(f, pg.Zone())
	}
	return pg
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// fillGuardTable shows the version in force in plain words.
func fillGuardTable(pg *web.GuardRulesPage, r guard.Rules, l web.Layout) {
	pg.Version, pg.EffectiveFrom, pg.Source = r.Version, l.Time(r.EffectiveFrom), r.Source
	pg.Rounding = "Warn when rounding changes a dose or rate by more than " + r.Rounding.WarnAbove +
		"; refuse above " + r.Rounding.RefuseAbove + " (a pharmacist may override)."
	if r.Rounding.Source != "" {
		pg.Rounding += " Source: " + r.Rounding.Source + "."
	}
	for _, s := range r.Syringes {
		pg.Syringes = append(pg.Syringes, web.SyringeRow{Capacity: shown(s.Capacity), Graduation: shown(s.Graduation), Floor: shown(s.Floor)})
	}
	for _, p := range r.Plausible {
		row := web.PlausibleRow{Name: plausibleNames[p.Field], Range: rangeText(shown(p.Min), shown(p.Max)), Outside: "Refused", Source: p.Source}
		if row.Name == "" {
			row.Name = strings.ReplaceAll(p.Field, "_", " ")
		}
		if p.FlagOnly {
			row.Outside = "Flagged above the maximum"
		}
		pg.Plausible = append(pg.Plausible, row)
	}
	pg.Limits = limitRows(r, pg.CanEdit)
	pg.DoubleCheck, pg.HighAlertSrc = "No", r.HighAlert.Source
	if r.HighAlert.RequireDoubleCheck {
		pg.DoubleCheck = "Yes"
	}
	for _, cat := range r.HighAlert.Categories {
		pg.HighAlert = append(pg.HighAlert, web.HighAlertRow{Category: cat.Name, Drugs: strings.Join(cat.Drugs, ", ")})
	}
}

var plausibleNames = map[string]string{
	"weight": "Weight", "height": "Height", "bsa": "Body surface area", "serum_creatinine": "Serum creatinine",
	"crcl": "Creatinine clearance", "auc": "Carboplatin target AUC (mg/mL·min)", "rate": "Pump rate", "age": "Age (years)",
}

// shown is a quantity of the table in display form ("4 g/day", "1,000 mg").
func shown(s string) string {
	if s == "" {
		return ""
	}
	q, err := calc.Parse(s)
	if err != nil {
		return s
	}
	return calc.Display(q)
}

func rangeText(lo, hi string) string {
	switch {
	case lo != "" && hi != "":
		return lo + " to " + hi
	case lo != "":
		return "from " + lo
	case hi != "":
		return "up to " + hi
	}
	return ""
}

// limitRows groups the limits by drug and route; a value of a limit for
// one line type says which.
func limitRows(r guard.Rules, canEdit bool) []web.LimitRow {
	var rows []web.LimitRow
	var keys []string
	byKey := map[string][]guard.DoseLimit{}
	for _, l := range r.DoseLimits {
		k := strings.ToLower(strings.Join(strings.Fields(l.Drug), " ")) + "\x00" + strings.ToUpper(l.Route)
		if _, seen := byKey[k]; !seen {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], l)
	}
	for _, k := range keys {
		ls := byKey[k]
		row := web.LimitRow{Drug: ls[0].Drug, Route: cmpOr(ls[0].Route, "any")}
		var units, sources []string
		for _, l := range ls {
			units = appendNew(units, l.DoseUnit)
			sources = appendNew(sources, l.Source)
			on := ""
			if l.Line != "" {
				on = " (" + l.Line + " line)"
			}
			add := func(cell *string, v string) {
				if v != "" {
					*cell = joinCell(*cell, v+on)
				}
			}
			add(&row.PerDose, rangeText(shown(l.MinPerDose), shown(l.MaxPerDose)))
			add(&row.PerKg, shown(l.MaxPerKg))
			add(&row.PerM2, shown(l.MaxPerM2))
			add(&row.PerDay, shown(l.MaxPerDay))
			add(&row.Rate, shown(l.MaxRate))
			if l.Line != "central" && l.MaxConcentration != "" {
				row.ConcentrationPeripheral = joinCell(row.ConcentrationPeripheral, shown(l.MaxConcentration))
			}
			if l.Line != "peripheral" && l.MaxConcentration != "" {
				row.ConcentrationCentral = joinCell(row.ConcentrationCentral, shown(l.MaxConcentration))
			}
		}
		row.DoseUnit, row.Source = strings.Join(units, ", "), strings.Join(sources, " ")
		if f, ok := r.HighAlertOf(row.Drug); ok {
			row.HighAlert = f.Category
		}
		if canEdit {
			row.EditURL = "/guard-rails?" + url.Values{"drug": {ls[0].Drug}, "route": {ls[0].Route}, "line": {ls[0].Line}}.Encode() + "#change"
		}
		rows = append(rows, row)
	}
	return rows
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

func joinCell(cell, v string) string {
	if cell == "" {
		return v
	}
	return cell + "\n" + v
}

// guardFormPage is the form that adds a version, in plain words.
func guardFormPage(f guardForm, zone string) web.AdminFormPage {
	l := f.Limit
	lines := []web.Option{{Value: "", Label: "Any line", Selected: l.Line == ""},
		{Value: "peripheral", Label: "Peripheral line", Selected: l.Line == "peripheral"},
		{Value: "central", Label: "Central line", Selected: l.Line == "central"}}
	return web.AdminFormPage{Heading: "Add a new version", Action: "/guard-rails", Submit: "Save as a new version", Fields: []web.Field{
		{Name: "version", Label: "Name of the new version", Value: f.Version, Required: true, Help: "Versions are never changed; each change gets a new name."},
		{Name: "effective_from", Label: "In force from", Type: "datetime-local", Value: f.EffectiveFrom,
			Help: "Time zone " + zone + ". Leave empty to apply from now; it cannot be in the past."},
		{Name: "warn_above", Label: "Warn when rounding changes the dose by more than", Value: f.WarnAbove, Required: true, Help: "A percentage, e.g. 5%."},
		{Name: "refuse_above", Label: "Refuse when rounding changes the dose by more than", Value: f.RefuseAbove, Required: true, Help: "A percentage, e.g. 10%."},
		{Name: "drug", Label: "Drug (generic name)", Value: l.Drug, Required: true, Help: "The limits below replace this drug's limits for the route and line chosen, or are added."},
		{Name: "route", Label: "Route", Value: l.Route, Help: "e.g. IV; leave empty for any route."},
		{Name: "line", Label: "Line", Type: "select", Options: lines},
		{Name: "dose_unit", Label: "Dose unit", Value: l.DoseUnit, Help: "The unit the drug is dosed in: mg, g, mcg, units, mEq or mmol. Every limit below must be in it."},
		{Name: "min_per_dose", Label: "Minimum per dose", Value: l.MinPerDose, Help: "e.g. 500 mg"},
		{Name: "max_per_dose", Label: "Maximum per dose", Value: l.MaxPerDose, Help: "e.g. 3 g"},
		{Name: "max_per_kg", Label: "Maximum per kg of body weight", Value: l.MaxPerKg, Help: "e.g. 35 mg/kg"},
		{Name: "max_per_m2", Label: "Maximum per m² of body surface", Value: l.MaxPerM2, Help: "e.g. 1500 mg/m2"},
		{Name: "max_per_day", Label: "Maximum per day", Value: l.MaxPerDay, Help: "e.g. 12 g/day; the patient's orders within 24 hours are added up."},
		{Name: "max_rate", Label: "Maximum rate", Value: l.MaxRate, Help: "e.g. 10 mEq/h"},
		{Name: "max_concentration", Label: "Maximum concentration", Value: l.MaxConcentration, Help: "e.g. 0.1 mEq/mL"},
		{Name: "source", Label: "Source of these limits", Type: "textarea", Value: l.Source, Required: true,
			Help: "Name the label, guideline or local policy, so others can check the numbers."},
		{Name: "remove", Label: "Remove this drug's limits for this route and line instead", Type: "checkbox", Checked: f.Remove},
	}}
}

// guardFieldWords says the table's field names in plain words inside a
// validation message.
var guardFieldWords = strings.NewReplacer(
	"min_per_dose", "minimum per dose", "max_per_dose", "maximum per dose", "max_per_kg", "maximum per kg",
	"max_per_m2", "maximum per m²", "max_per_day", "maximum per day", "max_rate", "maximum rate",
	"max_concentration", "maximum concentration", "leave effective_from out", "leave it empty", "dose_unit", "dose unit", "effective_from", "in force from",
	"refuse_above", "refuse limit", "warn_above", "warning limit", "dose_limits", "dose limits")

// guardFieldErrors puts a refusal beside its field: the table's field
// "dose_limits[3].max_rate" is the form's "max_rate".
func guardFieldErrors(pg *web.AdminFormPage, err error) {
	e := httpapi.ToAppErr(err)
	msg := guardFieldWords.Replace(e.Message)
	name := e.Field
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if strings.HasPrefix(e.Field, "dose_limits[") && !strings.Contains(e.Field, ".") {
		pg.Error = "Not saved: give at least one limit for the drug, or tick the box to remove its limits."
		return
	}
	if f := pg.FieldByName(name); f != nil && name != "" {
		f.Error = msg
		pg.Error = "Not saved. " + f.Label + ": " + msg
		return
	}
	pg.Error = "Not saved: " + msg
}
