package web

// recipeSamples are the recipe editor, the comparison of two versions and
// the confirmation page with realistic data.
func recipeSamples(l Layout) []Page {
	fields := []Field{{Name: "drug", Label: "Drug", Value: "cefazolin", Error: "is required"},
		{Name: "storage", Label: "Storage", Type: "select", Options: []Option{{Value: "room", Label: "Room", Selected: true}}},
		{Name: "hazardous", Label: "Hazardous", Type: "checkbox", Checked: true}, {Name: "notes", Label: "Notes", Type: "textarea"}}
	return []Page{
		RecipeEditPage{Layout: l, Heading: "ceFAZolin — version 2", Action: "/admin/recipes/2", Error: "Please correct",
			Sections: []FormSection{{ID: "what", Title: "What it prepares", Fields: fields, Error: "needs a step",
				Rows: []FormRow{{Label: "Step 1", Fields: fields}}}},
			Test:    []Field{{Name: "test.weight", Label: "Weight", Value: "70 kg"}},
			Preview: &RecipePreview{Quantities: []Derived{{Label: "Dose", Value: "2 g", Steps: []string{"flat dose = 2 g"}}}, Steps: []string{"Scan"}, BUD: "2026-11-28 14:30", Warnings: []string{"w"}},
			Version: &RecipeVersionInfo{ID: 2, Version: 2, Status: "Draft: waiting for approval", Draft: true, Author: "Admin One", Created: "2026-11-24 14:30",
				CanApprove: true, Compare: []Option{{Value: "1", Label: "version 1", Selected: true}}}},
		RecipeEditPage{Layout: l, Heading: "Add a recipe", Version: &RecipeVersionInfo{OwnDraft: true, Draft: true}},
		RecipeDiffPage{Layout: l, Heading: "ceFAZolin: version 1 and version 2", Left: "Version 1", Right: "Version 2", ID: 2, Changed: 1,
			Rows:         []DiffRow{{Section: "What", Label: "Name", Left: "a", Right: "b", Changed: true}, {Section: "What", Label: "Drug", Left: "cefazolin", Right: "cefazolin"}},
			OtherChoices: []Option{{Value: "1", Label: "version 1", Selected: true}}},
		ConfirmPage{Layout: l, Heading: "Deactivate tech2?", Message: "It cannot be undone.", Action: "/admin/users/2",
			Hidden: []Option{{Value: "deactivate", Label: "1"}}, Confirm: "Deactivate tech2", Back: "/admin/users/2"},
	}
}
