package archtest

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/laminar-rx/laminar"

// transportAndStorage are the packages a domain package must not reach.
// database/sql/driver alone comes with shopspring/decimal (its Scan and Value
// methods) and opens no connection, so only database/sql itself is banned.
var transportAndStorage = []string{
	"net/http", "database/sql", "github.com/labstack/echo", "github.com/jmoiron/sqlx",
	"github.com/lib/pq", module + "/internal/store", module + "/internal/httpapi",
	module + "/internal/compounding",
}

// TestDomainPackagesStayPure lists every dependency of each domain package
// and fails on a transport, storage or service package.
func TestDomainPackagesStayPure(t *testing.T) {
	for _, pkg := range []string{"calc", "formulary", "internal/barcode", "internal/bud", "internal/guard", "internal/workflow", "internal/versioned"} {
		t.Run(pkg, func(t *testing.T) {
			for _, dep := range deps(t, module+"/"+pkg) {
				for _, banned := range transportAndStorage {
					if dep == banned || (banned != "database/sql" && strings.HasPrefix(dep, banned+"/")) {
						t.Errorf("%s depends on %s", pkg, dep)
					}
				}
			}
		})
	}
}

// layers is the house rule, handlers → services → store → domain, as the
// packages each layer must never reach, directly or through another
// (banned), and the ones it must not import itself (notImported: net/http
// may come in through a helper such as http.DetectContentType, but a layer
// below the handlers serves and calls no HTTP itself).
var layers = []struct {
	pkg         string
	banned      []string
	notImported []string
}{
	// The services see no transport.
	{"internal/compounding", []string{"github.com/labstack/echo", module + "/internal/httpapi", module + "/internal/webui", module + "/web"}, []string{"net/http"}},
	{"internal/catalog", []string{"github.com/labstack/echo", module + "/internal/httpapi", module + "/internal/webui", module + "/web"}, []string{"net/http"}},
	{"internal/rules", []string{"github.com/labstack/echo", module + "/internal/httpapi", module + "/internal/webui", module + "/web"}, []string{"net/http"}},
	// The store only loads and saves: it calls no service and no transport.
	{"internal/store", []string{"github.com/labstack/echo", module + "/internal/httpapi", module + "/internal/webui", module + "/web", module + "/internal/compounding"}, []string{"net/http"}},
	// The compounding log is written inside the store's and the service's
	// transactions; it depends on neither.
	{"internal/audit", []string{"github.com/labstack/echo", module + "/internal/httpapi", module + "/internal/webui", module + "/web", module + "/internal/compounding", module + "/internal/store"}, []string{"net/http"}},
	// The JSON API stands without the screens: the screens are mounted on
	// it (API.Pages), never the other way round. It reaches the data only
	// through the services: it imports neither the store nor SQL.
	{"internal/httpapi", []string{module + "/internal/webui", module + "/web"}, append([]string{module + "/internal/store"}, sqlPackages...)},
	// The screens are handlers beside the JSON API: like it, they write no
	// SQL and reach the data only through the services, whose packages
	// name the filter and row types they take and return.
	{"internal/webui", nil, append([]string{module + "/internal/store"}, sqlPackages...)},
}

// sqlPackages are the packages that talk to the database.
var sqlPackages = []string{"database/sql", "github.com/jmoiron/sqlx", "github.com/lib/pq"}

// TestLayersPointDown fails when a layer depends on one above it.
func TestLayersPointDown(t *testing.T) {
	for _, l := range layers {
		t.Run(l.pkg, func(t *testing.T) {
			for _, dep := range deps(t, module+"/"+l.pkg) {
				for _, banned := range l.banned {
					if dep == banned || strings.HasPrefix(dep, banned+"/") {
						t.Errorf("%s depends on %s", l.pkg, dep)
					}
				}
			}
			for _, imp := range imports(t, module+"/"+l.pkg) {
				for _, banned := range l.notImported {
					if imp == banned || strings.HasPrefix(imp, banned+"/") {
						t.Errorf("%s imports %s", l.pkg, imp)
					}
				}
			}
		})
	}
}

// imports lists what pkg imports itself (with its tests excluded).
func imports(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-f", `{{join .Imports "\n"}}`, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// The calculator is the base of everything: the standard library and
// shopspring/decimal only.
func TestCalcImportsOnlyDecimal(t *testing.T) {
	for _, dep := range deps(t, module+"/calc") {
		first, _, _ := strings.Cut(dep, "/")
		if strings.Contains(first, ".") && !strings.HasPrefix(dep, "github.com/shopspring/decimal") && dep != module+"/calc" {
			t.Errorf("calc depends on %s", dep)
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}
