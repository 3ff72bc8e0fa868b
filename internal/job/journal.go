package job

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
)

// JournalPath is the journal kept beside the output out.
func JournalPath(out string) string { return out + ".journal" }

// opHeader is the journal's first line: which output and run it belongs
// to. Every other operation is the durable operation's own.
const opHeader = "header"

// The formats written: checksummed lines under a header. A run that
// delivers each token to sinks (--to) writes version 3, whose header
// names the sinks; a run that does not writes version 2, as before, so
// that an older axero still resumes it. An older axero refuses a version
// 3 journal rather than finish a delivering run without its sinks (it
// would revoke old tokens that no sink holds the replacement of).
const (
	journalVersion         = 2
	journalVersionDelivers = 3
)

// maxHeaderSinks bounds the sink templates a header names.
const maxHeaderSinks = 32

// Record is one line of the journal. It never holds a secret: a crash
// leaves only what is needed to find and revoke a token whose answer was
// lost.
type Record struct {
	Op      string    `json:"op"`
	V       int       `json:"v,omitempty"`   // header: the format version
	Run     string    `json:"run,omitempty"` // header: the run ID, also in the lock file
	Out     string    `json:"out,omitempty"` // header: the output's file name
	User    string    `json:"user,omitempty"`
	UserID  int64     `json:"UserID"`
	Name    string    `json:"name,omitempty"`
	At      time.Time `json:"at"` // header: when the output's first run started
	TokenID int64     `json:"TokenID,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	// Sinks are, in a version 3 header, the sink templates of the run.
	Sinks []string `json:"sinks,omitempty"`
	// Sink and Step are one step of a delivery: the sink (rendered for
	// the row) and the step with its outcome ("put", "put:ok",
	// "put:failed", ...).
	Sink string `json:"sink,omitempty"`
	Step string `json:"step,omitempty"`
}

// Each line of the journal is a JSON record, a tab and the CRC-32C of the
// JSON in 8 hex digits. JSON never holds a raw tab, so the last tab splits
// a line. The checksum tells a damaged line from a sound one, so that a
// resume does not act on a record that was not written as it reads.
var journalCRC = crc32.MakeTable(crc32.Castagnoli)

func encodeJournalLine(rec Record) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if len(b)+9 > maxJournalLine {
		return nil, fmt.Errorf("a journal record of %d bytes is too long", len(b))
	}
	return fmt.Appendf(b, "\t%08x\n", crc32.Checksum(b, journalCRC)), nil
}

// decodeJournalLine parses one line without its newline. ok is false for
// a line that is not exactly what encodeJournalLine wrote.
func decodeJournalLine(line []byte) (rec Record, ok bool) {
	i := bytes.LastIndexByte(line, '\t')
	if i < 0 || len(line)-i-1 != 8 {
		return rec, false
	}
	var sum [4]byte
	if _, err := hex.Decode(sum[:], line[i+1:]); err != nil {
		return rec, false
	}
	body := line[:i]
	want := uint32(sum[0])<<24 | uint32(sum[1])<<16 | uint32(sum[2])<<8 | uint32(sum[3])
	if crc32.Checksum(body, journalCRC) != want {
		return rec, false
	}
	if err := json.Unmarshal(body, &rec); err != nil || rec.Op == "" {
		return rec, false
	}
	return rec, true
}

// newRunID is a random identifier of an output's run, written in the
// journal's header and in the lock file.
func newRunID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

func validRunID(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// Journal is the append-only log beside the output file that makes a run
// recoverable after a crash. Intents are durable (fsynced) before their
// create is sent; concurrent intents share one fsync, so the journal does
// not serialise the workers on the disk.
type Journal struct {
	f *os.File

	mu      sync.Mutex // guards writes, written and err
	written uint64     // records written so far

	syncMu sync.Mutex // one fsync at a time
	synced uint64     // records known to be on disk
	err    error      // the first write or sync failure; the journal is then unusable
}

// createJournal creates a new journal at path, mode 0600, failing if
// anything exists there, and makes its header durable. run ties it to the
// lock file, out (a file name) to its output.
func createJournal(path, out, run string, started time.Time, sinks []string) (*Journal, error) {
	f, err := safefile.Create(path, os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return nil, fmt.Errorf("creating the journal %s: %w", path, safefile.Unwrap(err))
	}
	j := &Journal{f: f}
	hdr := Record{Op: opHeader, V: journalVersion, Run: run, Out: filepath.Base(out), At: started.UTC()}
	if len(sinks) > 0 {
		hdr.V, hdr.Sinks = journalVersionDelivers, sinks
	}
	if err := j.AppendSync(hdr); err != nil {
		_ = f.Close()
		return nil, err
	}
	return j, nil
}

// appendJournal opens an existing journal for appending, after cutting
// off a torn last line (validSize is where the last complete line ends):
// the next record must start on a line of its own.
func appendJournal(path string, validSize int64) (*Journal, error) {
	what := "the journal " + path
	f, err := safefile.OpenExisting(path, os.O_WRONLY, true)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("%s disappeared while it was being opened", what)
	}
	if err := f.Truncate(validSize); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", what, safefile.Unwrap(err))
	}
	if _, err := f.Seek(validSize, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &Journal{f: f}, nil
}

// Append writes rec without waiting for the disk. A nil journal (a dry
// run keeps none) takes nothing.
func (j *Journal) Append(rec Record) error {
	_, err := j.append(rec)
	return err
}

func (j *Journal) append(rec Record) (uint64, error) {
	if j == nil {
		return 0, nil
	}
	b, err := encodeJournalLine(rec)
	if err != nil {
		return 0, err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return 0, j.err
	}
	if _, err := j.f.Write(b); err != nil {
		j.err = fmt.Errorf("writing the journal: %w", err)
		return 0, j.err
	}
	j.written++
	return j.written, nil
}

// AppendSync writes rec and returns once it is on disk.
func (j *Journal) AppendSync(rec Record) error {
	seq, err := j.append(rec)
	if err != nil || j == nil {
		return err
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.synced >= seq {
		return nil // another caller's fsync covered this record
	}
	j.mu.Lock()
	upto := j.written
	j.mu.Unlock()
	if err := j.f.Sync(); err != nil {
		j.mu.Lock()
		j.err = fmt.Errorf("syncing the journal: %w", err)
		j.mu.Unlock()
		return j.err
	}
	j.synced = upto
	return nil
}

// Close syncs and closes the journal.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	return errors.Join(j.f.Sync(), j.f.Close())
}
