package job

import (
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// openSinks opens out's durable files for a run that delivers to sinks.
func openSinks(t *testing.T, out string, resume bool, sinks []string) (*Durable, error) {
	t.Helper()
	lock, err := AcquireLock(out)
	if err != nil {
		t.Fatal(err)
	}
	return OpenDurable(DurableOptions{Out: out, Lock: lock, Resume: resume, Start: t0, Sinks: sinks})
}

// A delivering run records its sinks in a version 3 header (and their
// number in the lock file); a resume reads them back, and refuses other
// sinks with a usage error.
func TestADeliveringRunRecordsItsSinks(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	sinks := []string{"vault:secret/axero/{{.UserName}}#token", "file:/x/{{.UserID}}"}
	d, err := openSinks(t, out, false, sinks)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
	b, _ := os.ReadFile(JournalPath(out))
	if !strings.Contains(string(b), `"v":3`) || !strings.Contains(string(b), `"sinks":["vault:secret/axero/{{.UserName}}#token"`) {
		t.Fatalf("header: %s", b)
	}
	e, err := EarlierSinks(out)
	if err != nil || !e.Known || !slices.Equal(e.Sinks, sinks) {
		t.Fatalf("earlier %+v, %v", e, err)
	}
	if got, err := e.ResumeSinks(out, nil); err != nil || !slices.Equal(got, sinks) {
		t.Fatalf("a resume without --to: %v %v", got, err)
	}
	var se *SinksError
	if _, err := e.ResumeSinks(out, sinks[:1]); !errors.As(err, &se) || !se.Usage() || !strings.Contains(err.Error(), "leave out --to") {
		t.Fatalf("other sinks: %v", err)
	}
	// The durable layer refuses other sinks too, whoever asks.
	if _, err := openSinks(t, out, true, sinks[:1]); !errors.As(err, &se) {
		t.Fatalf("OpenDurable with other sinks: %v", err)
	}
	d, err = openSinks(t, out, true, sinks)
	if err != nil {
		t.Fatal(err)
	}
	_ = d.Close()

	// With the journal gone, the lock file still says that the run
	// delivered: a resume must name the sinks.
	if err := os.Remove(JournalPath(out)); err != nil {
		t.Fatal(err)
	}
	e, err = EarlierSinks(out)
	if err != nil || e.Known || !e.Delivering {
		t.Fatalf("earlier %+v, %v", e, err)
	}
	if _, err := e.ResumeSinks(out, nil); !errors.As(err, &se) || !se.Unknown {
		t.Fatalf("a resume without --to and without a journal: %v", err)
	}
	if _, err := openSinks(t, out, true, nil); !errors.As(err, &se) {
		t.Fatalf("OpenDurable without sinks nor journal: %v", err)
	}
	if got, err := e.ResumeSinks(out, sinks); err != nil || !slices.Equal(got, sinks) {
		t.Fatalf("a resume naming the sinks: %v %v", got, err)
	}
}

// A run that delivers nowhere writes the version 2 journal it always
// wrote, which every axero resumes; sinks cannot be added on a resume.
func TestARunWithoutSinksKeepsVersion2(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	firstRun(t, out)
	b, _ := os.ReadFile(JournalPath(out))
	if !strings.HasPrefix(string(b), `{"op":"header","v":2,`) || strings.Contains(string(b), "sinks") {
		t.Fatalf("header: %s", b)
	}
	e, err := EarlierSinks(out)
	if err != nil || !e.Known || len(e.Sinks) != 0 {
		t.Fatalf("earlier %+v, %v", e, err)
	}
	var se *SinksError
	if _, err := e.ResumeSinks(out, []string{"vault:a/b#c"}); !errors.As(err, &se) || !strings.Contains(err.Error(), "cannot add --to") {
		t.Fatalf("adding sinks on a resume: %v", err)
	}
	if _, err := openSinks(t, out, true, []string{"vault:a/b#c"}); !errors.As(err, &se) {
		t.Fatalf("OpenDurable adding sinks: %v", err)
	}
}

// A journal written before sinks existed (version 2, exactly as an older
// axero wrote it) is still resumed; a header that is neither a sound
// version 2 nor a sound version 3 is not a header.
func TestJournalVersionsReadBack(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := fmt.Sprintf(`{"op":"header","v":2,"run":"0123456789abcdef01234567","out":"out.jsonl","UserID":0,"at":%q}`, at.Format(time.RFC3339))
	for _, c := range []struct {
		header string
		ok     bool
	}{
		{old, true},
		{`{"op":"header","v":3,"run":"0123456789abcdef01234567","out":"out.jsonl","UserID":0,"at":"2026-01-02T03:04:05Z","sinks":["vault:a/b#c"]}`, true},
		{`{"op":"header","v":3,"run":"0123456789abcdef01234567","out":"out.jsonl","UserID":0,"at":"2026-01-02T03:04:05Z"}`, false},
		{`{"op":"header","v":2,"run":"0123456789abcdef01234567","out":"out.jsonl","UserID":0,"at":"2026-01-02T03:04:05Z","sinks":["vault:a/b#c"]}`, false},
		{`{"op":"header","v":4,"run":"0123456789abcdef01234567","out":"out.jsonl","UserID":0,"at":"2026-01-02T03:04:05Z","sinks":["vault:a/b#c"]}`, false},
	} {
		rec, ok := decodeJournalLine(withCRC(c.header))
		if !ok || validHeader(rec) != c.ok {
			t.Errorf("%s: decoded %v, valid %v, want %v", c.header, ok, validHeader(rec), c.ok)
		}
	}
	// The older journal, end to end: a resume reads it and appends.
	dir := t.TempDir()
	out := filepath.Join(dir, "out.jsonl")
	intent := `{"op":"intent","user":"u","UserID":7,"name":"n","at":"2026-01-02T03:05:00Z"}`
	if err := os.WriteFile(JournalPath(out), []byte(string(withCRC(old))+"\n"+string(withCRC(intent))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	d, _, journal, err := openRun(t, out, true, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	if d.Warning != "" || len(journal) != 1 || journal[0].UserID != 7 || !d.Since.Equal(at) {
		t.Fatalf("warning %q, journal %+v, since %v", d.Warning, journal, d.Since)
	}
}

// withCRC is a journal line of jsonText as written by hand, without its
// newline.
func withCRC(jsonText string) []byte {
	b := []byte(jsonText)
	return fmt.Appendf(b, "\t%08x", crc32.Checksum(b, journalCRC))
}
