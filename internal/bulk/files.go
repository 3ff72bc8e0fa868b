package bulk

import (
	"fmt"
	"os"
)

// openFiles takes the run's lock, then opens the output, the journal and
// the failed file. Without --resume the output must not exist, and
// neither may a journal: one left behind means an earlier run may have
// tokens to settle. Nothing is minted before this succeeds, and on failure
// nothing is left open or locked.
func (e *Engine) openFiles() (err error) {
	out := e.o.OutPath
	lock := e.o.Lock
	if lock == nil {
		if lock, err = AcquireRunLock(out); err != nil {
			return err
		}
	}
	e.lock = lock
	defer func() {
		if err != nil {
			e.closeFiles(false)
		}
	}()
	failedPath := FailedPath(out)
	if _, err := checkExisting(failedPath, "the failed file "+failedPath); err != nil {
		return err
	}
	if e.o.Resume {
		return e.openForResume()
	}
	jpath := JournalPath(out)
	if _, err := os.Lstat(out); err == nil {
		return &ExistsError{Path: out}
	}
	if _, err := os.Lstat(jpath); err == nil {
		return fmt.Errorf("the journal %s of an earlier run exists: pass --resume to settle and finish that run, which may have minted tokens it never recorded", jpath)
	}
	if e.out, err = CreateOutput(out); err != nil {
		return err
	}
	if e.journal, err = NewRun(out, e.lock, e.start); err != nil {
		return err
	}
	e.failed = NewFailedWriter(failedPath, e.o.Input.Header())
	return nil
}

// openForResume reads what the earlier runs left, decides whether their
// journal can be trusted (recheck.go) and opens everything for appending.
func (e *Engine) openForResume() error {
	out := e.o.OutPath
	done, err := ReadOutput(out)
	if err != nil {
		return err
	}
	e.done = done
	rs, recheck, err := e.verifyJournal()
	if err != nil {
		return err
	}
	if e.out, err = AppendOutput(out, done.size); err != nil {
		return err
	}
	if e.journal, err = rs.OpenJournal(out, e.lock); err != nil {
		return err
	}
	if recheck != nil {
		e.recheck = recheck
		e.o.Warn(recheck.why)
	}
	e.failed = NewFailedWriter(FailedPath(out), e.o.Input.Header())
	return nil
}

// closeFiles closes what openFiles opened. sealed records in the lock file
// that this run ended cleanly, with the journal's size: only then can the
// next resume trust the journal without checking every user.
func (e *Engine) closeFiles(seal bool) {
	if e.out != nil {
		_ = e.out.Close()
	}
	if e.failed != nil {
		_ = e.failed.Close()
	}
	CloseRun(e.journal, e.lock, seal)
}
