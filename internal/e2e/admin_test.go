package e2e_test

import (
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
	var cur struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	v1 := cur.Items[0].ID

	admin := newBrowser(t, "admin", base)
	admin.loginPassword("admin1")
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

	// A wrong unit is refused beside its field, with the preview.
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

	// Orders still follow version 1 while the draft waits.
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	if cur.Items[0].ID != v1 {
		t.Fatalf("the draft is in force before approval")
	}

	pharm := newBrowser(t, "pharm2", base)
	pharm.loginPassword("pharm2")
	pharm.open(draft)
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
	api.call("GET", "/api/v1/recipes?drug=cefazolin&current=true", nil, &cur)
	if cur.Items[0].ID == v1 {
		t.Fatalf("the approved version is not in force")
	}

	// The two versions side by side, the changed fields marked.
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
