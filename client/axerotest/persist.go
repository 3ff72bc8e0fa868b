package axerotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// saver writes the state file. Saves are coalesced: when several requests
// change the state at once, the first to take the lock writes the newest
// snapshot and the others find their change already on disk. Every change
// is on disk before its response is sent.
type saver struct {
	path  string
	mu    sync.Mutex // serialises writes
	saved uint64     // the generation last written
}

// loadState reads a state file; it returns nil, nil when there is none.
func loadState(path string) (*state, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading sandbox state: %w", err)
	}
	st := &state{}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, fmt.Errorf("reading sandbox state %s: %v", path, err)
	}
	if st.Version != 1 || len(st.SigningKey) == 0 {
		return nil, fmt.Errorf("reading sandbox state %s: not a state file of this version", path)
	}
	st.reindex()
	return st, nil
}

// persist writes the state file if the state changed since the last write.
// It must be called without s.mu held.
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
	data, err := json.MarshalIndent(s.st, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.saver.path, data); err != nil {
		return fmt.Errorf("saving sandbox state: %w", err)
	}
	s.saver.saved = gen
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
	cleanup := func() { os.Remove(name) }
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		cleanup()
		return err
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		cleanup()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
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
