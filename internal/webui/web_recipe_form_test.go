package webui

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/laminar-rx/laminar/internal/seed"
	"github.com/laminar-rx/laminar/internal/workflow"
	"github.com/laminar-rx/laminar/web"
)

// formOf is what a browser posts for the editor's sections as shown.
func formOf(secs []web.FormSection) url.Values {
	v := url.Values{}
	put := func(f web.Field) {
		switch f.Type {
		case "select":
			for _, o := range f.Options {
				if o.Selected {
					v.Set(f.Name, o.Value)
				}
			}
		case "checkbox":
			if f.Checked {
				v.Set(f.Name, "1")
			}
		default:
			v.Set(f.Name, f.Value)
		}
	}
	for _, s := range secs {
		for _, f := range s.Fields {
			put(f)
		}
		for _, r := range s.Rows {
			for _, f := range r.Fields {
				put(f)
			}
		}
	}
	return v
}

func recipeJSON(t testing.TB, r workflow.Recipe) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every demo recipe, shown in the editor (with its blank rows) and posted
// back unchanged, is the same recipe: the editor loses no field.
func TestRecipeFormRoundTrip(t *testing.T) {
	for _, r := range seed.DemoRecipes() {
		t.Run(r.Drug, func(t *testing.T) {
			r.Normalize()
			got, errs, _ := recipeFromForm(formOf(recipeSections(r, true, nil)))
			if len(errs) > 0 {
				t.Fatalf("errors reading the form back: %v", errs)
			}
			got.Normalize()
			if a, b := recipeJSON(t, r), recipeJSON(t, got); a != b {
				t.Fatalf("the form changed the recipe:\n%s\n%s", a, b)
			}
			for _, row := range diffRows(r, r) {
				if row.Changed {
					t.Errorf("a version compared with itself shows %q changed", row.Label)
				}
			}
		})
	}
}

// A change to one field is the one row the comparison marks.
func TestRecipeDiffMarksTheChangedField(t *testing.T) {
	rs := seed.DemoRecipes()
	rapid.Check(t, func(t *rapid.T) {
		r := rs[rapid.IntRange(0, len(rs)-1).Draw(t, "recipe")]
		r.Normalize()
		changed := r
		changed.MaxConcentration = rapid.StringMatching(`[1-9][0-9]{0,2} mg/mL`).Draw(t, "max_concentration")
		var marked []string
		for _, row := range diffRows(r, changed) {
			if row.Changed {
				marked = append(marked, row.Label)
			}
		}
		want := 0
		if changed.MaxConcentration != r.MaxConcentration {
			want = 1
		}
		if len(marked) != want || want == 1 && !strings.Contains(marked[0], "Maximum final concentration") {
			t.Fatalf("marked %q for a new maximum concentration %q (was %q)", marked, changed.MaxConcentration, r.MaxConcentration)
		}
	})
}
