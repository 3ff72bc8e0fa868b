package rotation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/axero-cli/axero/internal/job"
)

// The lock of the bulk runs (an flock on a file that names its
// holder's PID, refusing symbolic links) serves the rotations too. It is
// reached only through tryLockFile, so that its import lives in one
// place.
func tryLockFile(base string, now time.Time) (release func(), holder int, err error) {
	l, err := job.AcquireLock(base)
	var held *job.LockedError
	if errors.As(err, &held) {
		return nil, held.PID, errLocked
	}
	if err != nil {
		return nil, 0, err
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	if err := l.Start(hex.EncodeToString(id[:]), now, 0); err != nil {
		_ = l.Release()
		return nil, 0, err
	}
	return func() { _ = l.Release() }, 0, nil
}

var errLocked = errors.New("locked")

// lockPoll is the pause between two attempts to take a held lock.
const lockPoll = 50 * time.Millisecond

// siteHash names a site in lock file names.
func siteHash(site string) string {
	sum := sha256.Sum256([]byte(strings.TrimRight(site, "/")))
	return hex.EncodeToString(sum[:8])
}

// LockToken takes the lock of one token's rotation on site, waiting (and
// saying once, on w, that it waits) until the holder is done or ctx ends.
func (s Store) LockToken(ctx context.Context, site string, tokenID int64, w io.Writer, now func() time.Time) (func(), error) {
	base := filepath.Join(s.locksDir(), siteHash(site)+"-token-"+strconv.FormatInt(tokenID, 10))
	return s.lock(ctx, base, w, now, func(pid int) string {
		return fmt.Sprintf("waiting for another rotation of token %d%s to finish", tokenID, pidText(pid))
	})
}

// LockProfile takes the lock around storing a profile's credential and
// saving its configuration.
func (s Store) LockProfile(ctx context.Context, site, profile string, w io.Writer, now func() time.Time) (func(), error) {
	base := filepath.Join(s.locksDir(), siteHash(site)+"-profile-"+profile)
	return s.lock(ctx, base, w, now, func(pid int) string {
		return fmt.Sprintf("waiting for another axero run that stores profile %q%s to finish", profile, pidText(pid))
	})
}

func pidText(pid int) string {
	if pid > 0 {
		return fmt.Sprintf(" (PID %d)", pid)
	}
	return ""
}

func (s Store) lock(ctx context.Context, base string, w io.Writer, now func() time.Time, waiting func(int) string) (func(), error) {
	if err := ensureDir(s.locksDir()); err != nil {
		return nil, err
	}
	said := false
	for {
		release, pid, err := tryLockFile(base, now())
		if err == nil {
			return release, nil
		}
		if !errors.Is(err, errLocked) {
			return nil, err
		}
		if !said && w != nil {
			fmt.Fprintln(w, waiting(pid))
			said = true
		}
		t := time.NewTimer(lockPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("gave up %s: %w", waiting(pid), ctx.Err())
		case <-t.C:
		}
	}
}

// LockName takes the lock of the delivery of a new token named name
// (token create --to), so that two runs never create one at once.
func (s Store) LockName(ctx context.Context, site, name string, w io.Writer, now func() time.Time) (func(), error) {
	sum := sha256.Sum256([]byte(name))
	base := filepath.Join(s.locksDir(), siteHash(site)+"-name-"+hex.EncodeToString(sum[:8]))
	return s.lock(ctx, base, w, now, func(pid int) string {
		return fmt.Sprintf("waiting for another run that creates a token named %q%s to finish", name, pidText(pid))
	})
}
