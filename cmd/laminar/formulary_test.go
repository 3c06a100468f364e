package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../../internal/ndcdir/testdata/good"

func TestFormularyImportDryRun(t *testing.T) {
	out, _, err := runCmd(t, nil, "", "formulary", "import", "--dry-run", fixtures)
	if err != nil {
		t.Fatal(err)
	}
	var got importSummary
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	if !got.DryRun || got.Stats != nil || got.Report.Products != 6 || got.Report.NotInjectable != 1 {
		t.Fatalf("summary %s", out)
	}
	out, _, err = runCmd(t, nil, "", "formulary", "import", fixtures, "--dry-run", "--all")
	if err != nil || !strings.Contains(out, `"products": 7`) {
		t.Fatalf("--all: %v %s", err, out)
	}
}

func TestFormularyImportMalformed(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"product.txt", "package.txt"} {
		b, err := os.ReadFile(filepath.Join(fixtures, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "package.txt" {
			b = []byte(strings.Replace(string(b), "0409-1207-03\t", "0409-1207-3x\t", 1))
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// No database is needed to refuse a malformed file: nothing is opened.
	out, _, err := runCmd(t, map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, "", "formulary", "import", dir)
	var quiet *silentExit
	if !errors.As(err, &quiet) {
		t.Fatalf("err = %v", err)
	}
	var env struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	if jerr := json.Unmarshal([]byte(out), &env); jerr != nil || env.Error.Code != "malformed_file" || env.Error.Field != "NDCPACKAGECODE" ||
		!strings.Contains(env.Error.Message, "package.txt line 2") {
		t.Fatalf("envelope %s", out)
	}
}

func TestFormularyCommandUsage(t *testing.T) {
	for _, args := range [][]string{{"formulary"}, {"formulary", "import"}, {"formulary", "export", "x"}} {
		if _, _, err := runCmd(t, nil, "", args...); err == nil {
			t.Fatalf("%v accepted", args)
		}
	}
	out, _, err := runCmd(t, nil, "", "formulary", "import", filepath.Join(t.TempDir(), "missing"))
	if err == nil || !strings.Contains(out, `"field": "dir"`) {
		t.Fatalf("missing dir: %v %s", err, out)
	}
}
