package root

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// refreshDocs is the command that brings docs/ up to date.
const refreshDocs = "go run . docs --markdown docs"

// TestDocsAreUpToDate fails when the Markdown reference in docs/ differs from
// what the command tree generates, so that help text and the reference
// never drift apart.
func TestDocsAreUpToDate(t *testing.T) {
	t.Parallel()
	f, _, _ := isolatedFactory(t, nil, false)
	fresh := t.TempDir()
	if err := runAxero(f, "docs", "--markdown", fresh); err != nil {
		t.Fatal(err)
	}
	committed := filepath.Join("..", "..", "docs")

	want := markdownFiles(t, fresh)
	have := markdownFiles(t, committed)
	var stale []string
	for _, name := range want {
		got, err := os.ReadFile(filepath.Join(committed, name)) //nolint:gosec // test reads generated and committed documentation
		if err != nil {
			stale = append(stale, name+" (missing)")
			continue
		}
		gen, err := os.ReadFile(filepath.Join(fresh, name)) //nolint:gosec // test reads generated and committed documentation
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, gen) {
			stale = append(stale, name+" (differs)")
		}
	}
	for _, name := range have {
		if !slices.Contains(want, name) {
			stale = append(stale, name+" (no such command any more)")
		}
	}
	if len(stale) > 0 {
		t.Errorf("docs/ is out of date with the command tree:\n  %s\nRefresh it from the repository root with:\n  %s",
			strings.Join(stale, "\n  "), refreshDocs)
	}
}

func TestDocsWritesManPages(t *testing.T) {
	t.Parallel()
	f, _, _ := isolatedFactory(t, map[string]string{"SOURCE_DATE_EPOCH": "1795689000"}, false)
	dir := t.TempDir()
	if err := runAxero(f, "docs", "--man", dir); err != nil {
		t.Fatal(err)
	}
	for _, page := range []string{"axero.1", "axero-token.1", "axero-token-create.1", "axero-version.1", "axero-completion.1"} {
		b, err := os.ReadFile(filepath.Join(dir, page)) //nolint:gosec // test reads generated and committed documentation
		if err != nil {
			t.Errorf("no man page %s: %v", page, err)
			continue
		}
		if !bytes.HasPrefix(b, []byte(".nh\n.TH \"AXERO\" \"1\" \"Nov 2026\"")) {
			t.Errorf("%s has an unexpected header:\n%s", page, firstLines(b, 3))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "axero-docs.1")); err == nil {
		t.Error("the hidden docs command got a man page")
	}
}

func TestDocsNeedsADirectory(t *testing.T) {
	t.Parallel()
	f, _, _ := isolatedFactory(t, nil, false)
	if err := runAxero(f, "docs"); err == nil || !strings.Contains(err.Error(), "--man") {
		t.Errorf("docs without a directory: %v, want a usage error naming --man", err)
	}
}

func markdownFiles(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "axero*.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(matches))
	for _, m := range matches {
		names = append(names, filepath.Base(m))
	}
	return names
}

func firstLines(b []byte, n int) string {
	lines := strings.SplitN(string(b), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}
