package exchange_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/laminar-rx/laminar/internal/hl7"
)

var (
	medplumOnce sync.Once
	medplumDir  string
	medplumErr  error
)

// medplum installs @medplum/hl7 (an MLLP client the project did not
// write) with npm once, outside the repository, and returns its folder.
func medplum(t *testing.T) string {
	t.Helper()
	medplumOnce.Do(func() {
		dir := os.Getenv("LAMINAR_MEDPLUM_DIR")
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				cache = os.TempDir()
			}
			dir = filepath.Join(cache, "laminar", "medplum-hl7")
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", "@medplum", "hl7", "package.json")); err != nil {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				medplumErr = err
				return
			}
			// Version 4: version 5 needs a newer Node than Debian ships.
			out, err := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "@medplum/hl7@4").CombinedOutput()
			if err != nil {
				medplumErr = fmt.Errorf("npm install @medplum/hl7@4: %v\n%s", err, out)
				return
			}
		}
		medplumDir = dir
	})
	if medplumErr != nil {
		t.Fatalf("@medplum/hl7 is needed for this test (make deps-hl7 installs npm): %v", medplumErr)
	}
	return medplumDir
}

// Node's @medplum/hl7 client sends a new order, a change and a patient
// update on one connection; each is acknowledged AA for its control ID.
func TestMedplumClient(t *testing.T) {
	dir := medplum(t)
	s := startServer(t, nil)
	host, port, _ := net.SplitHostPort(s.app.MLLPAddr())
	files := []string{"rde-o11-new.hl7", "rde-o11-change.hl7", "adt-a08-weight.hl7"}
	args := []string{filepath.Join("testdata", "medplum-send.cjs"), host, port}
	for _, f := range files {
		args = append(args, filepath.Join("..", "..", "testdata", "hl7", f))
	}
	cmd := exec.Command("node", args...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+filepath.Join(dir, "node_modules"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	acks := strings.Split(strings.TrimSpace(string(out)), "---")
	want := []string{"MSG00001", "MSG00002", "MSG00004"}
	if len(acks) < len(want) {
		t.Fatalf("%d answers:\n%s", len(acks), out)
	}
	for i, w := range want {
		m, err := hl7.Parse([]byte(strings.TrimSpace(acks[i])))
		if err != nil {
			t.Fatalf("answer %d: %v\n%s", i, err, acks[i])
		}
		wantAck(t, m, "AA", w)
	}
	// The change replaced the order: one open order, of 1 g, with the new
	// location from the ADT message.
	if n := s.count(`SELECT count(*) FROM orders WHERE patient_mrn = 'MRN200001' AND status = 'open' AND dose_value = 1 AND patient_location = 'ICU-3-B'`); n != 1 {
		t.Fatalf("%d open orders as expected, want 1", n)
	}
}
