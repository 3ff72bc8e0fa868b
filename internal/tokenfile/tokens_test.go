package tokenfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/usage"
)

func readTokens(t *testing.T, r *Reader) []Entry {
	t.Helper()
	defer func() { _ = r.Close() }()
	var out []Entry
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every file an axero command writes with token IDs reads as the same
// records, whatever its format: create-for-user's and a renewal's JSON
// Lines and CSV, the audit's JSON array and CSV, a failed file, a plain
// CSV; with a byte order mark and CRLF, names in any case, IDs as numbers
// or strings, and the CSV neutralisation undone.
func TestEveryTokenFileReadsTheSame(t *testing.T) {
	t.Parallel()
	files := map[string]struct {
		content string
		format  Format
	}{
		"bulk.jsonl": {`{"user":"jdoe","UserID":3,"TokenID":100,"name":"=ci","expiry":"2027-01-01T00:00:00Z","token":"eyJ.a.b"}` + "\n", FormatJSONLines},
		"bulk.csv":   {"user,UserID,TokenID,name,expiry,token\njdoe,3,100,'=ci,2027-01-01T00:00:00Z,eyJ.a.b\n", FormatCSV},
		"audit.json": {"[\n" + `{"UserID":3,"UserName":"jdoe","TokenID":100,"Name":"=ci","Type":"impersonation","Expires":"2027-01-01T00:00:00Z","Findings":[]}` + "\n]\n", FormatJSONArray},
		"audit.csv":  {"UserID,UserName,TokenID,Name,Type,CreatedByUserID,CreatedBy,Created,LastUsed,Expires,Findings\r\n3,jdoe,100,'=ci,impersonation,1,admin,2026-01-01T00:00:00Z,,2027-01-01T00:00:00Z,\r\n", FormatCSV},
		"failed.csv": {"\ufeffuser,UserID,TokenID,name,expiry,token,reason\r\njdoe,3,100,'=ci,2027-01-01T00:00:00Z,eyJ.a.b,'=why\r\n", FormatCSV},
		"plain.csv":  {"tokenid,userid,name,user,expires\n\"100\", 3 ,=ci,jdoe,2027-01-01T00:00:00Z\n", FormatCSV},
		"strs.jsonl": {`{"tokenid":"100","userid":"3","Name":"=ci","User":"jdoe","expiry":"2027-01-01T00:00:00Z"}` + "\n", FormatJSONLines},
	}
	for name, f := range files {
		r, err := Open(writeFile(t, name, f.content))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Format() != f.format {
			t.Errorf("%s: format %d, want %d", name, r.Format(), f.format)
		}
		es := readTokens(t, r)
		if len(es) != 1 || es[0].Err != nil {
			t.Fatalf("%s: %+v", name, es)
		}
		e := es[0]
		if e.UserID != 3 || e.TokenID != 100 || e.User != "jdoe" || e.Name != "=ci" || e.Expiry == nil || e.Expiry.Year() != 2027 {
			t.Errorf("%s: %+v", name, e.Record)
		}
	}
}

func TestJSONLinesDamagedRecordsAndATornTail(t *testing.T) {
	t.Parallel()
	good := `{"user":"jdoe","UserID":3,"TokenID":100,"name":"ci","expiry":"2027-01-01T00:00:00Z","token":"eyJ.a.b"}` + "\n"
	complete := "\n" + good + "not json\n" + `{"user":"u","UserID":"x","TokenID":5}` + "\n" + `{"user":"u","UserID":4}` + "\n"
	p := writeFile(t, "new.jsonl", complete+`{"user":"x","UserID":4,"TokenID":10`)
	r, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	all := readTokens(t, r)
	if len(all) != 5 {
		t.Fatalf("%d entries", len(all))
	}
	if e := all[0]; e.Err != nil || e.UserID != 3 || e.TokenID != 100 || e.Token != "eyJ.a.b" || e.Line != 2 {
		t.Fatalf("first %+v", e)
	}
	for _, e := range all[1:] {
		if e.Err == nil || strings.Contains(e.Err.Error(), "eyJ") {
			t.Fatalf("damaged record read, or its error quotes the file: %+v", e)
		}
	}
	// A torn last line is left out, and Size ends before it.
	f, err := os.Open(p) //nolint:gosec // the test's own file
	if err != nil {
		t.Fatal(err)
	}
	r, err = OpenComplete(f, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(readTokens(t, r)); n != 4 || r.Size() != int64(len(complete)) {
		t.Fatalf("%d complete records, size %d; want 4 and %d", n, r.Size(), len(complete))
	}
}

func TestTokenFileProblemsAreUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.csv":   " \n",
		"nocol.csv":   "id,user\n1,2\n",
		"broken.json": "[{\"TokenID\": 1},",
	} {
		r, err := Open(writeFile(t, name, content))
		if err == nil {
			for err == nil {
				_, err = r.Next()
			}
		}
		var ie *usage.Error
		if !errors.As(err, &ie) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v, want one line of *usage.Error", name, err)
		}
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "nosuch.csv")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing file: %v", err)
	}
}
