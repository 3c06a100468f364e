package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestBarcodeParseCommand(t *testing.T) {
	const gtin = "00304091207134" // NDC 0409-1207-13
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  map[string]string // expected JSON fields ("" = absent)
		code  string            // error code, "" = success
	}{
		{"GS-separated DataMatrix", []string{"barcode", "parse", "]d2" + "01" + gtin + "17270531" + "10A1B2C3\x1d21SN1"}, "",
			map[string]string{"gtin": gtin, "expiry": "2027-05-31", "lot": "A1B2C3", "serial": "SN1", "ndc10": "0409120713", "expires_at": "2027-05-31T23:59:59.999999999Z"}, ""},
		{"--tz after the data", []string{"barcode", "parse", "(01)" + gtin + "(17)270531", "--tz", "America/Chicago"}, "",
			map[string]string{"expires_at": "2027-05-31T23:59:59.999999999-05:00", "lot": ""}, ""},
		{"--tz before the data", []string{"barcode", "parse", "--tz=Asia/Kolkata", "(01)" + gtin + "(17)270531"}, "",
			map[string]string{"expires_at": "2027-05-31T23:59:59.999999999+05:30"}, ""},
		{"UPC-A digits", []string{"barcode", "parse", gtin[2:]}, "", map[string]string{"gtin": gtin, "expiry": ""}, ""},
		{"data on stdin", []string{"barcode", "parse", "-"}, "]d201" + gtin + "17270531\n", map[string]string{"expiry": "2027-05-31"}, ""},
		{"bad check digit", []string{"barcode", "parse", "(01)00304091207135"}, "", nil, "bad_check_digit"},
		{"bad date", []string{"barcode", "parse", "(01)" + gtin + "(17)271340"}, "", nil, "bad_date"},
		{"bad time zone", []string{"barcode", "parse", "--tz", "Mars/Olympus", "(01)" + gtin}, "", nil, "invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, tc.stdin, tc.args...)
			var got map[string]any
			if jerr := json.Unmarshal([]byte(out), &got); jerr != nil {
				t.Fatalf("stdout %q is not JSON: %v", out, jerr)
			}
			if tc.code != "" {
				var quiet *silentExit
				if !errors.As(err, &quiet) {
					t.Fatalf("err = %v, want exit 1 with the envelope", err)
				}
				e, _ := got["error"].(map[string]any)
				if e["code"] != tc.code || e["message"] == "" {
					t.Fatalf("envelope %s", out)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if v == "" {
					if _, has := got[k]; has {
						t.Fatalf("%s present: %s", k, out)
					}
					continue
				}
				if got[k] != v {
					t.Fatalf("%s = %v, want %s\n%s", k, got[k], v, out)
				}
			}
			if _, ok := got["ais"].([]any); !ok {
				t.Fatalf("no ais: %s", out)
			}
		})
	}
}

func TestBarcodeCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"barcode", "parse"}, {"barcode", "parse", "a", "b"}, {"barcode", "scan", "x"}} {
		if _, _, err := runCmd(t, nil, "", args...); err == nil || !strings.Contains(err.Error(), "barcode") {
			t.Fatalf("%v: err = %v", args, err)
		}
	}
	if _, stderr, err := runCmd(t, nil, "", "barcode", "parse", "--help"); err != nil || !strings.Contains(stderr, "Usage: laminar barcode") {
		t.Fatalf("help: %v %q", err, stderr)
	}
}
