package bud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The example request of docs/api.md, verbatim.
const contractExample = `{"category": "2", "method": "aseptic", "sterility_tested": false,
 "starting_components": "sterile", "storage": "refrigerator",
 "compounded_at": "2026-11-24T09:00:00Z", "stability_limit": "72 h",
 "components": [{"name": "cefazolin 1 g vial lot A123", "expires_at": "2027-01-31",
                 "container": "single_dose", "opened_at": "2026-11-24T08:50:00Z"}]}`

func TestContractExample(t *testing.T) {
	t.Parallel()
	req, err := DecodeRequest([]byte(contractExample), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := req.Components[0]
	if req.Category != Category2 || req.Method != MethodAseptic || req.SterilityTested || req.StartingComponents != StartingSterile ||
		req.Storage != StorageRefrigerator || !req.CompoundedAt.Equal(start) || *req.StabilityLimit != 72*time.Hour ||
		c.Name != "cefazolin 1 g vial lot A123" || !c.ExpiresAt.Equal(time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC)) ||
		c.Container != ContainerSingleDose || !c.OpenedAt.Equal(start.Add(-10*time.Minute)) || c.PuncturedOutsideISO5 {
		t.Fatalf("decoded %+v %+v", req, c)
	}
	res := mustCompute(t, req)
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out["bud"] != "2026-11-27T09:00:00Z" || out["limited_by"] != "stability" || out["rules_version"] != "usp797-2023.1" {
		t.Fatalf("response %s", b)
	}
	if r, _ := out["reason"].(string); !strings.Contains(r, "72 h") {
		t.Fatalf("reason %q", r)
	}
	if _, has := out["limiting_component"]; has {
		t.Fatalf("limiting_component present when not limited by a component: %s", b)
	}
	limits, _ := out["limits"].([]any)
	if len(limits) != 3 {
		t.Fatalf("limits %s", b)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.BUD.Equal(res.BUD) || back.LimitedBy != res.LimitedBy || back.Reason != res.Reason || len(back.Limits) != 3 {
		t.Fatalf("round trip %+v", back)
	}
}

func TestDecodeRequestOptionalFields(t *testing.T) {
	t.Parallel()
	body := `{"category":"3","method":"terminal","sterility_tested":true,"storage":"freezer",
	 "compounded_at":"2026-11-24T04:00:00-05:00","stability_limit":null,
	 "components":[
	  {"name":"bulk","expires_at":"2027-06-30T00:00:00Z","container":"bulk","opened_at":"2026-11-24T08:00:00Z","in_use_limit":"4 hours","iso5":true,"hazardous":false},
	  {"name":"stock","container":"compounded","bud":"2026-12-01T00:00:00Z","opened_at":null},
	  {"name":"vial","expires_at":"2027-01-01","container":"single_dose","iso5":false}]}`
	req, err := DecodeRequest([]byte(body), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if req.StabilityLimit != nil || req.StartingComponents != "" || !req.SterilityTested {
		t.Fatalf("%+v", req)
	}
	if *req.Components[0].InUseLimit != 4*time.Hour || req.Components[1].OpenedAt != nil ||
		!req.Components[1].BUD.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !req.Components[2].PuncturedOutsideISO5 {
		t.Fatalf("%+v", req.Components)
	}
	res := mustCompute(t, req)
	if res.LimitingComponent != "stock" {
		t.Fatalf("%+v", res)
	}
}

func TestDecodeRequestRejects(t *testing.T) {
	t.Parallel()
	base := func(mod string) string {
		return `{"category":"2","method":"aseptic","starting_components":"sterile","storage":"room",` +
			`"compounded_at":"2026-11-24T09:00:00Z"` + mod + `}`
	}
	comp := func(fields string) string {
		return base(`,"components":[{"name":"a","expires_at":"2027-01-01","container":"single_dose"},{` + fields + `}]`)
	}
	cases := []struct {
		name  string
		body  string
		code  string
		field string
	}{
		{"not JSON", `{"category":`, CodeMalformed, "body"},
		{"array", `[]`, CodeMalformed, "body"},
		{"string", `"2"`, CodeMalformed, "body"},
		{"null", `null`, CodeMalformed, "body"},
		{"trailing", base("") + `{}`, CodeMalformed, "body"},
		{"unknown field", base(`,"colour":"red"`), CodeUnknownField, "colour"},
		{"field in wrong case", base(`,"Storage":"room"`), CodeUnknownField, "Storage"},
		{"category as a number", `{"category":2}`, CodeInvalid, "category"},
		{"missing category", `{"storage":"room"}`, CodeRequired, "category"},
		{"bad category", `{"category":"4"}`, CodeInvalid, "category"},
		{"bad method", `{"category":"2","method":"x"}`, CodeInvalid, "method"},
		{"sterility as a string", `{"category":"2","sterility_tested":"no"}`, CodeInvalid, "sterility_tested"},
		{"bad starting", `{"category":"2","starting_components":"mixed"}`, CodeInvalid, "starting_components"},
		{"missing storage", `{"category":"2"}`, CodeRequired, "storage"},
		{"bad storage", `{"category":"2","storage":"fridge"}`, CodeInvalid, "storage"},
		{"missing compounded_at", `{"category":"2","storage":"room"}`, CodeRequired, "compounded_at"},
		{"date-only compounded_at", `{"category":"2","storage":"room","compounded_at":"2026-11-24"}`, CodeInvalid, "compounded_at"},
		{"stability without a unit", base(`,"stability_limit":"72"`), CodeInvalid, "stability_limit"},
		{"negative stability", base(`,"stability_limit":"-3 h"`), CodeInvalid, "stability_limit"},
		{"stability as a number", base(`,"stability_limit":72`), CodeInvalid, "stability_limit"},
		{"components not an array", base(`,"components":{}`), CodeInvalid, "components"},
		{"component not an object", base(`,"components":[1]`), CodeInvalid, "components[0]"},
		{"component null", base(`,"components":[null]`), CodeInvalid, "components[0]"},
		{"unknown component field", comp(`"name":"b","lot":"x"`), CodeUnknownField, "components[1].lot"},
		{"missing name", comp(`"expires_at":"2027-01-01","container":"bag"`), CodeRequired, "components[1].name"},
		{"blank name", comp(`"name":"  ","expires_at":"2027-01-01","container":"bag"`), CodeRequired, "components[1].name"},
		{"bad expiry", comp(`"name":"b","expires_at":"2027-13-01","container":"bag"`), CodeInvalid, "components[1].expires_at"},
		{"missing expiry", comp(`"name":"b","container":"bag"`), CodeRequired, "components[1].expires_at"},
		{"bad container", comp(`"name":"b","expires_at":"2027-01-01","container":"vial"`), CodeInvalid, "components[1].container"},
		{"missing container", comp(`"name":"b","expires_at":"2027-01-01"`), CodeRequired, "components[1].container"},
		{"date-only opened_at", comp(`"name":"b","expires_at":"2027-01-01","container":"bag","opened_at":"2026-11-24"`), CodeInvalid, "components[1].opened_at"},
		{"bad in_use_limit", comp(`"name":"b","expires_at":"2027-01-01","container":"bulk","in_use_limit":"soon"`), CodeInvalid, "components[1].in_use_limit"},
		{"iso5 as a string", comp(`"name":"b","expires_at":"2027-01-01","container":"bag","iso5":"yes"`), CodeInvalid, "components[1].iso5"},
		{"hazardous as a number", comp(`"name":"b","expires_at":"2027-01-01","container":"bag","hazardous":1`), CodeInvalid, "components[1].hazardous"},
		{"compounded without bud", comp(`"name":"b","container":"compounded"`), CodeRequired, "components[1].bud"},
		{"bud on a vial", comp(`"name":"b","expires_at":"2027-01-01","container":"bag","bud":"2027-01-01T00:00:00Z"`), CodeInvalid, "components[1].bud"},
		{"too many components", base(`,"components":[` + strings.Repeat(`{},`, MaxComponents) + `{}]`), CodeInvalid, "components"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeRequest([]byte(c.body), time.UTC)
			e := wantError(t, err, c.code, c.field)
			if e.Refused() {
				t.Fatalf("a malformed request is not a clinical refusal: %s", e.Code)
			}
		})
	}
}

// Refusals through the JSON API: Category 1 frozen, an expired component,
// a container past its in-use limit.
func TestContractRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		body  string
		code  string
		field string
	}{
		{"category 1 frozen", `{"category":"1","storage":"freezer","compounded_at":"2026-11-24T09:00:00Z"}`, CodeCategoryStorageNotAllowed, "storage"},
		{"component expired", `{"category":"1","storage":"room","compounded_at":"2026-11-24T09:00:00Z",
		  "components":[{"name":"old lot","expires_at":"2026-11-23","container":"single_dose"}]}`, CodeComponentExpired, "components[0].expires_at"},
		{"in use expired", `{"category":"1","storage":"room","compounded_at":"2026-11-24T09:00:00Z",
		  "components":[{"name":"vial","expires_at":"2027-11-23","container":"single_dose","opened_at":"2026-11-23T20:00:00Z"}]}`, CodeInUseExpired, "components[0].opened_at"},
		{"ampule reused", `{"category":"1","storage":"room","compounded_at":"2026-11-24T09:00:00Z",
		  "components":[{"name":"amp","expires_at":"2027-11-23","container":"ampule","opened_at":"2026-11-24T08:00:00Z"}]}`, CodeAmpuleReused, "components[0].opened_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := DecodeRequest([]byte(c.body), time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Compute(DefaultRules(), req)
			e := wantError(t, err, c.code, c.field)
			if !e.Refused() {
				t.Fatalf("%s should be a clinical refusal", e.Code)
			}
		})
	}
}

func TestDecodeComponentBUDDateOnlyEndsThatDay(t *testing.T) {
	t.Parallel()
	req, err := DecodeRequest([]byte(`{"category":"2","method":"aseptic","sterility_tested":false,
		"starting_components":"sterile","storage":"refrigerator","compounded_at":"2026-11-24T09:00:00Z",
		"components":[{"name":"stock","container":"compounded","bud":"2026-11-25","expires_at":"2027-01"}]}`), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	c := req.Components[0]
	if want := time.Date(2026, 11, 25, 23, 59, 59, 0, time.UTC); c.BUD == nil || !c.BUD.Equal(want) {
		t.Errorf("bud = %v, want %v", c.BUD, want)
	}
	if want := time.Date(2027, 1, 31, 23, 59, 59, 0, time.UTC); !c.ExpiresAt.Equal(want) {
		t.Errorf("expires_at = %v, want %v", c.ExpiresAt, want)
	}
}
