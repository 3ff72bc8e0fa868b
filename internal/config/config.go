// Package config reads and writes axero's configuration: named profiles,
// each a site URL, the user it logged in as, where its token lives, and
// optional endpoint path overrides.
//
// PLACEHOLDER bodies: the config implementation replaces them; the exported
// API below is the contract other packages compile against.
package config

import (
	"errors"
	"os"
	"time"

	"github.com/axero-cli/axero/client"
)

// Token stores.
const (
	StoreKeychain = "keychain" // the OS keychain (default)
	StoreFile     = "file"     // a 0600 file, only after login --insecure-storage
)

// DefaultProfile is the profile used when neither --profile nor
// AXERO_PROFILE names one.
const DefaultProfile = "default"

// Profile is one named login.
type Profile struct {
	URL          string       `yaml:"url"`
	User         string       `yaml:"user,omitempty"`
	UserID       int64        `yaml:"user_id,omitempty"`
	TokenStore   string       `yaml:"token_store,omitempty"`   // StoreKeychain, StoreFile or "" (none)
	TokenID      int64        `yaml:"token_id,omitempty"`      // the stored token's jti
	TokenName    string       `yaml:"token_name,omitempty"`    // the stored token's name, if known
	TokenExpires *time.Time   `yaml:"token_expires,omitempty"` // from the JWT's exp; nil: never
	AllowHTTP    bool         `yaml:"allow_http,omitempty"`
	Paths        client.Paths `yaml:"paths,omitempty"`
}

// Config is the whole configuration file.
type Config struct {
	Profiles map[string]*Profile `yaml:"profiles"`

	dir string
}

// ErrNoToken: the profile has no stored token.
var ErrNoToken = errors.New("no stored token")

// Dir is AXERO_CONFIG_DIR, else <os.UserConfigDir>/axero.
func Dir() (string, error) { return "", errors.New("not implemented") }

// Load reads config.yaml from dir; a missing file is an empty Config.
func Load(dir string) (*Config, error) {
	return &Config{dir: dir, Profiles: map[string]*Profile{}}, nil
}

// Dir returns the directory the config lives in.
func (c *Config) Dir() string { return c.dir }

// Save writes config.yaml atomically, mode 0600, its directory 0700.
func (c *Config) Save() error { return errors.New("not implemented") }

// Profile returns a profile by name.
func (c *Config) Profile(name string) (*Profile, bool) { p, ok := c.Profiles[name]; return p, ok }

// SetProfile adds or replaces a profile.
func (c *Config) SetProfile(name string, p *Profile) { c.Profiles[name] = p }

// DeleteProfile removes a profile.
func (c *Config) DeleteProfile(name string) { delete(c.Profiles, name) }

// ProfileNames returns the profile names, sorted.
func (c *Config) ProfileNames() []string { return nil }

// ReadFileToken reads the token stored by login --insecure-storage.
func (c *Config) ReadFileToken(profile string) (string, error) { return "", ErrNoToken }

// WriteFileToken stores a token in a 0600 file (login --insecure-storage).
func (c *Config) WriteFileToken(profile, token string) error { return errors.New("not implemented") }

// DeleteFileToken removes a profile's token file; no file is not an error.
func (c *Config) DeleteFileToken(profile string) error { return nil }

// WriteFileAtomic writes data to path through a temporary file in the same
// directory and a rename, with mode perm.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return errors.New("not implemented")
}

// CreateNew creates path with mode 0600 and fails if it exists, unless
// force, in which case the old file is replaced only when the new content is
// complete (the caller writes to the returned file and calls Commit).
// PLACEHOLDER signature: see internal/config/secretfile.go once written.
