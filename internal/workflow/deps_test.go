package workflow

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The workflow domain stays free of transport and storage: the store runs
// its rules in transactions and the HTTP layer calls the store.
func TestNoTransportOrStorageImports(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"net/http", "database/sql", "github.com/labstack/echo", "github.com/jmoiron/sqlx", "github.com/lib/pq"} {
			if dep == banned || (banned != "database/sql" && strings.HasPrefix(dep, banned+"/")) {
				t.Errorf("package workflow depends on %s", dep)
			}
		}
	}
}
