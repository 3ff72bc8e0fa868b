package renew

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readEntries(t *testing.T, path string, completeOnly bool) ([]Entry, int64, error) {
	t.Helper()
	rr, err := OpenRecords(path, completeOnly)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = rr.Close() }()
	var out []Entry
	for {
		e, err := rr.Next()
		if errors.Is(err, io.EOF) {
			return out, rr.Size(), nil
		}
		if err != nil {
			return out, 0, err
		}
		out = append(out, e)
	}
}

func TestRecordsFromJSONLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "new.jsonl")
	good := `{"user":"jdoe","UserID":3,"TokenID":100,"name":"ci","expiry":"2027-01-01T00:00:00Z","token":"eyJ.a.b"}` + "\n"
	torn := `{"user":"x","UserID":4,"TokenID":10`
	_ = os.WriteFile(p, []byte("\n"+good+"not json\n"+`{"user":"u","UserID":0,"TokenID":5}`+"\n"+torn), 0o600)

	all, _, err := readEntries(t, p, false)
	if err != nil || len(all) != 4 {
		t.Fatalf("%d entries %v", len(all), err)
	}
	if r := all[0].Record; all[0].Err != nil || r.UserID != 3 || r.TokenID != 100 || r.Expiry == nil || r.Token != "eyJ.a.b" || all[0].Line != 2 {
		t.Fatalf("first %+v", all[0])
	}
	if all[1].Err == nil || all[2].Err == nil || all[3].Err == nil {
		t.Fatalf("damaged records accepted: %+v", all[1:])
	}
	if strings.Contains(all[1].Err.Error(), "eyJ") {
		t.Fatal("an error quotes the file's content")
	}
	// A torn last line is left out, and Size ends before it.
	complete, size, err := readEntries(t, p, true)
	if err != nil || len(complete) != 3 || size != int64(len("\n"+good+"not json\n"+`{"user":"u","UserID":0,"TokenID":5}`+"\n")) {
		t.Fatalf("%d entries, size %d, %v", len(complete), size, err)
	}
}

func TestRecordsFromCSV(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "old.csv")
	_ = os.WriteFile(p, []byte("\ufeffuser,UserID,TokenID,name,expiry,token,reason\r\n"+
		"jdoe,3,100,'=cmd,never,eyJ.a.b,why\r\n"+
		"\r\n"+
		"x,abc,1,n,never,t,\r\n"+
		"y,4,2,n,tomorrow,t,\r\n"), 0o600)
	es, _, err := readEntries(t, p, false)
	if err != nil || len(es) != 3 {
		t.Fatalf("%d entries %v", len(es), err)
	}
	if r := es[0].Record; es[0].Err != nil || r.Name != "=cmd" || r.Expiry != nil || r.UserID != 3 || r.Token != "eyJ.a.b" {
		t.Fatalf("first %+v %v", r, es[0].Err)
	}
	if es[1].Err == nil || es[2].Err == nil {
		t.Fatal("bad numbers or expiry accepted")
	}
	_ = os.WriteFile(p, []byte("user,name\njdoe,x\n"), 0o600)
	if _, err := OpenRecords(p, false); err == nil || !strings.Contains(err.Error(), "UserID") {
		t.Fatalf("a CSV without UserID: %v", err)
	}
	if _, err := OpenRecords(dir, false); err == nil {
		t.Fatal("a directory was accepted")
	}
}
