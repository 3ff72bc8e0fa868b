package bulk

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// A bulk run holds an exclusive advisory lock on <out>.lock for its whole
// life, so that two runs never write one output and one journal at once:
// two runs would each mint a token for the users the other had not yet
// recorded. The lock belongs to the open file, so the operating system
// drops it when the holder dies, however it dies: a lock file left behind
// by a killed run does not block the next one.
//
// The lock file also outlives the run as its seal. It names the run (the
// run ID the journal's header repeats, and when the output's first run
// started) and, once the run has ended cleanly, the journal's size at that
// moment. A resume compares them with the journal to notice a journal that
// was cut short, replaced or left unfinished by a killed run.

// LockPath is the lock file of the output out.
func LockPath(out string) string { return out + ".lock" }

// LockInfo is what a lock file says.
type LockInfo struct {
	PID         int       // the process that holds or last held the lock
	Run         string    // the run ID, also in the journal's header
	Started     time.Time // when the output's first run started
	Closed      bool      // the last holder ended cleanly...
	JournalSize int64     // ...leaving the journal this long
}

// Known reports whether the lock file named a run.
func (li LockInfo) Known() bool { return li.Run != "" && !li.Started.IsZero() }

// LockedError: another process holds the lock.
type LockedError struct {
	Path string // the output file
	PID  int    // 0 when the holder did not say
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("--out %s is in use by another axero run (PID %d); wait for it to finish", e.Path, e.PID)
	}
	return fmt.Sprintf("--out %s is in use by another axero run; wait for it to finish", e.Path)
}

// errLockHeld is what the platform's try-lock returns when the lock is
// taken.
var errLockHeld = errors.New("the lock is held")

// RunLock is the held lock of one bulk run.
type RunLock struct {
	f        *os.File
	path     string
	previous LockInfo
	info     LockInfo
}

// AcquireRunLock takes the lock of the output out without waiting. It
// returns a *LockedError naming the holder's PID when another run holds
// it, and refuses a lock path that is a symbolic link or not a regular
// file.
func AcquireRunLock(out string) (*RunLock, error) {
	path := LockPath(out)
	what := "the lock file " + path
	f, err := openLockFile(path, what)
	if err != nil {
		return nil, err
	}
	if err := tryLock(f); err != nil {
		info, _ := readLockInfo(f)
		_ = f.Close()
		if errors.Is(err, errLockHeld) {
			return nil, &LockedError{Path: out, PID: info.PID}
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	prev, _ := readLockInfo(f) // an unreadable lock file names no run
	return &RunLock{f: f, path: path, previous: prev}, nil
}

func openLockFile(path, what string) (*os.File, error) {
	for range 3 {
		fi, err := checkExisting(path, what)
		if err != nil {
			return nil, err
		}
		if fi != nil {
			return openExisting(path, what, os.O_RDWR, fi)
		}
		f, err := createPrivate(path, os.O_RDWR)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s: %w", what, unwrapPath(err))
		}
		// Another run created it between the check and the create.
	}
	return nil, &NotOursError{What: what, Why: "keeps changing while it is being opened"}
}

// Previous is what the lock file said before this run took it: the seal of
// the output's earlier run, if there was one.
func (l *RunLock) Previous() LockInfo { return l.previous }

// Start records this run in the lock file: its PID, the run ID and start
// time, and that it is running (not yet sealed).
func (l *RunLock) Start(run string, started time.Time) error {
	l.info = LockInfo{PID: os.Getpid(), Run: run, Started: started}
	return l.write()
}

// Seal records that the run ended cleanly with a journal of journalSize
// bytes. A run killed before this leaves the lock file unsealed.
func (l *RunLock) Seal(journalSize int64) error {
	l.info.Closed, l.info.JournalSize = true, journalSize
	return l.write()
}

// Release drops the lock. The file stays: it is the seal.
func (l *RunLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file drops the lock
	l.f = nil
	return err
}

func (l *RunLock) write() error {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d\nrun %s\nstarted %s\n", l.info.PID, l.info.Run, l.info.Started.UTC().Format(time.RFC3339Nano))
	if l.info.Closed {
		fmt.Fprintf(&b, "closed %d\n", l.info.JournalSize)
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("writing %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt([]byte(b.String()), 0); err != nil {
		return fmt.Errorf("writing %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", l.path, err)
	}
	return nil
}

// maxLockFile bounds what is read of a lock file: a real one is ~120 bytes.
const maxLockFile = 4096

// readLockInfo parses a lock file. Lines it does not know are ignored, so
// a damaged file yields what it still says.
func readLockInfo(f *os.File) (LockInfo, error) {
	var li LockInfo
	sc := bufio.NewScanner(io.LimitReader(io.NewSectionReader(f, 0, maxLockFile), maxLockFile))
	for sc.Scan() {
		key, val, _ := strings.Cut(sc.Text(), " ")
		switch key {
		case "pid":
			if n, err := strconv.Atoi(val); err == nil && n > 0 {
				li.PID = n
			}
		case "run":
			if validRunID(val) {
				li.Run = val
			}
		case "started":
			if t, err := time.Parse(time.RFC3339Nano, val); err == nil {
				li.Started = t
			}
		case "closed":
			if n, err := strconv.ParseInt(val, 10, 64); err == nil && n >= 0 {
				li.Closed, li.JournalSize = true, n
			}
		}
	}
	return li, sc.Err()
}
