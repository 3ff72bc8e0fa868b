package bulk

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzJournalRead feeds ReadJournal arbitrary bytes. It must not panic,
// must allocate in proportion to what it reads (garbage is skipped, not
// kept), and must account for every byte. The same bytes, cut into users
// and names, are also written as a journal that must read back exactly.
func FuzzJournalRead(f *testing.F) {
	var valid bytes.Buffer
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, r := range []JournalRecord{
		{Op: opHeader, V: journalVersion, Run: "0123456789abcdef01234567", Out: "out.jsonl", At: at},
		{Op: opIntent, User: "jdoe", UserID: 42, Name: "jdoe-2026-11-26", At: at},
		{Op: opIntent, User: "=x", UserID: 43, Name: "n", At: at},
		{Op: opDone, UserID: 42, TokenID: 7, At: at},
	} {
		line, _ := encodeJournalLine(r)
		valid.Write(line)
	}
	f.Add(valid.Bytes())
	f.Add(valid.Bytes()[:valid.Len()-7])                               // torn
	f.Add(bytes.Replace(valid.Bytes(), []byte("42"), []byte("24"), 1)) // damaged
	f.Add([]byte(`{"op":"intent","UserID":1}` + "\n"))                 // the old format
	f.Add([]byte("\x00\xff\n\n\t\t00000000\n"))
	f.Add(bytes.Repeat([]byte("A"), 3*maxJournalLine))

	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		st, err := ReadJournal(bytes.NewReader(data))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("a bytes.Reader cannot fail: %v", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(data)+256<<10) {
			t.Fatalf("%d bytes of input made ReadJournal allocate %d", len(data), grew)
		}
		if st.Total != int64(len(data)) || st.Size > st.Total || st.Damaged > st.Lines || len(st.Pending) > st.Lines {
			t.Fatalf("inconsistent state %+v for %d bytes", st, len(data))
		}

		// Round trip: records built from the input read back as written.
		parts := strings.Split(string(data), "\n")
		var j bytes.Buffer
		hdr := JournalRecord{Op: opHeader, V: journalVersion, Run: "00112233445566778899aabb", Out: "o.csv", At: at}
		line, err := encodeJournalLine(hdr)
		if err != nil {
			t.Fatal(err)
		}
		j.Write(line)
		var want []pendingIntent
		for i, p := range parts {
			if i >= 50 {
				break
			}
			user := strings.ToValidUTF8(p[:min(len(p), maxField)], "?") // JSON carries UTF-8 only
			rec := JournalRecord{Op: opIntent, User: user, UserID: int64(i + 1), Name: user, At: at}
			line, err := encodeJournalLine(rec)
			if err != nil {
				t.Fatal(err)
			}
			j.Write(line)
			want = append(want, pendingIntent{User: user, UserID: int64(i + 1), Name: user, At: at})
		}
		got, err := ReadJournal(bytes.NewReader(j.Bytes()))
		if err != nil || got.Header == nil || *got.Header != hdr || got.Damaged != 0 || got.Torn() || got.Size != int64(j.Len()) {
			t.Fatalf("a valid journal did not read back: %+v %v", got, err)
		}
		if len(got.Pending) != len(want) {
			t.Fatalf("%d pending, want %d", len(got.Pending), len(want))
		}
		for i := range want {
			if got.Pending[i] != want[i] {
				t.Fatalf("pending %d: %+v, want %+v", i, got.Pending[i], want[i])
			}
		}
	})
}
