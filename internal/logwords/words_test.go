package logwords

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// eventTypePattern is the shape the log accepts for an event type.
var eventTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$`)

// eventConstName is how the code names an event type constant: EvScanRefused,
// EventRecorded, TypeLogin, AuditProductCreated.
var eventConstName = regexp.MustCompile(`^(Ev|Event|Type|Audit)[A-Z]`)

// eventCallName is a function that takes an event type as an argument:
// workflow.NewEvent, p.event, s.log, audit.Append, appendUserEvent.
var eventCallName = regexp.MustCompile(`(?i)(event|^log$|append)`)

// emittedEventTypes walks every Go file of the module outside tests and
// returns the event types it writes: the values of event type constants,
// the literal Type of an audit event, and literal types handed to a
// function that writes one.
func emittedEventTypes(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the module root is not %s: %v", root, err)
	}
	found := map[string]string{}
	fset := token.NewFileSet()
	add := func(lit *ast.BasicLit) {
		if lit == nil || lit.Kind != token.STRING {
			return
		}
		v, err := strconv.Unquote(lit.Value)
		if err == nil && eventTypePattern.MatchString(v) {
			if _, ok := found[v]; !ok {
				found[v] = fset.Position(lit.Pos()).String()
			}
		}
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if eventConstName.MatchString(name.Name) && i < len(n.Values) {
						lit, _ := n.Values[i].(*ast.BasicLit)
						add(lit)
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Type" {
					lit, _ := n.Value.(*ast.BasicLit)
					add(lit)
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.Ident:
					name = fn.Name
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				}
				if name != "" && eventCallName.MatchString(name) {
					for _, a := range n.Args {
						lit, _ := a.(*ast.BasicLit)
						add(lit)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEveryEventHasWords fails when the code writes an event type that the
// log would show without plain words.
func TestEveryEventHasWords(t *testing.T) {
	found := emittedEventTypes(t)
	// The walk must see the events it is known to write, or it has
	// stopped finding them.
	for _, known := range []string{"preparation.scan_refused", "auth.login", "api_key.created", "formulary.product_created", "preparation.held"} {
		if _, ok := found[known]; !ok {
			t.Errorf("the walk did not find %s: it no longer sees the code's event types", known)
		}
	}
	for typ, where := range found {
		if !HasEventWords(typ) {
			t.Errorf("event type %s (written at %s) has no plain words: add it to eventWords in internal/logwords/words.go", typ, where)
		}
	}
	for typ := range eventWords {
		if _, ok := found[typ]; !ok {
			t.Errorf("eventWords has words for %s, which no code writes: remove it", typ)
		}
	}
}

// TestWordsArePlain: no code-like word (snake_case, dots) in the words.
func TestWordsArePlain(t *testing.T) {
	code := regexp.MustCompile(`[a-z]_[a-z]|\b[a-z]+\.[a-z]+\b`)
	for k, w := range eventWords {
		if w == "" || code.MatchString(w) {
			t.Errorf("event %s: %q is not plain words", k, w)
		}
	}
	for k, w := range refusalWords {
		if w == "" || code.MatchString(w) {
			t.Errorf("refusal %s: %q is not plain words", k, w)
		}
	}
}

func TestWordsFallback(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"preparation.scan_refused", "Scan refused"},
		{"preparation.something_new", "Preparation: something new"},
		{"", ""},
	} {
		if got := EventName(c.in); got != c.want {
			t.Errorf("EventName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := RefusalText("wrong_strength"); got != "Right drug, wrong strength or size" {
		t.Errorf("RefusalText(wrong_strength) = %q", got)
	}
	if got := RefusalText("brand_new_code"); got != "Brand new code" {
		t.Errorf("RefusalText(brand_new_code) = %q", got)
	}
}
