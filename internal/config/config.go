// Package config reads and writes axero's configuration: named profiles,
// each a site URL, the user it logged in as, where its token lives, and
// optional endpoint path overrides.
//
// The configuration never holds a token. Its directory is created 0700 and
// every file in it 0600, written atomically, so that a crash or a second
// axero process never leaves a half-written file behind.
//
// Every change is a locked read-modify-write: an exclusive advisory lock
// on LockFileName in the directory is held from reading the file to
// renaming the new one into place. Update is the plain form; Save applies
// the changes made since Load onto what is on disk at the time, so that
// two logins at once for different profiles both keep their profile.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/safefile"
)

// Token stores.
const (
	StoreKeychain = "keychain" // the OS keychain (default)
	StoreFile     = "file"     // a 0600 file, only after login --insecure-storage
)

// DefaultProfile is the profile used when neither --profile nor
// AXERO_PROFILE names one.
const DefaultProfile = "default"

// FileName is the name of the configuration file inside Dir.
const FileName = "config.yaml"

// Profile is one named login.
type Profile struct {
	URL          string       `yaml:"url"`
	User         string       `yaml:"user,omitempty"`
	UserID       int64        `yaml:"user_id,omitempty"`
	TokenStore   string       `yaml:"token_store,omitempty"`   // StoreKeychain, StoreFile or "" (none)
	TokenID      int64        `yaml:"token_id,omitempty"`      // the stored token's jti
	TokenName    string       `yaml:"token_name,omitempty"`    // the stored token's name, if known
	TokenExpires *time.Time   `yaml:"token_expires,omitempty"` // from the JWT's exp; nil: never
	TokenIssuer  string       `yaml:"token_issuer,omitempty"`  // the token's iss when it spells the site otherwise (credentials.BindToSite)
	AllowHTTP    bool         `yaml:"allow_http,omitempty"`
	CAFile       string       `yaml:"ca_file,omitempty"` // PEM bundle of extra CAs for the site, an absolute path
	Paths        client.Paths `yaml:"paths,omitempty"`
}

// Config is the whole configuration file.
type Config struct {
	// DefaultProfile is the profile used when neither --profile nor
	// AXERO_PROFILE names one (`axero auth switch`); empty means
	// DefaultProfile.
	DefaultProfile string              `yaml:"default_profile,omitempty"`
	Profiles       map[string]*Profile `yaml:"profiles"`

	dir string
	// loaded is each profile as Load (or the last Save) saw it, encoded,
	// and loadedDefault the default profile then, so that Save can tell
	// what this process changed.
	loaded        map[string]string
	loadedDefault string
}

// ErrNoToken: the profile has no stored token.
var ErrNoToken = errors.New("no stored token")

// Dir is AXERO_CONFIG_DIR, else <os.UserConfigDir>/axero.
func Dir() (string, error) { return DirFrom(os.Getenv) }

// DirFrom is Dir with the environment read through getenv.
func DirFrom(getenv func(string) string) (string, error) {
	if d := strings.TrimSpace(getenv("AXERO_CONFIG_DIR")); d != "" {
		return d, nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a configuration directory (%w); set AXERO_CONFIG_DIR", err)
	}
	return filepath.Join(base, "axero"), nil
}

// Load reads config.yaml from dir; a missing file is an empty Config.
func Load(dir string) (*Config, error) {
	c, err := read(dir)
	if err != nil {
		return nil, err
	}
	c.remember()
	return c, nil
}

// read parses config.yaml in dir, without the bookkeeping Save needs.
func read(dir string) (*Config, error) {
	c := &Config{dir: dir, Profiles: map[string]*Profile{}}
	path := filepath.Join(dir, FileName)
	data, err := os.ReadFile(path) //nolint:gosec // config.yaml in the configuration directory (AXERO_CONFIG_DIR or the OS default)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, safefile.Unwrap(err))
	}
	if err := yaml.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("%s is not a valid configuration (%s); fix or remove it", path, yamlProblem(err))
	}
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	for name, p := range c.Profiles {
		if p == nil {
			delete(c.Profiles, name)
		}
	}
	c.dir = dir
	return c, nil
}

// Update changes the configuration in dir as one locked read-modify-write:
// it takes the directory's lock, loads the file, calls fn, and if fn
// returns nil writes the result atomically before releasing the lock. No
// other axero process can change the file in between, so nothing it wrote
// is lost. An error from fn leaves the file untouched and is returned.
func Update(dir string, fn func(*Config) error) error {
	unlock, err := lockConfigDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	c, err := read(dir)
	if err != nil {
		return err
	}
	if err := fn(c); err != nil {
		return err
	}
	return c.write()
}

