package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// saver writes the state file. Requests only schedule a write: a
// background loop writes the newest snapshot as soon as the previous write
// is done, so that a burst of changes costs a few writes instead of one
// per request (the file grows with every token, and rewriting it per
// create would make a bulk run quadratic). Close writes a final snapshot.
type saver struct {
	path    string
	mu      sync.Mutex // serialises writes and guards saved and err
	saved   uint64     // the generation last written
	err     error      // the last failed write, reported by Close
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

// startSaver starts the background loop when there is a state file.
func (s *Server) startSaver() {
	if s.saver.path == "" {
		return
	}
	s.saver.kick = make(chan struct{}, 1)
	s.saver.stop = make(chan struct{})
	s.saver.stopped = make(chan struct{})
	kick, stop, stopped := s.saver.kick, s.saver.stop, s.saver.stopped
	go func() {
		defer close(stopped)
		for {
			select {
			case <-kick:
				// A failure is kept in saver.err and reported by Close.
				_ = s.persist()
			case <-stop:
				return
			}
		}
	}()
}

// changed schedules a write of the state file, if there is one.
func (s *Server) changed() {
	if s.saver.kick == nil {
		return
	}
	select {
	case s.saver.kick <- struct{}{}:
	default:
		// A write is already scheduled; it will take this change too.
	}
}

// stopSaver ends the background loop and writes the final state.
func (s *Server) stopSaver() error {
	if s.saver.stop != nil {
		close(s.saver.stop)
		<-s.saver.stopped
	}
	if err := s.persist(); err != nil {
		return err
	}
	s.saver.mu.Lock()
	defer s.saver.mu.Unlock()
	return s.saver.err
}

// loadState reads a state file; it returns nil, nil when there is none.
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path) //nolint:gosec // the sandbox state file the user names with --state
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sandbox state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading sandbox state %s: %w", path, err)
	}
	if st.Version != 1 || len(st.SigningKey) == 0 {
		return nil, fmt.Errorf("reading sandbox state %s: not a state file of this version", path)
	}
	st.reindex()
	return st, nil
}

// persist writes the state file now if the state changed since the last
// write. It must be called without s.mu held.
func (s *Server) persist() error {
	if s.saver.path == "" {
		return nil
	}
	s.saver.mu.Lock()
	defer s.saver.mu.Unlock()

	s.mu.Lock()
	gen := s.st.generation
	if gen == s.saver.saved {
		s.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(s.st)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.saver.path, data); err != nil {
		s.saver.err = fmt.Errorf("saving sandbox state: %w", err)
		return s.saver.err
	}
	s.saver.saved = gen
	s.saver.err = nil
	return nil
}

// writeFileAtomic writes data to a temporary file with mode 0600 in the same
// directory and renames it over path, so that a crash leaves either the old
// file or the new one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	cleanup := func() { _ = os.Remove(name) }
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		cleanup()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		_ = tmp.Close()
		cleanup()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		cleanup()
		return err
	}
	if err := tmp.Close(); err != nil {
		cleanup()
		return err
	}
	if err := os.Rename(name, path); err != nil {
		cleanup()
		return err
	}
	return nil
}

// StateURL returns the site URL recorded in a state file, or "" when there
// is none, so that a restarted sandbox can listen where its tokens say it
// lives.
func StateURL(path string) string {
	st, err := loadState(path)
	if err != nil || st == nil {
		return ""
	}
	return st.URL
}
