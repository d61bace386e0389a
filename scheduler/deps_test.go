package scheduler

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The scheduler runs inside consensus: its own code may not reach for the
// clock, randomness, the OS, the network or floats, and nothing it links may
// come from the node or runtime packages.
func TestDeps(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	own, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	banned := map[string]bool{
		"time": true, "os": true, "net": true, "math": true, "math/rand": true, "math/rand/v2": true,
		"crypto/rand": true, "runtime": true, "syscall": true, "unsafe": true, "sync": true,
	}
	for _, imp := range strings.Fields(string(own)) {
		if banned[imp] || strings.HasPrefix(imp, "os/") || strings.HasPrefix(imp, "net/") {
			t.Errorf("scheduler imports %s", imp)
		}
	}
	// Transitively: cosmossdk.io/math brings time, os and math/rand (via fmt
	// and math/big) but never the network, the node or the job runtime.
	deps, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, d := range strings.Fields(string(deps)) {
		if d == "net" || strings.HasPrefix(d, "net/") || d == "os/exec" ||
			strings.HasPrefix(d, "github.com/gpunet/gpunet/node") || strings.HasPrefix(d, "github.com/gpunet/gpunet/runtime") {
			t.Errorf("scheduler depends on %s", d)
		}
	}
}

// No floating point in the library: no float types, no float literals.
func TestNoFloats(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.Ident:
				if x.Name == "float32" || x.Name == "float64" || x.Name == "complex64" || x.Name == "complex128" {
					t.Errorf("%s: %s", fset.Position(x.Pos()), x.Name)
				}
			case *ast.BasicLit:
				if x.Kind == token.FLOAT || x.Kind == token.IMAG {
					t.Errorf("%s: float literal %s", fset.Position(x.Pos()), x.Value)
				}
			}
			return true
		})
	}
}
