package emulator_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyTheFixtureAPIImportsTheClient keeps the emulator's wire its own:
// the client package may appear only in fixtures.go, the Go API that tests
// call, which copies values field by field. Were any file that encodes an
// answer or reads a request to import the client, its types could creep
// onto the wire, and a wrong field name in them would pass every test.
func TestOnlyTheFixtureAPIImportsTheClient(t *testing.T) {
	const clientPkg = "github.com/axero-cli/axero/client"
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name) //nolint:gosec // a source file of this package
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == clientPkg && name != "fixtures.go" {
				t.Errorf("%s imports %s: the emulator speaks the wire contract with its own types (wire.go)", name, clientPkg)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d source files found; is the test running in the package directory?", checked)
	}
}
