package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/axero-cli/axero/internal/safefile"
)

// credentialsDir holds one file per profile after login --insecure-storage.
const credentialsDir = "credentials"

// FileTokenPath is where login --insecure-storage keeps a profile's token.
func (c *Config) FileTokenPath(profile string) string {
	return filepath.Join(c.dir, credentialsDir, profile)
}

// ReadFileToken reads the token stored by login --insecure-storage. Like
// ssh with a private key, it refuses a file that other users can read: the
// token may already have leaked, and using it quietly would hide that.
func (c *Config) ReadFileToken(profile string) (string, error) {
	if err := ValidateProfileName(profile); err != nil {
		return "", err
	}
	path := c.FileTokenPath(profile)
	f, err := os.Open(path) //nolint:gosec // the profile's token file in the configuration directory; the profile name is validated
	if errors.Is(err, os.ErrNotExist) {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, safefile.Unwrap(err))
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, safefile.Unwrap(err))
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return "", fmt.Errorf("%s holds a token but other users can read it (mode %04o); run `chmod 600 %s`, and consider revoking the token", path, perm, path)
	}
	const limit = 64 << 10
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, safefile.Unwrap(err))
	}
	if len(data) > limit {
		return "", fmt.Errorf("%s is too large to hold a token", path)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", ErrNoToken
	}
	return token, nil
}

// WriteFileToken stores a token in a 0600 file (login --insecure-storage),
// replacing any earlier one atomically.
func (c *Config) WriteFileToken(profile, token string) error {
	if err := ValidateProfileName(profile); err != nil {
		return err
	}
	dir := filepath.Join(c.dir, credentialsDir)
	if err := EnsureDir(dir); err != nil {
		return err
	}
	return WriteFileAtomic(c.FileTokenPath(profile), []byte(token+"\n"), 0o600)
}

// DeleteFileToken removes a profile's token file; no file is not an error.
func (c *Config) DeleteFileToken(profile string) error {
	if err := ValidateProfileName(profile); err != nil {
		return err
	}
	path := c.FileTokenPath(profile)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot remove %s: %w", path, safefile.Unwrap(err))
	}
	return nil
}
