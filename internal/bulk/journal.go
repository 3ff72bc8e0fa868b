package bulk

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Journal operations.
const (
	opIntent     = "intent"     // a create is about to be sent
	opDone       = "done"       // its token is in the output file
	opFailed     = "failed"     // the row failed and no token of it is active
	opRevoked    = "revoked"    // a token whose secret never arrived was revoked
	opReconciled = "reconciled" // an unfinished intent of an earlier run was settled
)

// JournalRecord is one line of the journal. It never holds a secret: a
// crash leaves only what is needed to find and revoke a token whose answer
// was lost.
type JournalRecord struct {
	Op      string    `json:"op"`
	User    string    `json:"user,omitempty"`
	UserID  int64     `json:"UserID"`
	Name    string    `json:"name,omitempty"`
	At      time.Time `json:"at"`
	TokenID int64     `json:"TokenID,omitempty"`
	Reason  string    `json:"reason,omitempty"`
}

// Journal is the append-only log beside the output file that makes a run
// recoverable after a crash. Intents are durable (fsynced) before their
// create is sent; concurrent intents share one fsync, so the journal does
// not serialise the workers on the disk.
type Journal struct {
	f *os.File

	mu      sync.Mutex // guards writes and written
	written uint64     // records written so far

	syncMu sync.Mutex // one fsync at a time
	synced uint64     // records known to be on disk
	err    error      // the first write or sync failure; the journal is then unusable
}

// OpenJournal opens path for appending, creating it with mode 0600.
func OpenJournal(path string) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the journal: %w", err)
	}
	return &Journal{f: f}, nil
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
	b, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	b = append(b, '\n')
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
// run never learned. A missing journal has none. A torn last line (the
// process died while writing it) is ignored: its create was never sent,
// because intents are durable before sending.
func ReadPendingIntents(path string) ([]pendingIntent, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the journal: %w", err)
	}
	defer f.Close()
	pending := map[int64]*pendingIntent{}
	var order []int64
	br := bufio.NewReader(f)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			break // a last line without a newline is torn
		}
		if err != nil {
			return nil, fmt.Errorf("reading the journal: %w", err)
		}
		var rec JournalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			return nil, fmt.Errorf("the journal %s is damaged at line %d", path, lineNo)
		}
		switch rec.Op {
		case opIntent:
			if p, ok := pending[rec.UserID]; ok {
				// A retry of an unsettled attempt: keep the earliest time so
				// that reconciliation covers both.
				if p.Name == rec.Name {
					continue
				}
			}
			if _, ok := pending[rec.UserID]; !ok {
				order = append(order, rec.UserID)
			}
			pending[rec.UserID] = &pendingIntent{User: rec.User, UserID: rec.UserID, Name: rec.Name, At: rec.At}
		case opDone, opFailed, opReconciled:
			delete(pending, rec.UserID)
		}
	}
	out := make([]pendingIntent, 0, len(pending))
	for _, id := range order {
		if p, ok := pending[id]; ok {
			out = append(out, *p)
			delete(pending, id) // a user re-added later appears once
		}
	}
	return out, nil
}
