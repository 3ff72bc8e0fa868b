package bulk

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReadJournalPassesEveryOpAndSkipsATornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.journal")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	_ = j.AppendSync(JournalRecord{Op: "renew-intent", UserID: 7, TokenID: 11, Name: "n", At: at})
	_ = j.AppendSync(JournalRecord{Op: opDone, UserID: 7, TokenID: 12, At: at})
	_ = j.Close()
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	_, _ = f.WriteString(`{"op":"intent","UserID":9`)
	_ = f.Close()

	var got []JournalRecord
	if err := ReadJournal(path, func(r JournalRecord) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Op != "renew-intent" || got[0].TokenID != 11 || !got[0].At.Equal(at) || got[1].TokenID != 12 {
		t.Fatalf("records %+v", got)
	}
	if err := ReadJournal(filepath.Join(t.TempDir(), "missing"), func(JournalRecord) error { return nil }); err != nil {
		t.Fatalf("a missing journal: %v", err)
	}
	_ = os.WriteFile(path, []byte("{\"op\":\"intent\"}\nnot json\n"), 0o600)
	if err := ReadJournal(path, func(JournalRecord) error { return nil }); err == nil {
		t.Fatal("a damaged journal was accepted")
	}
}
