package keychain

import (
	"errors"
	"net"
	"os/exec"
	"strings"

	"github.com/zalando/go-keyring"
)

// classify maps whatever go-keyring returned to ErrNotFound, ErrTooBig or an
// *UnavailableError with a one-line cause. go-keyring passes D-Bus and
// platform errors through unchanged and none of them are sentinels, so
// everything it does not recognise counts as "keychain unavailable".
func classify(err error) error {
	var u *UnavailableError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrTooBig), errors.As(err, &u):
		// Already one of ours (a Store wrapped by WithTimeout).
		return err
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooBig
	}
	return &UnavailableError{Cause: cause(err)}
}

func cause(err error) string {
	msg := err.Error()
	var execErr *exec.Error
	var opErr *net.OpError
	switch {
	case errors.As(err, &execErr) && strings.Contains(execErr.Name, "dbus-launch"),
		strings.Contains(msg, `"dbus-launch"`):
		// godbus tries to autolaunch a bus when DBUS_SESSION_BUS_ADDRESS
		// is unset: a headless host or a plain SSH session.
		return "no D-Bus session bus"
	case errors.As(err, &opErr),
		strings.Contains(msg, "org.freedesktop.secrets"),
		strings.Contains(msg, "ServiceUnknown"):
		return "no Secret Service running"
	case strings.Contains(msg, "failed to unlock correct collection"),
		strings.Contains(msg, "Cannot unlock"),
		strings.Contains(msg, "prompt dismissed"):
		return "the keychain collection is locked"
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return "no supported keychain on this platform"
	}
	return firstLine(msg)
}

// firstLine keeps the first line of an unexpected error, short enough to
// read.
func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	const limit = 200
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	if s == "" {
		return "unknown error"
	}
	return s
}
