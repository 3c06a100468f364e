package exchange_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

const fhirJSON = "application/fhir+json"

func medicationRequest(status, placer, dose string) string {
	return `{"resourceType":"MedicationRequest","status":"` + status + `","intent":"order","priority":"stat",
	 "identifier":[{"system":"urn:oid:2.16.840.1.113883.3.999","value":"` + placer + `"}],
	 "contained":[{"resourceType":"Patient","id":"pat","identifier":[{"type":{"coding":[{"code":"MR"}]},"value":"MRN300001"}],
	   "name":[{"family":"Okafor","given":["Ada"]}],"birthDate":"1980-02-29","gender":"female"}],
	 "subject":{"reference":"#pat"},
	 "medicationCodeableConcept":{"coding":[{"system":"http://hl7.org/fhir/sid/ndc","code":"60505-6243-4"}],"text":"cefazolin"},
	 "dosageInstruction":[{"route":{"coding":[{"system":"http://snomed.info/sct","code":"47625008"}]},
	   "timing":{"repeat":{"boundsPeriod":{"start":"2026-12-03T10:00:00Z"}}},
	   "doseAndRate":[{"doseQuantity":{"value":` + dose + `,"unit":"g","system":"http://unitsofmeasure.org","code":"g"}}]}],
	 "note":[{"text":"an element Laminar does not read"}]}`
}

type outcome struct {
	ResourceType string `json:"resourceType"`
	Issue        []struct {
		Code        string   `json:"code"`
		Diagnostics string   `json:"diagnostics"`
		Expression  []string `json:"expression"`
	} `json:"issue"`
}

func readOutcome(t *testing.T, body []byte) outcome {
	t.Helper()
	var o outcome
	if err := json.Unmarshal(body, &o); err != nil || o.ResourceType != "OperationOutcome" || len(o.Issue) == 0 {
		t.Fatalf("not an OperationOutcome: %s", body)
	}
	return o
}

// An interface account with an API key posts orders as FHIR; status
// changes follow the same rules as HL7 order controls.
func TestFHIRMedicationRequestWithAPIKey(t *testing.T) {
	s := startServer(t, nil)
	admin := s.login("admin1")
	code, body := s.api("POST", "/api/v1/api-keys", admin, "application/json", []byte(`{"username":"ehr-fhir","name":"EHR FHIR client"}`))
	if code != 201 {
		t.Fatalf("create key: %d %s", code, body)
	}
	var created struct {
		Key    string `json:"key"`
		APIKey struct {
			ID int64 `json:"id"`
		} `json:"api_key"`
	}
	_ = json.Unmarshal(body, &created)
	key := created.Key
	if !strings.HasPrefix(key, "lmk_") {
		t.Fatalf("key %q", key)
	}
	if n := s.count(`SELECT count(*) FROM api_keys WHERE key_hash = sha256($1::bytea)`, key); n != 1 {
		t.Fatalf("the key is not stored as its hash")
	}
	code, body = s.api("POST", "/fhir/r4/MedicationRequest", key, fhirJSON, []byte(medicationRequest("active", "RX-1", "1.5")))
	if code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	var mr struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	_ = json.Unmarshal(body, &mr)
	if mr.Status != "active" || s.count(`SELECT count(*) FROM orders WHERE id = $1 AND dose_value = 1.5 AND patient_mrn = 'MRN300001' AND due_at = '2026-12-03T10:00:00Z'`, mr.ID) != 1 {
		t.Fatalf("order not stored as sent: %s", body)
	}
	code, body = s.api("GET", "/fhir/r4/MedicationRequest/"+mr.ID, key, "", nil)
	if code != 200 || !strings.Contains(string(body), `"RX-1"`) {
		t.Fatalf("read: %d %s", code, body)
	}
	// Changed: a new version is queued and the old order is stopped.
	code, body = s.api("POST", "/fhir/r4/MedicationRequest", key, fhirJSON, []byte(medicationRequest("active", "RX-1", "1")))
	if code != 201 {
		t.Fatalf("change: %d %s", code, body)
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN300001' AND status = 'open'`); n != 1 {
		t.Fatalf("%d open orders after a change, want 1", n)
	}
	// Stopped.
	code, body = s.api("POST", "/fhir/r4/MedicationRequest", key, fhirJSON, []byte(medicationRequest("stopped", "RX-1", "1")))
	if code != 200 || !strings.Contains(string(body), `"status":"stopped"`) {
		t.Fatalf("stop: %d %s", code, body)
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN300001' AND status = 'open'`); n != 0 {
		t.Fatalf("%d open orders after a stop", n)
	}
	// A revoked key no longer works.
	if code, body = s.api("POST", fmt.Sprintf("/api/v1/api-keys/%d/revoke", created.APIKey.ID), admin, "", nil); code != 200 {
		t.Fatalf("revoke: %d %s", code, body)
	}
	code, body = s.api("GET", "/fhir/r4/MedicationRequest/"+mr.ID, key, "", nil)
	if code != 401 || readOutcome(t, body).Issue[0].Code != "login" {
		t.Fatalf("revoked key: %d %s", code, body)
	}
}

