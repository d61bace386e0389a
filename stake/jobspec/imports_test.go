package jobspec

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDeterministicSources keeps the package fit for consensus: no I/O, no
// randomness, no clock, and no floating point in its (non-test) sources.
func TestDeterministicSources(t *testing.T) {
	banned := map[string]bool{
		"os": true, "os/exec": true, "net": true, "net/http": true, "io/ioutil": true, "syscall": true,
		"math/rand": true, "math/rand/v2": true, "crypto/rand": true, "unsafe": true, "log": true, "log/slog": true,
	}
	bannedIdents := map[string]bool{"float32": true, "float64": true, "ParseFloat": true, "Now": true, "Since": true, "Until": true}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if banned[path] {
				t.Errorf("%s imports %s", name, path)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && bannedIdents[id.Name] {
				t.Errorf("%s: uses %s", fset.Position(id.Pos()), id.Name)
			}
			return true
		})
	}
}
