package job

import (
	"bytes"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzJournalRead feeds scanJournal arbitrary bytes. It must not panic,
// must allocate in proportion to what it reads (garbage is skipped, not
// kept), and must account for every byte. The same bytes, cut into users
// and names, are also written as a journal that must read back exactly.
func FuzzJournalRead(f *testing.F) {
	var valid bytes.Buffer
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, r := range []Record{
		{Op: opHeader, V: journalVersion, Run: "0123456789abcdef01234567", Out: "out.jsonl", At: at},
		{Op: "intent", User: "jdoe", UserID: 42, Name: "jdoe-2026-11-26", At: at},
		{Op: "intent", User: "=x", UserID: 43, Name: "n", At: at},
		{Op: "done", UserID: 42, TokenID: 7, At: at},
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
		lines := 0
		st, err := scanJournal(bytes.NewReader(data), func(Record) { lines++ })
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatalf("a bytes.Reader cannot fail: %v", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(64*len(data)+256<<10) {
			t.Fatalf("%d bytes of input made scanJournal allocate %d", len(data), grew)
		}
		if st.total != int64(len(data)) || st.size > st.total || lines+st.damaged > bytes.Count(data, []byte("\n")) {
			t.Fatalf("inconsistent state %+v (%d records) for %d bytes", st, lines, len(data))
		}

		// Round trip: records built from the input read back as written.
		parts := strings.Split(string(data), "\n")
		var j bytes.Buffer
		hdr := Record{Op: opHeader, V: journalVersion, Run: "00112233445566778899aabb", Out: "o.csv", At: at}
		line, err := encodeJournalLine(hdr)
		if err != nil {
			t.Fatal(err)
		}
		j.Write(line)
		var want []Record
		for i, p := range parts {
			if i >= 50 {
				break
			}
			user := strings.ToValidUTF8(p[:min(len(p), 1024)], "?") // JSON carries UTF-8 only
			rec := Record{Op: "intent", User: user, UserID: int64(i + 1), Name: user, At: at}
			line, err := encodeJournalLine(rec)
			if err != nil {
				t.Fatal(err)
			}
			j.Write(line)
			want = append(want, rec)
		}
		var got []Record
		st, err = scanJournal(bytes.NewReader(j.Bytes()), func(r Record) { got = append(got, r) })
		if err != nil || st.header == nil || !reflect.DeepEqual(*st.header, hdr) || st.damaged != 0 || st.torn() || st.size != int64(j.Len()) {
			t.Fatalf("a valid journal did not read back: %+v %v", st, err)
		}
		if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
			t.Fatalf("read back %+v, want %+v", got, want)
		}
	})
}
