package job

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/tokenfile"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// openRun takes out's lock and opens its durable files.
func openRun(t *testing.T, out string, resume bool, start time.Time) (*Durable, []tokenfile.Record, []Record, error) {
	t.Helper()
	lock, err := AcquireLock(out)
	if err != nil {
		return nil, nil, nil, err
	}
	var recs []tokenfile.Record
	var journal []Record
	d, err := OpenDurable(DurableOptions{Out: out, Lock: lock, Resume: resume, Start: start,
		Output:  func(r tokenfile.Record) { recs = append(recs, r) },
		Journal: func(r Record) { journal = append(journal, r) }})
	return d, recs, journal, err
}

// firstRun leaves out with one record committed and one intent
// journaled, as a run killed mid-way does.
func firstRun(t *testing.T, out string) {
	t.Helper()
	d, _, _, err := openRun(t, out, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Commit(tokenfile.Record{User: "a", UserID: 1, TokenID: 10, Name: "n", Token: "s"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Journal().AppendSync(Record{Op: "intent", UserID: 2, Name: "n", At: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	_ = d.Close()
}

func TestAFreshRunRefusesWhatAnEarlierRunLeft(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	firstRun(t, out)
	_, _, _, err := openRun(t, out, false, t0)
	var ee *tokenfile.ExistsError
	if !errors.As(err, &ee) {
		t.Fatalf("an existing output: %v", err)
	}
	_ = os.Remove(out)
	if _, _, _, err = openRun(t, out, false, t0); err == nil || !strings.Contains(err.Error(), "pass --resume to settle and finish that run") {
		t.Fatalf("an existing journal: %v", err)
	}
}

// A resume hands back the output's records and the journal's, and knows
// since when the earlier runs may have minted; an intact journal draws
// no warning.
func TestAResumeReadsWhatTheEarlierRunsLeft(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	firstRun(t, out)
	d, recs, journal, err := openRun(t, out, true, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	if len(recs) != 1 || recs[0].TokenID != 10 || len(journal) != 1 || journal[0].UserID != 2 {
		t.Fatalf("records %+v, journal %+v", recs, journal)
	}
	if !d.Since.Equal(t0) || d.Warning != "" {
		t.Fatalf("since %v, warning %q", d.Since, d.Warning)
	}
}

// A journal that is missing, damaged or cut off mid-line does not stop a
// resume: it says so, and the lock file still says since when to check.
// With neither journal nor lock file, nothing says that: it refuses.
func TestAResumeSaysWhatIsWrongWithTheJournal(t *testing.T) {
	t.Parallel()
	for damage, want := range map[string]string{
		"missing": "is missing",
		"damaged": "is damaged at line 2",
		"torn":    "ends in a line cut off",
	} {
		out := filepath.Join(t.TempDir(), "out.jsonl")
		firstRun(t, out)
		jpath := JournalPath(out)
		raw, _ := os.ReadFile(jpath) //nolint:gosec // the test's own file
		switch damage {
		case "missing":
			_ = os.Remove(jpath)
		case "damaged":
			raw[len(raw)-12] ^= 1
			_ = os.WriteFile(jpath, raw, 0o600) //nolint:gosec // the test's own journal
		case "torn":
			_ = os.WriteFile(jpath, append(raw, `{"op":"intent","UserID":10`...), 0o600) //nolint:gosec // the test's own journal
		}
		d, _, _, err := openRun(t, out, true, t0.Add(time.Hour))
		if err != nil {
			t.Fatalf("%s: %v", damage, err)
		}
		if !strings.Contains(d.Warning, want) || !d.Since.Equal(t0) {
			t.Errorf("%s: warning %q since %v", damage, d.Warning, d.Since)
		}
		_ = d.Journal().Append(Record{Op: "done", UserID: 2, At: t0})
		_ = d.Close()
		f, _ := os.Open(jpath) //nolint:gosec // the test's own file
		st, err := scanJournal(f, nil)
		_ = f.Close()
		if err != nil || st.torn() || st.header == nil || (damage != "damaged" && st.damaged != 0) {
			t.Errorf("%s: the journal was not continued cleanly: %+v %v", damage, st, err)
		}
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	firstRun(t, out)
	_ = os.Remove(JournalPath(out))
	_ = os.Remove(LockPath(out))
	if _, _, _, err := openRun(t, out, true, t0); err == nil || !strings.Contains(err.Error(), "cannot resume") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("neither journal nor lock file: %v", err)
	}
}

func TestAResumeRefusesAnotherOutputsJournal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	firstRun(t, a)
	firstRun(t, b)
	raw, _ := os.ReadFile(JournalPath(a)) //nolint:gosec // the test's own file
	_ = os.WriteFile(JournalPath(b), raw, 0o600)
	_, _, _, err := openRun(t, b, true, t0)
	var ne *safefile.RefusedError
	if !errors.As(err, &ne) || !strings.Contains(err.Error(), `belongs to the output "a.jsonl"`) {
		t.Fatalf("got %v", err)
	}
	_ = os.WriteFile(JournalPath(b), []byte("not a journal\n"), 0o600)
	if _, _, _, err = openRun(t, b, true, t0); !errors.As(err, &ne) || !strings.Contains(err.Error(), "no valid header") {
		t.Fatalf("got %v", err)
	}
}

// After a failed commit the output is suspect: every later commit fails.
func TestCommitFailsForGoodAfterAFailure(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "out.jsonl")
	d, _, _, err := openRun(t, out, false, t0)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Close() }()
	_ = d.commit.out.Close() // the disk goes away
	if err := d.Commit(tokenfile.Record{UserID: 1, TokenID: 2}); err == nil {
		t.Fatal("a commit to a closed file succeeded")
	}
	if err := d.Commit(tokenfile.Record{UserID: 1, TokenID: 3}); err == nil {
		t.Fatal("a commit after a failure succeeded")
	}
}
