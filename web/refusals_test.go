package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// emittedCodes walks the Go source of the packages that refuse things at
// the bench and the checking desk and returns every error code written
// there: the first argument of a refusal helper (Refusal, refusal,
// typedRefusal…), the code argument of apperr.WithCode, a Code: field or
// an e.Code assignment, and the untyped Code… constants.
func emittedCodes(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lit := func(e ast.Expr, where string) {
		if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
			if s, err := strconv.Unquote(bl.Value); err == nil && s != "" {
				out[s] = where
			}
		}
	}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(af, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					var name string
					switch fn := n.Fun.(type) {
					case *ast.Ident:
						name = fn.Name
					case *ast.SelectorExpr:
						name = fn.Sel.Name
					}
					switch {
					case strings.HasSuffix(strings.ToLower(name), "refusal") && len(n.Args) > 0:
						lit(n.Args[0], f)
					case name == "WithCode" && len(n.Args) > 1:
						lit(n.Args[1], f)
					}
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok && id.Name == "Code" {
						lit(n.Value, f)
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if se, ok := l.(*ast.SelectorExpr); ok && se.Sel.Name == "Code" && i < len(n.Rhs) {
							lit(n.Rhs[i], f)
						}
					}
				case *ast.ValueSpec:
					if n.Type != nil {
						return true // typed constants (kinds of code, not errors)
					}
					for i, nm := range n.Names {
						if strings.HasPrefix(nm.Name, "Code") && i < len(n.Values) {
							lit(n.Values[i], f)
						}
					}
				}
				return true
			})
		}
	}
	return out
}

// TestEveryRefusalHasWords fails when the code can refuse something with
// a code that has no plain words: the screen would fall back to general
// words instead of saying what happened and what to do next.
func TestEveryRefusalHasWords(t *testing.T) {
	codes := emittedCodes(t, "internal/workflow", "internal/compounding", "formulary", "internal/balance",
		"internal/devices", "internal/competency", "internal/bud", "internal/apperr")
	if len(codes) < 40 {
		t.Fatalf("found only %d codes: the walk is broken", len(codes))
	}
	var missing []string
	for code, where := range codes {
		if !HasRefusalWords(code) {
			missing = append(missing, code+" ("+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("refusal codes without plain words (add them to refusalWords):\n  %s", strings.Join(missing, "\n  "))
	}
}

// TestRefusalWordsArePlain: every headline and next step is a sentence a
// person reads, never a code, and says what to do.
func TestRefusalWordsArePlain(t *testing.T) {
	snake := regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`)
	for _, code := range RefusalCodes() {
		w := Refusal(code)
		if w.Title == "" || w.Next == "" {
			t.Errorf("%s: headline %q, next step %q: both are needed", code, w.Title, w.Next)
		}
		for _, s := range []string{w.Title, w.Next} {
			if snake.MatchString(s) {
				t.Errorf("%s: %q shows a code", code, s)
			}
		}
	}
	if w := Refusal("no_such_code_at_all"); strings.Contains(w.Title+w.Next, "no_such") {
		t.Errorf("an unknown code is shown: %+v", w)
	}
	js := string(wordsScript())
	if !strings.HasPrefix(js, "window.laminarWords = ") || !strings.Contains(js, `"wrong_strength":{"t":"Right drug, wrong strength or size"`) {
		t.Errorf("the browser's words are not the server's map: %.200s", js)
	}
}
