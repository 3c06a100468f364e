package calc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// packageFiles parses every Go file of the package, tests included.
func packageFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil || len(names) == 0 {
		t.Fatalf("no Go files: %v", err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, name := range names {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	return files
}

// TestNoBinaryFloat keeps binary floating point out of the package, tests included: no float
// type, no float conversion from decimal, no package math. It inspects identifiers, not text,
// so the names it looks for can be spelled here only by concatenation.
func TestNoBinaryFloat(t *testing.T) {
	t.Parallel()
	forbidden := map[string]bool{
		"float" + "32": true, "float" + "64": true,
		"Inexact" + "Float64": true, "Float" + "64": true, "New" + "FromFloat": true,
		"New" + "FromFloat32": true, "New" + "FromFloatWithExponent": true, "Big" + "Float": true,
	}
	for name, f := range packageFiles(t) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "math" {
				t.Errorf("%s imports package math", name)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Ident:
				if forbidden[x.Name] {
					t.Errorf("%s uses %s", name, x.Name)
				}
			case *ast.BasicLit:
				if x.Kind == token.FLOAT || x.Kind == token.IMAG {
					t.Errorf("%s has a floating-point literal %s", name, x.Value)
				}
			}
			return true
		})
	}
}

// TestImports keeps the domain package free of transport and storage: the standard library
// and shopspring/decimal only (and rapid in tests).
func TestImports(t *testing.T) {
	t.Parallel()
	for name, f := range packageFiles(t) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			first, _, _ := strings.Cut(path, "/")
			switch {
			case !strings.Contains(first, "."): // standard library
			case path == "github.com/shopspring/decimal":
			case path == "pgregory.net/rapid" && strings.HasSuffix(name, "_test.go"):
			default:
				t.Errorf("%s imports %s", name, path)
			}
		}
	}
}

// TestTestdataProvenance keeps the header that names the copied cases' source and licence.
func TestTestdataProvenance(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/clinpk_cases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"InsightRX/clinPK", "MIT", "86e3ad931f12d39e7ee535c3d55fe923e3d24ddd", "dpastoor/clincalc"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("testdata header does not mention %q", want)
		}
	}
}

// TestExportedNamesDocumented: every exported top-level name carries a doc comment.
func TestExportedNamesDocumented(t *testing.T) {
	t.Parallel()
	for name, f := range packageFiles(t) {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Name.IsExported() && d.Doc == nil {
					t.Errorf("%s: func %s has no doc comment", name, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					var names []*ast.Ident
					var doc *ast.CommentGroup
					switch s := spec.(type) {
					case *ast.TypeSpec:
						names, doc = []*ast.Ident{s.Name}, s.Doc
					case *ast.ValueSpec:
						names, doc = s.Names, s.Doc
					}
					for _, n := range names {
						if n.IsExported() && doc == nil && d.Doc == nil {
							t.Errorf("%s: %s has no doc comment", name, n.Name)
						}
					}
				}
			}
		}
	}
}
