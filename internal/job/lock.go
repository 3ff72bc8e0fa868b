package job

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/internal/safefile"
)

// A durable run holds an exclusive advisory lock on <out>.lock for its
// whole life, so that two runs never write one output and one journal at
// once: two runs would each mint a token for the users the other had not
// yet recorded. The lock belongs to the open file, so the operating
// system drops it when the holder dies, however it dies: a lock file left
// behind by a killed run does not block the next one. The file names the
// holder's PID, the run (the ID the journal's header repeats) and when the
// output's first run started, so that a resume whose journal is gone
// still knows since when to check.

// LockPath is the lock file of the output out.
func LockPath(out string) string { return out + ".lock" }

// LockInfo is what a lock file says.
type LockInfo struct {
	PID     int       // the process that holds or last held the lock
	Run     string    // the run ID, also in the journal's header
	Started time.Time // when the output's first run started
	// Sinks is how many sink templates the run delivers each token to
	// (--to), so that a resume whose journal is gone still knows that its
	// tokens were meant for sinks.
	Sinks int
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

// Lock is the held lock of one run.
type Lock struct {
	f        *os.File
	path     string
	previous LockInfo
}

// AcquireLock takes the lock of the output out without waiting. It
// returns a *LockedError naming the holder's PID when another run holds
// it, and refuses a lock path that is a symbolic link or not a regular
// file.
func AcquireLock(out string) (*Lock, error) {
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
	return &Lock{f: f, path: path, previous: prev}, nil
}

// CheckLock returns a *LockedError when another run holds the lock of
// the output out, without creating anything: a command checks it before
// its first request, and takes the lock (AcquireLock) once it knows it
// may act.
func CheckLock(out string) error {
	path := LockPath(out)
	f, err := safefile.OpenExisting(path, os.O_RDONLY, false)
	if err != nil || f == nil {
		return err
	}
	defer func() { _ = f.Close() }() // closing the file drops the lock
	if err := tryLock(f); err != nil {
		if errors.Is(err, errLockHeld) {
			info, _ := readLockInfo(f)
			return &LockedError{Path: out, PID: info.PID}
		}
		return fmt.Errorf("locking %s: %w", path, err)
	}
	return nil
}

func openLockFile(path, what string) (*os.File, error) {
	for range 3 {
		fi, err := safefile.Check(path)
		if err != nil {
			return nil, err
		}
		if fi != nil {
			return safefile.Open(path, os.O_RDWR, fi)
		}
		f, err := safefile.Create(path, os.O_RDWR)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%s: %w", what, safefile.Unwrap(err))
		}
		// Another run created it between the check and the create.
	}
	return nil, &safefile.RefusedError{Path: what, Why: "keeps changing while it is being opened"}
}

// Previous is what the lock file said before this run took it.
func (l *Lock) Previous() LockInfo { return l.previous }

// Start records this run in the lock file: its PID, the run ID, when the
// output's first run started and, when it delivers to sinks, how many.
func (l *Lock) Start(run string, started time.Time, sinks int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d\nrun %s\nstarted %s\n", os.Getpid(), run, started.UTC().Format(time.RFC3339Nano))
	if sinks > 0 {
		fmt.Fprintf(&b, "sinks %d\n", sinks)
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

// Release drops the lock. The file stays: it names the run.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the file drops the lock
	l.f = nil
	return err
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
		case "sinks":
			if n, err := strconv.Atoi(val); err == nil && n > 0 {
				li.Sinks = n
			}
		}
	}
	return li, sc.Err()
}
