// Package file is the sink `file:PATH` (the whole file is the token and a
// newline) and `file:PATH#KEY` (one KEY=value entry of a dotenv file; the
// other lines are kept byte for byte, and the key is added when missing).
//
// The file is replaced atomically (internal/safefile): a temporary file in
// the same directory, synced, renamed over the old one, the directory
// synced. It is never written through a symbolic link, never one with
// other hard links, never one that other users can read: a new file is
// 0600, an existing one keeps its owner and its mode, which is refused
// when it lets group or others in (the token would reach them) and never
// loosened (a 0400 file stays 0400).
package file

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/sink"
)

// Scheme is the sink's prefix, without the colon.
const Scheme = "file"

// maxFileBytes bounds the file read back: a dotenv file is small, and a
// file that is not can only be a mistake.
const maxFileBytes = 4 << 20

// Sink is one file sink.
type Sink struct {
	spec string // as written, after the scheme
	path string // absolute
	key  string // "" for the whole file
}

var _ sink.Sink = (*Sink)(nil)

// Parse reads the part of `file:PATH[#KEY]` after the scheme. The last '#'
// starts the key, which must be a key every dotenv tool reads (letters,
// digits and '_', not starting with a digit).
func Parse(spec string, _ sink.Env) (sink.Sink, error) {
	s := &Sink{spec: spec}
	path := spec
	if i := strings.LastIndexByte(spec, '#'); i >= 0 {
		path, s.key = spec[:i], spec[i+1:]
		if !validKey.MatchString(s.key) {
			return nil, s.invalid("parse", "%q is not a dotenv key (letters, digits and '_', not starting with a digit)", s.key)
		}
	}
	if path == "" {
		return nil, s.invalid("parse", "no path: write file:PATH or file:PATH#KEY")
	}
	if strings.ContainsRune(path, 0) {
		return nil, s.invalid("parse", "the path holds a NUL byte")
	}
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) {
		return nil, s.invalid("parse", "%s names a directory, not a file", path)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, s.invalid("parse", "%v", err)
	}
	s.path = abs
	return s, nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// Check makes sure the file can be written as Put will write it: its
// directory exists and accepts new files, the path is a private regular
// file or nothing, and a dotenv file can be edited.
func (s *Sink) Check(_ context.Context) error {
	dir := filepath.Dir(s.path)
	di, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s.invalid("check", "the directory %s does not exist", dir)
	case err != nil:
		return s.failed("check", "%s: %v", dir, safefile.Unwrap(err))
	case !di.IsDir():
		return s.invalid("check", "%s is not a directory", dir)
	}
	data, fi, err := s.read()
	if err != nil {
		return s.fileErr("check", err)
	}
	if fi != nil {
		if err := s.checkExisting(fi); err != nil {
			return err
		}
	}
	if err := probeDir(dir); err != nil {
		return s.invalid("check", "%v", err)
	}
	if s.key != "" && data != nil {
		if _, err := dotenvValues(data, s.key); err != nil {
			return s.invalid("check", "%s: %v", s.path, err)
		}
	}
	return nil
}

// checkExisting refuses an existing file that Put could not replace
// without handing the token to others or changing who owns it.
func (s *Sink) checkExisting(fi fs.FileInfo) error {
	if err := safefile.CheckPrivate(s.path, fi); err != nil {
		return s.invalid("check", "%v", err)
	}
	if uid, _, ok := safefile.Owner(fi); ok && runtime.GOOS != "windows" {
		if me := os.Geteuid(); me != 0 && me != uid {
			return s.invalid("check", "%s belongs to another user (uid %d); replacing it would change its owner", s.path, uid)
		}
	}
	return nil
}

// probeDir proves that dir accepts new files by creating and removing
// one, as the replacement will.
func probeDir(dir string) error {
	probe, err := os.CreateTemp(dir, ".axero-probe-*")
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", dir, safefile.DirError(dir, err))
	}
	name := probe.Name()
	_ = probe.Close()
	return os.Remove(name) //nolint:gosec // the probe file this function just created
}

// Put replaces the file with the token and a newline, or sets the key in
// the dotenv file (creating it when missing). Putting the same value
// again writes the same bytes.
func (s *Sink) Put(_ context.Context, v sink.Value) error {
	data, fi, err := s.read()
	if err != nil {
		return s.fileErr("put", err)
	}
	perm := fs.FileMode(0o600)
	if fi != nil {
		if err := s.checkExisting(fi); err != nil {
			return retag(err, "put")
		}
		perm = fi.Mode().Perm() & 0o600
	}
	next := []byte(v.Secret + "\n")
	if s.key != "" {
		if next, err = setDotenv(data, s.key, v.Secret); err != nil {
			return s.invalid("put", "%s: %v", s.path, err)
		}
	}
	if err := safefile.Replace(s.path, next, perm, fi); err != nil {
		return s.fileErr("put", err)
	}
	return nil
}

// Verify reads the file back and compares what a reader gets (the whole
// file, or every entry of the key) with the token, by hash.
func (s *Sink) Verify(_ context.Context, v sink.Value) error {
	data, fi, err := s.read()
	if err != nil {
		return s.fileErr("verify", err)
	}
	if fi == nil {
		return s.failed("verify", "%s does not exist", s.path)
	}
	if s.key == "" {
		if !sameSecret(string(data), v.Secret+"\n") {
			return s.failed("verify", "%s does not hold the new token", s.path)
		}
		return nil
	}
	values, err := dotenvValues(data, s.key)
	if err != nil {
		return s.failed("verify", "%s: %v", s.path, err)
	}
	if len(values) == 0 {
		return s.failed("verify", "%s has no %s", s.path, s.key)
	}
	for _, got := range values {
		if !sameSecret(got, v.Secret) {
			return s.failed("verify", "%s in %s is not the new token", s.key, s.path)
		}
	}
	return nil
}

// Commit does nothing: the file holds the token from Put on.
func (s *Sink) Commit(context.Context, sink.Value) error { return nil }

// read reads the file by the rules of safefile; nil, nil, nil when it does
// not exist.
func (s *Sink) read() ([]byte, fs.FileInfo, error) {
	return safefile.ReadFile(s.path, maxFileBytes)
}

// sameSecret compares by SHA-256 digest in constant time, so that neither
// the comparison's timing nor a stray copy of either string tells anything.
func sameSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

func (s *Sink) invalid(op, format string, args ...any) error {
	return sink.Errorf(s.String(), op, sink.Invalid, format, args...)
}

func (s *Sink) failed(op, format string, args ...any) error {
	return sink.Errorf(s.String(), op, sink.Failed, format, args...)
}

// fileErr classifies an error of safefile: a path that is not ours is a
// sink that cannot work as written; anything else is a failure.
func (s *Sink) fileErr(op string, err error) error {
	var refused *safefile.RefusedError
	if errors.As(err, &refused) {
		return &sink.Error{Sink: s.String(), Op: op, Kind: sink.Invalid, Err: err}
	}
	return &sink.Error{Sink: s.String(), Op: op, Kind: sink.Failed, Err: err}
}

// retag gives a sink error from one step to another.
func retag(err error, op string) error {
	var se *sink.Error
	if errors.As(err, &se) {
		cp := *se
		cp.Op = op
		return &cp
	}
	return err
}
