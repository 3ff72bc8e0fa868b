package bulk

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOutPathAppliesTheRunsRulesBeforeAnyRequest(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	if err := CheckOutPath(out, false); err != nil {
		t.Fatalf("a new output: %v", err)
	}
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var exists *ExistsError
	if err := CheckOutPath(out, false); !errors.As(err, &exists) {
		t.Fatalf("an existing output without --resume: %v", err)
	}
	if err := CheckOutPath(out, true); err != nil {
		t.Fatalf("a private output with --resume: %v", err)
	}
	if err := os.Chmod(out, 0o644); err != nil { //nolint:gosec // the readable output under test
		t.Fatal(err)
	}
	var notOurs *NotOursError
	if err := CheckOutPath(out, true); !errors.As(err, &notOurs) || !strings.Contains(err.Error(), "mode 0644") {
		t.Fatalf("a readable output with --resume: %v", err)
	}

	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(out, link); err != nil {
		t.Fatal(err)
	}
	if err := CheckOutPath(link, true); !errors.As(err, &notOurs) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("a symlinked output: %v", err)
	}
	other := filepath.Join(dir, "other.jsonl")
	if err := os.Symlink(out, FailedPath(other)); err != nil {
		t.Fatal(err)
	}
	if err := CheckOutPath(other, false); !errors.As(err, &notOurs) || !strings.Contains(err.Error(), FailedPath(other)) {
		t.Fatalf("a symlinked failed file: %v", err)
	}
	if err := CheckOutPath(dir, false); !errors.As(err, &notOurs) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("a directory: %v", err)
	}
}
