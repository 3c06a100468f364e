package bud

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The BUD rules stay pure: no transport, no storage.
func TestNoTransportOrStorageImports(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		// database/sql/driver alone comes with shopspring/decimal (its Scan
		// and Value methods) and opens no connection, so only the packages
		// themselves are banned.
		for _, banned := range []string{"net/http", "database/sql", "github.com/labstack/echo", "github.com/jmoiron/sqlx", "github.com/lib/pq"} {
			if dep == banned || (banned != "database/sql" && strings.HasPrefix(dep, banned+"/")) {
				t.Errorf("package bud depends on %s", dep)
			}
		}
	}
}
