package bulk

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
)

// Journal operations.
const (
	opHeader     = "header"     // the first line: which output and run the journal belongs to
	opIntent     = "intent"     // a create is about to be sent
	opDone       = "done"       // its token is in the output file
	opFailed     = "failed"     // the row failed and no token of it is active
	opRevoked    = "revoked"    // a token whose secret never arrived was revoked
	opReconciled = "reconciled" // an unfinished intent of an earlier run was settled
	// opRecheck: the journal could not be trusted once, so every run of
	// this output checks each user's tokens before minting (see recheck.go).
	opRecheck = "recheck"
)

// journalVersion is the format written: checksummed lines under a header.
const journalVersion = 2

// JournalRecord is one line of the journal. It never holds a secret: a
// crash leaves only what is needed to find and revoke a token whose answer
// was lost.
type JournalRecord struct {
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
}

// Each line of the journal is a JSON record, a tab and the CRC-32C of the
// JSON in 8 hex digits. JSON never holds a raw tab, so the last tab splits
// a line. The checksum tells a damaged line from a sound one, so that a
// resume does not act on a record that was not written as it reads.
var journalCRC = crc32.MakeTable(crc32.Castagnoli)

func encodeJournalLine(rec JournalRecord) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	if len(b)+9 > maxJournalLine {
		return nil, fmt.Errorf("a journal record of %d bytes is too long", len(b))
	}
	return fmt.Appendf(b, "\t%08x\n", crc32.Checksum(b, journalCRC)), nil
}

// decodeJournalLine parses one line without its newline. ok is false for a
// line that is not exactly what encodeJournalLine wrote.
func decodeJournalLine(line []byte) (rec JournalRecord, ok bool) {
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

	mu      sync.Mutex // guards writes, written and size
	written uint64     // records written so far
	size    int64      // the file's length

	syncMu sync.Mutex // one fsync at a time
	synced uint64     // records known to be on disk
	err    error      // the first write or sync failure; the journal is then unusable
}

// CreateJournal creates a new journal at path, mode 0600, failing if
// anything exists there, and makes its header durable. run ties it to the
// lock file, out (a file name) to its output.
func CreateJournal(path, out, run string, started time.Time) (*Journal, error) {
	f, err := createPrivate(path, os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return nil, fmt.Errorf("creating the journal %s: %w", path, unwrapPath(err))
	}
	j := &Journal{f: f}
	hdr := JournalRecord{Op: opHeader, V: journalVersion, Run: run, Out: filepath.Base(out), At: started.UTC()}
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
	f, err := openOurs(path, what, os.O_WRONLY, true)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("%s disappeared while it was being opened", what)
	}
	if err := f.Truncate(validSize); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", what, unwrapPath(err))
	}
	if _, err := f.Seek(validSize, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &Journal{f: f, size: validSize}, nil
}

// OpenJournal opens the journal at path for appending, or creates it with
// a header of a new run for the output the path is the journal of.
func OpenJournal(path string) (*Journal, error) {
	f, err := openOurs(path, "the journal "+path, os.O_RDONLY, true)
	if err != nil {
		return nil, err
	}
	if f == nil {
		out := path[:len(path)-len(filepath.Ext(path))]
		return CreateJournal(path, out, newRunID(), time.Now())
	}
	st, err := ReadJournal(f)
	_ = f.Close()
	if err != nil {
		return nil, err
	}
	return appendJournal(path, st.Size)
}

// Append writes rec without waiting for the disk.
func (j *Journal) Append(rec JournalRecord) error {
	_, err := j.append(rec)
	return err
}

func (j *Journal) append(rec JournalRecord) (uint64, error) {
	if j == nil {
		return 0, nil // a dry run keeps no journal
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
	n, err := j.f.Write(b)
	j.size += int64(n)
	if err != nil {
		j.err = fmt.Errorf("writing the journal: %w", err)
		return 0, j.err
	}
	j.written++
	return j.written, nil
}

// AppendSync writes rec and returns once it is on disk.
func (j *Journal) AppendSync(rec JournalRecord) error {
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

// Size is the journal's length in bytes, and Err the failure that made it
// unusable, if any: the lock file is sealed only with a sound journal.
func (j *Journal) Size() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size
}

func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Close syncs and closes the journal.
func (j *Journal) Close() error {
	serr := j.f.Sync()
	cerr := j.f.Close()
	return errors.Join(serr, cerr)
}

// pendingIntent is an intent with no outcome recorded after it.
type pendingIntent struct {
	User   string
	UserID int64
	Name   string
	At     time.Time // the earliest unsettled attempt for this user
}

// ReadPendingIntents returns, in journal order, the intents that no done,
// failed or reconciled record settles: the creates whose outcome a crashed
// run never learned. A missing journal has none. Damaged lines are
// skipped: a resume has already noticed them and checks every user's
// tokens (recheck.go).
func ReadPendingIntents(path string) ([]pendingIntent, error) {
	f, err := openOurs(path, "the journal "+path, os.O_RDONLY, false)
	if err != nil || f == nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	st, err := ReadJournal(f)
	if err != nil {
		return nil, err
	}
	return st.Pending, nil
}