// Errors on FHIR routes are OperationOutcomes naming the element.
func TestFHIROperationOutcomes(t *testing.T) {
	s := startServer(t, nil)
	pharm := s.login("pharm1")
	cases := []struct {
		name, ct, body string
		status         int
		code, expr     string
	}{
		{"not json", fhirJSON, "{", 400, "invalid", ""},
		{"wrong media type", "text/plain", medicationRequest("active", "RX-2", "1"), 400, "invalid", ""},
		{"unknown drug", fhirJSON, strings.Replace(medicationRequest("active", "RX-3", "1"), "60505-6243-4", "99999-9999-99", 1), 422, "code-invalid",
			"MedicationRequest.medicationCodeableConcept"},
		{"no dose", fhirJSON, strings.Replace(medicationRequest("active", "RX-4", "1"), `"doseAndRate"`, `"x"`, 1), 400, "required",
			"MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity"},
		{"unknown order stopped", fhirJSON, medicationRequest("stopped", "RX-404", "1"), 404, "not-found", ""},
		{"draft", fhirJSON, medicationRequest("draft", "RX-5", "1"), 422, "processing", "MedicationRequest.status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := s.api("POST", "/fhir/r4/MedicationRequest", pharm, c.ct, []byte(c.body))
			o := readOutcome(t, body)
			if code != c.status || o.Issue[0].Code != c.code || (c.expr != "" && (len(o.Issue[0].Expression) == 0 || o.Issue[0].Expression[0] != c.expr)) {
				t.Fatalf("%d %s", code, body)
			}
		})
	}
	tech := s.login("tech1")
	if code, body := s.api("POST", "/fhir/r4/MedicationRequest", tech, fhirJSON, []byte(medicationRequest("active", "RX-6", "1"))); code != 403 || readOutcome(t, body).Issue[0].Code != "forbidden" {
		t.Fatalf("technician: %d %s", code, body)
	}
}

// A transaction Bundle carries the Patient and the MedicationRequest that
// refers to it by fullUrl; the answer is a transaction-response.
func TestFHIRTransactionBundle(t *testing.T) {
	s := startServer(t, nil)
	pharm := s.login("pharm1")
	bundle := `{"resourceType":"Bundle","type":"transaction","entry":[
	 {"fullUrl":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a","resource":{"resourceType":"Patient",
	   "identifier":[{"value":"MRN300002"}],"name":[{"family":"Berg","given":["Nils"]}],"birthDate":"1950-06-01"},
	   "request":{"method":"POST","url":"Patient"}},
	 {"fullUrl":"urn:uuid:1b0b2e3d-5ad1-4b3b-9a55-0b6a4a6a0e11","resource":{"resourceType":"Observation","status":"final",
	   "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"valueQuantity":{"value":81.3,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}},
	   "request":{"method":"POST","url":"Observation"}},
	 {"resource":{"resourceType":"MedicationRequest","status":"active","intent":"order",
	   "subject":{"reference":"urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},
	   "medicationCodeableConcept":{"text":"vancomycin"},
	   "dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":15,"unit":"mg/kg","system":"http://unitsofmeasure.org","code":"mg/kg"}}]}]},
	   "request":{"method":"POST","url":"MedicationRequest"}}]}`
	code, body := s.api("POST", "/fhir/r4", pharm, fhirJSON, []byte(bundle))
	if code != 200 || !strings.Contains(string(body), `"transaction-response"`) || !strings.Contains(string(body), `"201 Created"`) {
		t.Fatalf("%d %s", code, body)
	}
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN300002' AND drug = 'vancomycin' AND weight_value = 81.3 AND patient_name = 'Berg, Nils'`); n != 1 {
		t.Fatalf("%d orders, want 1", n)
	}
}
