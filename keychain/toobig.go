package keychain

import (
	"errors"
	"fmt"
	"regexp"
)

// WindowsMaxSecret is the largest secret, in bytes, that Windows Credential
// Manager stores (go-keyring refuses more with ErrSetDataTooBig).
const WindowsMaxSecret = 2560

// TooBigError: the keychain refuses a secret of Size bytes. Limit is the
// most it takes, or 0 when the platform does not say. It matches ErrTooBig
// with errors.Is, and is returned before anything was written: whatever
// the entry held stays as it was.
type TooBigError struct {
	Size  int
	Limit int
}

func (e *TooBigError) Error() string {
	limit := "more than it accepts"
	if e.Limit > 0 {
		limit = fmt.Sprintf("at most %d", e.Limit)
	}
	return fmt.Sprintf("the token is too large for this OS keychain (%d bytes, %s); use --out FILE or --insecure-storage", e.Size, limit)
}

// Is makes errors.Is(err, ErrTooBig) hold for a *TooBigError.
func (e *TooBigError) Is(target error) bool { return target == ErrTooBig }

// tooBig upgrades a size refusal from the backend to a *TooBigError that
// names the size and the limit.
func tooBig(err error, size, limit int) error {
	var e *TooBigError
	if errors.Is(err, ErrTooBig) && !errors.As(err, &e) {
		return &TooBigError{Size: size, Limit: limit}
	}
	return err
}

// MaxSecretBytes is the largest secret, in bytes, that the keychain of the
// platform goos stores for account, or 0 when there is no known limit (the
// Secret Service on Linux). On macOS go-keyring hands the `security` tool
// one command line of at most 4096 bytes holding the service, the shell-
// quoted account and the secret in base64 after a prefix, so the limit
// depends on the account's length: about 3000 bytes.
func MaxSecretBytes(goos, account string) int {
	switch goos {
	case "windows":
		return WindowsMaxSecret
	case "darwin":
		const maxCommand = 4096
		fixed := len("add-generic-password -U -s ") + len(" -a ") + len(" -w ") + len("go-keyring-base64:") + len("\n")
		room := maxCommand - fixed - len(shellQuote(Service)) - len(shellQuote(account))
		if room < 4 {
			return 0
		}
		return room / 4 * 3 // base64 writes 3 bytes as 4 characters
	}
	return 0
}

// shellUnsafe is go-keyring's (alessio/shellescape's) test for a string
// that must be quoted.
var shellUnsafe = regexp.MustCompile(`[^\w@%+=:,./-]`)

// shellQuote quotes s the way go-keyring does on macOS, for its length.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !shellUnsafe.MatchString(s) {
		return s
	}
	q := "'"
	for _, r := range s {
		if r == '\'' {
			q += `'"'"'`
		} else {
			q += string(r)
		}
	}
	return q + "'"
}
