package rotation

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/safefile"
)

// Phase is how far a rotation got; each is written down before the step
// it allows.
type Phase string

// The phases, in order.
const (
	// PhaseIntent: about to mint; no secret yet. The mint's answer may
	// be lost in a crash, so a token of the name may exist that nobody
	// holds: the next run revokes it (Settle).
	PhaseIntent Phase = "intent"
	// PhaseMinted: the new token exists and its secret is in the file.
	PhaseMinted Phase = "minted"
	// PhaseDelivered: every sink verified the new token.
	PhaseDelivered Phase = "delivered"
	// PhaseCommitted: every sink committed; the old token may be revoked
	// (or renamed, with a grace period).
	PhaseCommitted Phase = "committed"
)

// pendingVersion is the format of the pending file.
const pendingVersion = 1

// maxPendingFile bounds what is read of a pending file.
const maxPendingFile = 1 << 20

// Key names one rotation: the site, the profile in use and the token's
// name (not its ID, which changes at every rotation).
type Key struct {
	Site, Profile, Name string
}

// hash is the file name of k: hex SHA-256 of site|profile|name, cut to
// 16 bytes.
func (k Key) hash() string {
	sum := sha256.Sum256([]byte(strings.TrimRight(k.Site, "/") + "|" + k.Profile + "|" + k.Name))
	return hex.EncodeToString(sum[:16])
}

// OldToken is the token being replaced.
type OldToken struct {
	ID            int64      `json:"id"`
	Expires       *time.Time `json:"expires,omitempty"`
	UserID        int64      `json:"user_id,omitempty"`
	Impersonation bool       `json:"impersonation,omitempty"`
}

// NewToken is the replacement, secret included.
type NewToken struct {
	ID      int64      `json:"id"`
	Secret  string     `json:"secret"`
	Expires *time.Time `json:"expires,omitempty"`
	UserID  int64      `json:"user_id,omitempty"`
	Created time.Time  `json:"created"`
}

// SinkState is one sink's line of the journal.
type SinkState struct {
	Spec   string         `json:"spec"`
	State  delivery.State `json:"state"`
	Detail string         `json:"detail,omitempty"`
}

// Pending is the journal of one rotation (or one create --to): the
// pending file.
type Pending struct {
	Version int       `json:"version"`
	Site    string    `json:"site"`
	Profile string    `json:"profile"`
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	// Old is nil for token create --to.
	Old *OldToken `json:"old,omitempty"`
	// Existing are the IDs of the tokens listed before minting: none of
	// them can be the mint's.
	Existing []int64 `json:"existing"`
	// Minutes is the lifetime asked for (nil: the site's default), so
	// that a run that starts again mints the same.
	Minutes *int64      `json:"minutes,omitempty"`
	Phase   Phase       `json:"phase"`
	New     *NewToken   `json:"new,omitempty"`
	Sinks   []SinkState `json:"sinks"`
	// To are the sinks the user named (--to, --sinks), a part of Sinks;
	// the others are implicit (a profile, --out, stdout).
	To []string `json:"to,omitempty"`
	// Grace renames the old token instead of revoking it; KeepOld
	// leaves it alone.
	Grace   time.Duration `json:"grace,omitempty"`
	KeepOld bool          `json:"keep_old,omitempty"`
}

// Key is the pending file's key.
func (p *Pending) Key() Key { return Key{Site: p.Site, Profile: p.Profile, Name: p.Name} }

// Report rebuilds the delivery report from the sinks' states.
func (p *Pending) Report() delivery.Report {
	var r delivery.Report
	for _, s := range p.Sinks {
		r.Sinks = append(r.Sinks, delivery.Result{Sink: s.Spec, State: s.State, Detail: s.Detail})
	}
	return r
}

// Holding counts the sinks that hold the new token.
func (p *Pending) Holding() int { return p.Report().Holding() }

// Specs are the sink strings, in order.
func (p *Pending) Specs() []string {
	out := make([]string, len(p.Sinks))
	for i, s := range p.Sinks {
		out[i] = s.Spec
	}
	return out
}

