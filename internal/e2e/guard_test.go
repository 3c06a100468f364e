package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The admin reads the guard rails in plain words, changes potassium
// chloride's limits on the screen, is refused with the reason beside the
// field when a limit is in the wrong dimension (mg/mL for a drug dosed in
// mEq), and saves a new version that is in force at once. A pharmacist
// reads the same table without the form.
func TestGuardRailsScreen(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)

	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
	admin.open("/guard-rails")
	table := admin.text("main")
	for _, want := range []string{"potassium chloride", "20 mEq/h", "10 mEq/h (peripheral line)", "0.1 mEq/mL", "12 g/day",
		"concentrated electrolytes", "laminar-guards-2026.1", "In force", "0.2 kg to 650 kg"} {
		if !strings.Contains(table, want) {
			t.Errorf("the guard rails screen lacks %q", want)
		}
	}
	for _, code := range []string{"max_per_dose", "dose_unit", "max_concentration", "needs_pharmacist_override"} {
		if strings.Contains(table, code) {
			t.Errorf("the screen shows the code %q", code)
		}
	}
	admin.screen(r, "guard-rails")

	admin.tap(`a[href^="/guard-rails?drug=potassium"]`)
	admin.waitFor("the form with potassium chloride's limits", `(document.getElementById('f-drug') || {}).value === 'potassium chloride'`, 10*time.Second)
	if v := evalIn[string](admin, `document.getElementById('f-max_rate').value`); v != "20 mEq/h" {
		t.Errorf("the form is not filled with the current limits: max rate %q", v)
	}
	admin.run(chromedp.SetValue(chromedp.CSS(`#f-max_concentration`), "2 mg/mL"))
	admin.tap(`form[action="/guard-rails"] button[type=submit]`)
	admin.waitFor("the refusal", `!!document.querySelector('#e-max_concentration')`, 10*time.Second)
	if msg := admin.text("#e-max_concentration"); !strings.Contains(msg, "does not match the drug's dose unit mEq") {
		t.Errorf("the refusal beside the field says %q", msg)
	}
	if v := evalIn[string](admin, `document.getElementById('f-max_concentration').value`); v != "2 mg/mL" {
		t.Errorf("the refused form lost the value typed: %q", v)
	}
	evalIn[chromedp.Void](admin, `document.querySelector('.form-error').scrollIntoView({block: 'start'})`)
	admin.screen(r, "guard-rails-refused")

	admin.run(chromedp.SetValue(chromedp.CSS(`#f-max_concentration`), "0.2 mEq/mL"))
	admin.run(chromedp.SetValue(chromedp.CSS(`#f-version`), "site-2026-12"))
	admin.tap(`form[action="/guard-rails"] button[type=submit]`)
	admin.waitFor("the saved version", `!!document.body && document.readyState === 'complete' && document.body.textContent.includes('Saved version site-2026-12')`, 10*time.Second)
	if s := admin.text("main"); !strings.Contains(s, "In force: site-2026-12") || !strings.Contains(s, "0.2 mEq/mL") {
		t.Errorf("the new version is not shown in force: %.300s", s)
	}

	pharm := newBrowser(t, "pharmacist", base)
	pharm.loginPassword("pharm1")
	pharm.open("/guard-rails")
	if s := pharm.text("main"); !strings.Contains(s, "site-2026-12") || strings.Contains(s, "Add a new version") {
		t.Errorf("the pharmacist's view: %.300s", s)
	}
	if n := evalIn[int](pharm, `document.querySelectorAll('form[action="/guard-rails"]').length`); n != 0 {
		t.Errorf("the pharmacist is offered the form")
	}
	pharm.screen(r, "guard-rails-read-only")
}