// Dir returns the directory the config lives in.
func (c *Config) Dir() string { return c.dir }

// Path returns the configuration file's path.
func (c *Config) Path() string { return filepath.Join(c.dir, FileName) }

// Save writes the changes made to c since Load (or its last Save): under
// the directory's lock it re-reads the file, applies each profile this
// process added, changed or deleted onto what is there now, and writes the
// result atomically, mode 0600, its directory 0700. A profile another
// process wrote meanwhile is kept; c then holds the merged configuration.
func (c *Config) Save() error {
	unlock, err := lockConfigDir(c.dir)
	if err != nil {
		return err
	}
	defer unlock()
	disk, err := read(c.dir)
	if err != nil {
		return err
	}
	for name, p := range c.Profiles {
		if was, ok := c.loaded[name]; !ok || encodeProfile(p) != was {
			disk.Profiles[name] = p
		}
	}
	for name := range c.loaded {
		if _, ok := c.Profiles[name]; !ok {
			delete(disk.Profiles, name)
		}
	}
	if c.DefaultProfile != c.loadedDefault {
		disk.DefaultProfile = c.DefaultProfile
	}
	c.Profiles, c.DefaultProfile = disk.Profiles, disk.DefaultProfile
	return c.write()
}

// write encodes c to config.yaml atomically and records what it wrote.
// The caller holds the lock.
func (c *Config) write() error {
	if err := EnsureDir(c.dir); err != nil {
		return err
	}
	data, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Errorf("cannot encode the configuration: %w", err)
	}
	header := []byte("# axero configuration. It never holds a token: tokens live in the OS keychain\n# (or, after `axero login --insecure-storage`, in credentials/<profile>).\n")
	if err := WriteFileAtomic(c.Path(), append(header, data...), 0o600); err != nil {
		return err
	}
	c.remember()
	return nil
}

// remember records each profile, and the default, as they are now, for
// Save to compare with.
func (c *Config) remember() {
	c.loadedDefault = c.DefaultProfile
	c.loaded = make(map[string]string, len(c.Profiles))
	for name, p := range c.Profiles {
		c.loaded[name] = encodeProfile(p)
	}
}

// encodeProfile is a profile's canonical form for comparison.
func encodeProfile(p *Profile) string {
	b, err := yaml.Marshal(p)
	if err != nil {
		return fmt.Sprintf("%p", p) // never equal to another profile's
	}
	return string(b)
}

// Profile returns a profile by name.
func (c *Config) Profile(name string) (*Profile, bool) { p, ok := c.Profiles[name]; return p, ok }

// SetProfile adds or replaces a profile.
func (c *Config) SetProfile(name string, p *Profile) {
	if c.Profiles == nil {
		c.Profiles = map[string]*Profile{}
	}
	c.Profiles[name] = p
}

// DeleteProfile removes a profile, and its place as the default if it
// had it.
func (c *Config) DeleteProfile(name string) {
	delete(c.Profiles, name)
	if c.DefaultProfile == name {
		c.DefaultProfile = ""
	}
}

// ProfileNames returns the profile names, sorted.
func (c *Config) ProfileNames() []string {
	names := make([]string, 0, len(c.Profiles))
	for n := range c.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// EnsureDir creates dir (and its parents) with mode 0700 and tightens an
// existing dir that others can read.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil { //nolint:gosec // the configuration directory (AXERO_CONFIG_DIR or the OS default)
		return fmt.Errorf("cannot create the configuration directory %s: %w", dir, safefile.Unwrap(err))
	}
	info, err := os.Stat(dir) //nolint:gosec // the configuration directory (AXERO_CONFIG_DIR or the OS default)
	if err != nil {
		return fmt.Errorf("cannot read the configuration directory %s: %w", dir, safefile.Unwrap(err))
	}
	if info.Mode().Perm()&0o077 != 0 {
		// Best effort: a directory we do not own stays as it is.
		_ = os.Chmod(dir, 0o700) //nolint:gosec // a directory needs its search bit: 0700 is owner-only
	}
	return nil
}

// yamlProblem says in one line what is wrong with the file, without
// quoting its content: yaml.v3 quotes the offending value in backticks, and
// a mistaken paste into the config could be a token.
func yamlProblem(err error) string {
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return backticked.ReplaceAllString(msg, "a value")
}

var backticked = regexp.MustCompile("`[^`]*`")