// validate refuses a file that cannot be a journal this version wrote.
func (p *Pending) validate() error {
	switch {
	case p.Version != pendingVersion:
		return fmt.Errorf("version %d, not %d", p.Version, pendingVersion)
	case p.Name == "" || p.Site == "":
		return errors.New("no site or token name")
	case p.Phase != PhaseIntent && p.Phase != PhaseMinted && p.Phase != PhaseDelivered && p.Phase != PhaseCommitted:
		return fmt.Errorf("unknown phase %q", p.Phase)
	case p.Phase != PhaseIntent && (p.New == nil || p.New.Secret == "" || p.New.ID == 0):
		return fmt.Errorf("phase %s without the new token", p.Phase)
	}
	return nil
}

// Store keeps pending files in <config dir>/pending and lock files in
// <config dir>/locks.
type Store struct {
	Dir string // the configuration directory
}

func (s Store) pendingDir() string { return filepath.Join(s.Dir, "pending") }
func (s Store) locksDir() string   { return filepath.Join(s.Dir, "locks") }

// Path is where the pending file of k lives.
func (s Store) Path(k Key) string { return filepath.Join(s.pendingDir(), k.hash()+".json") }

// Load reads the pending file of k; nil, nil when there is none.
func (s Store) Load(k Key) (*Pending, error) {
	path := s.Path(k)
	if err := checkDir(s.pendingDir()); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	data, fi, err := safefile.ReadFile(path, maxPendingFile)
	if err != nil {
		return nil, fmt.Errorf("the pending rotation file: %w", err)
	}
	if fi == nil {
		return nil, nil
	}
	if err := safefile.CheckPrivate(path, fi); err != nil {
		return nil, fmt.Errorf("the pending rotation file: %w", err)
	}
	var p Pending
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("the pending rotation file %s is damaged (%s); move it away to start afresh", path, oneLine(err.Error()))
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("the pending rotation file %s is not usable (%w); move it away to start afresh", path, err)
	}
	if p.Key() != k {
		return nil, fmt.Errorf("the pending rotation file %s belongs to another rotation; move it away to start afresh", path)
	}
	return &p, nil
}

// Save writes p atomically (temporary file, fsync, rename, fsync of the
// directory), mode 0600 in a 0700 directory, never through a symbolic
// link.
func (s Store) Save(p *Pending) error {
	p.Version = pendingVersion
	if err := ensureDir(s.pendingDir()); err != nil {
		return err
	}
	data, err := json.MarshalIndent(p, "", "  ") //nolint:gosec // the pending file holds the new secret on purpose: it is the safe place before any sink is touched, written 0600
	if err != nil {
		return err
	}
	path := s.Path(p.Key())
	fi, err := safefile.Check(path)
	if err != nil {
		return err
	}
	if err := safefile.Replace(path, append(data, '\n'), 0o600, fi); err != nil {
		return fmt.Errorf("writing the pending rotation file: %w", err)
	}
	return nil
}

// Remove deletes the pending file of k; a missing one is fine.
func (s Store) Remove(k Key) error {
	err := os.Remove(s.Path(k))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the pending rotation file: %w", safefile.Unwrap(err))
	}
	if err == nil {
		syncDir(s.pendingDir())
	}
	return nil
}

// ensureDir creates dir 0700 (and its parents) and refuses one that is a
// symbolic link or not a directory.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, safefile.Unwrap(err))
	}
	if err := checkDir(dir); err != nil {
		return err
	}
	if fi, err := os.Lstat(dir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		_ = os.Chmod(dir, 0o700) //nolint:gosec // a directory needs its search bit: 0700 is owner-only
	}
	return nil
}

// checkDir refuses a directory that is a symbolic link: the pending
// files and locks would then live wherever it points.
func checkDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return fmt.Errorf("%s is a symbolic link; axero keeps its pending rotations only in a real directory", dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	return nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { //nolint:gosec // our own pending directory, opened only to fsync it
		_ = d.Sync()
		_ = d.Close()
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
