package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// plainWordsJS finds a snake_case code in the page's text (what a person
// reads, not input values): none may appear.
const plainWordsJS = `(document.querySelector('main').innerText.match(/\b[a-z0-9]+(?:_[a-z0-9]+)+\b/g) || []).join(', ')`

func (b *browser) assertPlainWords(where string) {
	b.t.Helper()
	if codes := evalIn[string](b, plainWordsJS); codes != "" {
		b.t.Errorf("%s: codes on the page: %s", where, codes)
	}
}

// setField types a value into the editor's field named name, replacing
// what it held, as a person does field by field.
func (b *browser) setField(name, value string) {
	b.t.Helper()
	sel := fmt.Sprintf(`[id=%q]`, "f-"+name)
	evalIn[chromedp.Void](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.scrollIntoView({block: 'center'}); e.value = ''; })()`, sel))
	b.run(chromedp.SendKeys(chromedp.CSS(sel), value))
}

func (b *browser) submitAndWait(sel, what string) {
	b.t.Helper()
	evalIn[chromedp.Void](b, `window.__before = 1`)
	b.tap(sel)
	b.waitFor(what, `window.__before === undefined && document.readyState === 'complete'`, 10*time.Second)
}

// TestRecipeEditorApprovalAndDiff walks the master formulation record's
// life: an admin edits the cefazolin recipe field by field, previews the
// worksheet on a test patient, sees a validation error beside its field,
// saves a draft; a pharmacist approves it with the password; the two
// versions are compared side by side.
func TestRecipeEditorApprovalAndDiff(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	api := login(t, base, "admin1")
	var cur recipeList
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	v1 := cur.Items[0].ID

	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
	openRecipeListAndEditor(t, admin, r, v1)
	draft := editPreviewAndSaveADraft(t, admin, r)

	// Orders still follow version 1 while the draft waits.
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	if cur.Items[0].ID != v1 {
		t.Fatalf("the draft is in force before approval")
	}

	pharm := newBrowser(t, "pharm2", base)
	pharm.loginPassword("pharm2")
	v2 := approveTheDraft(t, pharm, r, api, draft, v1)
	checkTheEditKeptTheRest(t, api, v1, v2)
	compareTheVersions(t, pharm, r)
}

// recipeList is a list of recipes as the API gives it.
type recipeList struct {
	Items []struct {
		ID int64 `json:"id"`
	} `json:"items"`
}

// openRecipeListAndEditor: the recipe list says which version is in use, and
// the editor of version v1 has every field.
func openRecipeListAndEditor(t *testing.T, admin *browser, r *report, v1 int64) {
	admin.open("/admin/recipes")
	if !strings.Contains(admin.text("main"), "In use") {
		t.Errorf("the recipe list does not say which version is in use: %s", admin.text("main"))
	}
	admin.assertPlainWords("recipe list")
	admin.screen(r, "admin-recipes")

	admin.open(fmt.Sprintf("/admin/recipes/%d", v1))
	for _, f := range []string{"drug", "products[0].product_id", "reconstitution.diluent_volume", "reconstitution.displacement",
		"default_final_volume", "max_dose", "steps[0].kind", "syringes[0].capacity", "category", "storage", "stability_limit", "test.weight"} {
		if !evalIn[bool](admin, fmt.Sprintf(`!!document.getElementById(%q)`, "f-"+f)) {
			t.Errorf("the editor has no field %s", f)
		}
	}
	admin.assertPlainWords("recipe editor")
	admin.screen(r, "recipe-edit")
}

// editPreviewAndSaveADraft: a wrong unit is refused beside its field, with
// the preview; then a field-by-field edit is previewed and saved as a draft
// the admin cannot approve. It returns the draft's path.
func editPreviewAndSaveADraft(t *testing.T, admin *browser, r *report) string {
	maxDose := evalIn[string](admin, `document.getElementById('f-max_dose').value`)
	admin.setField("max_dose", "2 mL")
	admin.setField("test.dose", "2 g")
	admin.submitAndWait(`button[value=preview]`, "the preview with an error")
	if e := admin.text(`[id="e-max_dose"]`); !strings.Contains(e, "amount") {
		t.Errorf("no error beside the maximum dose: %q (page error %q)", e, admin.text(".form-error"))
	}
	admin.assertPlainWords("recipe editor with an error")
	admin.screen(r, "recipe-field-error")

	// Field by field: more diluent per vial; the preview shows the volume
	// after reconstitution, computed as a real worksheet is.
	admin.setField("max_dose", maxDose)
	admin.setField("reconstitution.diluent_volume", "4.5 mL")
	admin.setField("name", "ceFAZolin IVPB, 4.5 mL per vial")
	admin.submitAndWait(`button[value=preview]`, "the preview")
	pv := admin.text("#preview")
	for _, want := range []string{"Volume after reconstitution: 5 mL", "Dose: 2 g", "4.5 mL", "Beyond-use date"} {
		if !strings.Contains(pv, want) {
			t.Errorf("the preview lacks %q: %s", want, pv)
		}
	}
	admin.assertPlainWords("recipe preview")
	admin.screen(r, "recipe-preview")

	admin.submitAndWait(`button[value=save]`, "the saved draft")
	if !strings.Contains(admin.text(".flash"), "as a draft") || !strings.Contains(admin.text(".version-info"), "Draft") {
		t.Fatalf("saving did not make a draft: %s / %s", admin.text(".flash"), admin.text(".version-info"))
	}
	if evalIn[bool](admin, `!!document.querySelector('form.approve')`) {
		t.Errorf("an admin is offered to approve a recipe")
	}
	draft := admin.path()
	admin.screen(r, "recipe-draft")
	return draft
}

// approveTheDraft: a pharmacist opens the draft with its worksheet
// previewed, is refused with a wrong password, and approves it with the
// right one; it is then in force. It returns the approved version.
func approveTheDraft(t *testing.T, pharm *browser, r *report, api *apiClient, draft string, v1 int64) int64 {
	pharm.open(draft)
	if pv := pharm.text("#preview"); !strings.Contains(pv, "Volume after reconstitution: 5 mL") {
		t.Errorf("a draft does not open with its worksheet previewed: %s", pv)
	}
	pharm.screen(r, "recipe-approve")
	evalIn[chromedp.Void](pharm, `document.getElementById('f-approve-password').value = 'wrong-password'`)
	pharm.submitAndWait(`form.approve button`, "the refused approval")
	if !strings.Contains(pharm.text(".form-error"), "Not approved") {
		t.Errorf("a wrong password did not refuse the approval: %s", pharm.text("main"))
	}
	evalIn[chromedp.Void](pharm, `document.getElementById('f-approve-password').value = 'demo-pharm2'`)
	pharm.submitAndWait(`form.approve button`, "the approval")
	if !strings.Contains(pharm.text(".flash"), "Approved") || !strings.Contains(pharm.text(".version-info"), "In use") {
		t.Fatalf("not approved: %s / %s", pharm.text(".flash"), pharm.text(".version-info"))
	}
	pharm.assertPlainWords("approved recipe")
	pharm.screen(r, "recipe-approved")
	var cur recipeList
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	if cur.Items[0].ID == v1 {
		t.Fatalf("the approved version is not in force")
	}
	return cur.Items[0].ID
}

// checkTheEditKeptTheRest: what the edit did not touch is kept from v1 in
// v2, nested lists included.
func checkTheEditKeptTheRest(t *testing.T, api *apiClient, v1, v2 int64) {
	var r1, r2 struct {
		Steps          []map[string]any `json:"steps"`
		Reconstitution struct {
			Products []map[string]any `json:"products"`
		} `json:"reconstitution"`
	}
	api.call("GET", fmt.Sprintf("/api/v1/recipes/%d", v1), nil, &r1)
	api.call("GET", fmt.Sprintf("/api/v1/recipes/%d", v2), nil, &r2)
	if fmt.Sprint(r1.Steps) != fmt.Sprint(r2.Steps) || fmt.Sprint(r1.Reconstitution.Products) != fmt.Sprint(r2.Reconstitution.Products) ||
		len(r2.Reconstitution.Products) == 0 {
		t.Errorf("the editor changed what it was not asked to:\n%v\n%v", r1, r2)
	}
}

// compareTheVersions shows the two versions side by side, the changed
// fields marked.
func compareTheVersions(t *testing.T, pharm *browser, r *report) {
	pharm.submitAndWait(`form.compare button`, "the comparison")
	rows := evalIn[[]string](pharm, `[...document.querySelectorAll('table.diff tr.changed')].map(tr => tr.innerText.replace(/\s+/g, ' '))`)
	joined := strings.Join(rows, " | ")
	if len(rows) != 2 || !strings.Contains(joined, "Diluent volume per vial") || !strings.Contains(joined, "2.5 mL") || !strings.Contains(joined, "4.5 mL") {
		t.Errorf("changed rows: %q, want the name and the diluent volume", rows)
	}
	if n := evalIn[int](pharm, `document.querySelectorAll('table.diff tbody tr:not(.diff-section)').length`); n < 15 {
		t.Errorf("the comparison shows %d fields, want every field", n)
	}
	pharm.assertPlainWords("recipe comparison")
	pharm.screen(r, "recipe-diff")
}

// TestAdminListsAndForms checks the admin's lists and forms: role
// checkboxes a gloved finger can hit (44 px, the label clickable), single
// checkboxes at the start of their row, deactivation asked for again on a
// page of its own, a volume column that tells the dextrose 5% bags apart,
// and a product's reconstitution and stability entries edited with their
// errors beside the fields.
func TestAdminListsAndForms(t *testing.T) {
	a := server(t)
	base := a.URL()
	r := newReport(t)
	defer r.write(t)
	api := login(t, base, "admin1")
	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")

	checkTheProductsVolumeColumn(t, admin, r)
	cef := editAReconstitution(t, admin, r, api)
	editTheStabilityEntries(t, admin, r, api, cef)
	tech2 := checkTheUserFormCheckboxes(t, admin, r, api)
	deactivateWithAConfirmation(t, admin, r, api, tech2)
}

// checkTheProductsVolumeColumn: the products list has a volume column that
// tells the dextrose 5% bags apart.
func checkTheProductsVolumeColumn(t *testing.T, admin *browser, r *report) {
	admin.open("/admin/products?q=dextrose")
	heads := evalIn[[]string](admin, `[...document.querySelectorAll('thead th')].map(th => th.innerText.trim())`)
	if !strings.Contains(strings.Join(heads, "|"), "Volume") {
		t.Errorf("the products list has no volume column: %q", heads)
	}
	rows := evalIn[[]string](admin, `[...document.querySelectorAll('tbody tr')].filter(tr => /dextrose 5%/.test(tr.cells[0].innerText))
		.map(tr => [0, 1, 2, 3].map(i => tr.cells[i].innerText.trim()).join(' | '))`)
	seen := map[string]bool{}
	for _, row := range rows {
		if seen[row] {
			t.Errorf("two dextrose 5%% rows read the same: %q", row)
		}
		seen[row] = true
	}
	if len(rows) < 5 || !seen["dextrose 5% | 50 mg/mL | 50 mL | bag"] {
		t.Errorf("dextrose 5%% rows: %q", rows)
	}
	admin.assertPlainWords("products list")
	admin.screen(r, "admin-products-volume")
}

// editAReconstitution edits a cefazolin powder's reconstitution in its form,
// refused beside the field first; it returns the product.
func editAReconstitution(t *testing.T, admin *browser, r *report, api *apiClient) product {
	var cef product
	for _, p := range api.products("cefazolin") {
		if p.Container == "single_dose" {
			cef = p
			break
		}
	}
	admin.open(fmt.Sprintf("/admin/products/%d", cef.ID))
	if v := evalIn[string](admin, `(document.getElementById('f-reconstitution[0].diluent_volume') || {}).value || ''`); v == "" {
		t.Fatalf("the product form does not show the reconstitution")
	}
	admin.setField("reconstitution[0].available_volume", "1 mL")
	admin.submitAndWait(`button[type=submit].big`, "the refused reconstitution")
	if e := admin.text(`[id="e-reconstitution[0].available_volume"]`); e == "" {
		t.Errorf("no error beside the volume after reconstitution: %s", admin.text(".form-error"))
	}
	admin.assertPlainWords("product form with an error")
	admin.screen(r, "product-reconstitution-error")
	admin.setField("reconstitution[0].available_volume", "3.1 mL")
	admin.submitAndWait(`button[type=submit].big`, "the saved product")
	if !strings.Contains(admin.text(".flash"), "Saved") {
		t.Fatalf("the product was not saved: %s", admin.text("main"))
	}
	var got struct {
		Reconstitution []struct {
			AvailableVolume string `json:"available_volume"`
		} `json:"reconstitution"`
	}
	api.call("GET", fmt.Sprintf("/api/v1/products/%d", cef.ID), nil, &got)
	if len(got.Reconstitution) == 0 || got.Reconstitution[0].AvailableVolume != "3.1 mL" {
		t.Errorf("reconstitution after the save: %+v", got.Reconstitution)
	}
	return cef
}

// editTheStabilityEntries adds a stability entry for cef's drug, refused
// beside its hold time first, and finds the change in the log.
func editTheStabilityEntries(t *testing.T, admin *browser, r *report, api *apiClient, cef product) {
	admin.open(fmt.Sprintf("/admin/products/%d/stability", cef.ID))
	n := evalIn[int](admin, `document.querySelectorAll('[id$=".limit_hours"]').length`)
	add := fmt.Sprintf("stability[%d].", n-1)
	admin.setField(add+"diluent", "sodium chloride 0.9%")
	admin.setField(add+"limit_hours", "a day")
	admin.submitAndWait(`button[type=submit].big`, "the refused stability entry")
	if e := admin.text(fmt.Sprintf(`[id="e-%slimit_hours"]`, add)); !strings.Contains(e, "hours") {
		t.Errorf("no error beside the hold time: %q / %s", e, admin.text(".form-error"))
	}
	admin.assertPlainWords("stability form")
	admin.screen(r, "product-stability")
	admin.setField(add+"limit_hours", "24")
	admin.submitAndWait(`button[type=submit].big`, "the saved stability entry")
	if !strings.Contains(admin.text(".flash"), "stability entries") {
		t.Fatalf("stability not saved: %s", admin.text("main"))
	}
	var logged struct {
		Events []json.RawMessage `json:"events"`
	}
	api.call("GET", "/api/v1/audit?type=formulary.stability_changed", nil, &logged)
	if len(logged.Events) != 1 || !strings.Contains(string(logged.Events[0]), "sodium chloride 0.9%") {
		t.Errorf("the stability change is not in the log with its entries: %s", logged.Events)
	}
}

// checkTheUserFormCheckboxes: on tech2's user form, the role checkboxes are
// large, a role's word ticks it, and the deactivate checkbox starts its row.
// It returns tech2's id.
func checkTheUserFormCheckboxes(t *testing.T, admin *browser, r *report, api *apiClient) int64 {
	var tech2 int64
	var users struct {
		Users []struct {
			ID       int64  `json:"id"`
			Username string `json:"username"`
		} `json:"users"`
	}
	api.call("GET", "/api/v1/users", nil, &users)
	for _, u := range users.Users {
		if u.Username == "tech2" {
			tech2 = u.ID
		}
	}
	admin.open(fmt.Sprintf("/admin/users/%d", tech2))
	sizes := evalIn[[]float64](admin, `[...document.querySelectorAll('fieldset.checks input[type=checkbox]')].map(i => Math.min(i.getBoundingClientRect().width, i.getBoundingClientRect().height))`)
	if len(sizes) < 4 {
		t.Fatalf("role checkboxes: %v", sizes)
	}
	for _, s := range sizes {
		if s < 44 {
			t.Errorf("a role checkbox is %.0f px, under 44 px", s)
		}
	}
	if h := evalIn[float64](admin, `document.querySelector('fieldset.checks label').getBoundingClientRect().height`); h < 44 {
		t.Errorf("a role's label is %.0f px high", h)
	}
	before := evalIn[bool](admin, `[...document.querySelectorAll('fieldset.checks input')].find(i => i.value === 'pharmacist').checked`)
	evalIn[chromedp.Void](admin, `[...document.querySelectorAll('fieldset.checks label')].find(l => l.innerText.trim() === 'pharmacist').scrollIntoView({block: 'center'})`)
	// The label's middle is its word, right of the box.
	admin.run(chromedp.Click(chromedp.CSS(`fieldset.checks label:has(input[value=pharmacist])`), chromedp.NodeVisible))
	if after := evalIn[bool](admin, `[...document.querySelectorAll('fieldset.checks input')].find(i => i.value === 'pharmacist').checked`); after == before {
		t.Errorf("tapping the word of a role does not tick it")
	}
	evalIn[chromedp.Void](admin, `[...document.querySelectorAll('fieldset.checks input')].find(i => i.value === 'pharmacist').checked = false`)
	if off := evalIn[float64](admin, `document.getElementById('f-deactivate').getBoundingClientRect().left - document.getElementById('f-deactivate').closest('.field').getBoundingClientRect().left`); off > 24 {
		t.Errorf("the deactivate checkbox floats %.0f px into its row", off)
	}
	admin.assertPlainWords("user form")
	admin.screen(r, "admin-user-form")
	return tech2
}

// deactivateWithAConfirmation: deactivating tech2 is asked again on a page
// of its own; going back deactivates nothing, confirming does.
func deactivateWithAConfirmation(t *testing.T, admin *browser, r *report, api *apiClient, tech2 int64) {
	evalIn[chromedp.Void](admin, `document.getElementById('f-deactivate').checked = true`)
	admin.submitAndWait(`button[type=submit].big`, "the confirmation")
	if !strings.Contains(admin.text("main"), "cannot be undone") || !strings.Contains(admin.text("h1"), "Deactivate tech2") {
		t.Fatalf("no confirmation before deactivating: %s", admin.text("main"))
	}
	admin.assertPlainWords("deactivation confirmation")
	admin.screen(r, "user-deactivate-confirm")
	admin.tap(`a.btn.secondary.big`)
	admin.waitFor("back on the form", `location.pathname.startsWith('/admin/users/') && !!document.getElementById('f-deactivate')`, 10*time.Second)
	var u struct {
		Active bool `json:"active"`
	}
	api.call("GET", fmt.Sprintf("/api/v1/users/%d", tech2), nil, &u)
	if !u.Active {
		t.Fatalf("going back deactivated the account")
	}
	evalIn[chromedp.Void](admin, `document.getElementById('f-deactivate').checked = true`)
	admin.submitAndWait(`button[type=submit].big`, "the confirmation")
	admin.submitAndWait(`button.bad.big`, "the deactivation")
	if !strings.Contains(admin.text(".flash"), "Deactivated tech2") {
		t.Fatalf("not deactivated: %s", admin.text("main"))
	}
	api.call("GET", fmt.Sprintf("/api/v1/users/%d", tech2), nil, &u)
	if u.Active {
		t.Errorf("tech2 is still active after the confirmation")
	}
}
