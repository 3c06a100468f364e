package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/formulary"
)

// scanJSON encodes scan data as a JSON string (GS as \u001d).
func scanJSON(data string) string {
	b, _ := json.Marshal(map[string]string{"data": data})
	return string(b)
}

func TestBarcodeParseAPI(t *testing.T) {
	s := newFormularyServer(t)
	vial, err := formulary.NewCode(formulary.CodeUnit, "ndc", "0409-1207-13")
	if err != nil {
		t.Fatal(err)
	}
	unknown, _ := formulary.NewCode(formulary.CodeUnit, "ndc", "0002-7597-01")
	bad := vial.GTIN14[:13] + string('0'+(vial.GTIN14[13]-'0'+1)%10)
	tests := []struct {
		name, token, data string
		status            int
		code, field       string
		want              map[string]any
		product           string
	}{
		{"DataMatrix with GS and serial", "technician", "]d2\x1d01" + vial.GTIN14 + "17270531" + "10A1B2C3\x1d21SN77", 200, "", "",
			map[string]any{"gtin": vial.GTIN14, "expiry": "2027-05-31", "lot": "A1B2C3", "serial": "SN77", "ndc10": "0409120713",
				"expires_at": "2027-05-31T23:59:59.999999999-05:00"}, "0409-1207-03"},
		{"bracketed, any role", "safety_officer", "(01)" + vial.GTIN14 + "(17)270500(10)L1", 200, "", "",
			map[string]any{"expiry": "2027-05-31", "lot": "L1"}, "0409-1207-03"},
		{"UPC-A", "interface", vial.GTIN14[2:], 200, "", "", map[string]any{"gtin": vial.GTIN14, "ndc10": "0409120713"}, "0409-1207-03"},
		{"not in the formulary", "technician", "(01)" + unknown.GTIN14 + "(17)270531(10)A1", 200, "", "", map[string]any{"ndc10": "0002759701"}, ""},
		{"bad check digit", "technician", "(01)" + bad + "(17)270531(10)A1", 400, "bad_check_digit", "data", nil, ""},
		{"bad date", "technician", "(01)" + vial.GTIN14 + "(17)271332", 400, "bad_date", "data", nil, ""},
		{"nothing scanned", "technician", "", 400, "no_data", "data", nil, ""},
		{"not logged in", "", "(01)" + vial.GTIN14, 401, "unauthenticated", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(tc.token, "POST", "/api/v1/barcodes/parse", scanJSON(tc.data))
			if rec.Code != tc.status {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			if tc.status != 200 {
				env := decode(t, rec)
				if env.Error.Code != tc.code || env.Error.Field != tc.field || env.Error.Message == "" {
					t.Fatalf("envelope %+v", env)
				}
				return
			}
			var got map[string]any
			fmJSON(t, rec, &got)
			if _, ok := got["ais"].([]any); !ok {
				t.Fatalf("no ais array: %s", rec.Body)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Fatalf("%s = %v, want %v (%s)", k, got[k], v, rec.Body)
				}
			}
			p, has := got["product"].(map[string]any)
			if tc.product == "" {
				if has {
					t.Fatalf("unexpected product %v", p)
				}
				return
			}
			if !has || p["ndc"] != tc.product || p["drug"] != "gentamicin" {
				t.Fatalf("product %v", got["product"])
			}
		})
	}
	t.Run("absent fields are absent", func(t *testing.T) {
		rec := s.do("technician", "POST", "/api/v1/barcodes/parse", scanJSON(vial.GTIN14[2:]))
		for _, k := range []string{`"expiry"`, `"lot"`, `"serial"`} {
			if strings.Contains(rec.Body.String(), k) {
				t.Fatalf("%s present in %s", k, rec.Body)
			}
		}
	})
	t.Run("AIs in order", func(t *testing.T) {
		var got struct {
			AIs []struct{ AI, Value string } `json:"ais"`
		}
		fmJSON(t, s.do("technician", "POST", "/api/v1/barcodes/parse", scanJSON("(01)"+vial.GTIN14+"(17)270531(10)A1(21)S9")), &got)
		if len(got.AIs) != 4 || got.AIs[0].AI != "01" || got.AIs[3].AI != "21" || got.AIs[3].Value != "S9" {
			t.Fatalf("ais %+v", got.AIs)
		}
	})
	t.Run("body errors", func(t *testing.T) {
		for body, field := range map[string]string{`{}`: "data", `{"data": 1}`: "data", `{"data": "x", "more": 1}`: "more", `[`: "body"} {
			rec := s.do("technician", "POST", "/api/v1/barcodes/parse", body)
			if env := decode(t, rec); rec.Code != 400 || env.Error.Field != field {
				t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
			}
		}
	})
}
