package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/laminar-rx/laminar/internal/testdb"
)

func TestDowntimeExportCommand(t *testing.T) {
	url := testdb.NewURL(t)
	env := map[string]string{"DATABASE_URL": url}
	if _, stderr, err := runCmd(t, env, "", "seed", "--demo"); err != nil {
		t.Fatalf("seed: %v %s", err, stderr)
	}
	dir := filepath.Join(t.TempDir(), "reports")
	out, stderr, err := runCmd(t, env, "", "downtime", "export", dir)
	if err != nil {
		t.Fatalf("downtime export: %v %s", err, stderr)
	}
	var rep struct {
		Index        string   `json:"index"`
		Preparations int      `json:"preparations"`
		Files        []string `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Preparations == 0 || len(rep.Files) != rep.Preparations {
		t.Fatalf("report %+v", rep)
	}
	if b, err := os.ReadFile(rep.Index); err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("index %s: %v", rep.Index, err)
	}
	if _, _, err := runCmd(t, env, "", "downtime", "export"); err == nil || !strings.Contains(err.Error(), "export DIR") {
		t.Fatalf("without a folder: %v", err)
	}
}
