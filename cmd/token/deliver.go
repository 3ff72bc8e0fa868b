package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// TokenDelivery says where a newly minted token goes. With neither Keychain
// nor Out, the token is shown once on stdout; with either, it is stored
// there and only its metadata is shown, unless storing fails, in which case
// the token is shown after all so that it is never lost.
type TokenDelivery struct {
	// Keychain stores the token in the OS keychain as the credential of the
	// profile KeychainProfile on the site in use; an empty KeychainProfile
	// means a profile named after the token.
	Keychain        bool
	KeychainProfile string
	// Out writes the record, secret included, to a new 0600 file. Force
	// allows replacing an existing file (and, for Keychain, an existing
	// profile).
	Out   string
	Force bool
	// Output is the -o/--jq choice for what goes to stdout.
	Output output.Options
	// UserName is recorded in the keychain profile; optional.
	UserName string

	// replaceProfile lets the keychain profile exist already without
	// Force: rotate sets it when that profile holds the token it replaces.
	replaceProfile bool
}

// addDeliveryFlags binds --keychain[=PROFILE], --out and --force. A bare
// --keychain means "a profile named after the token"; --keychain=TAB
// offers the profiles of the config file.
func addDeliveryFlags(c *cobra.Command, f *cmdutil.Factory, d *TokenDelivery) {
	c.Flags().StringVar(&d.KeychainProfile, "keychain", "", "store the token in the OS keychain as the credential of `PROFILE` (bare --keychain: a profile named after the token)")
	c.Flags().Lookup("keychain").NoOptDefVal = keychainDefaultProfile
	_ = c.RegisterFlagCompletionFunc("keychain", cmdutil.CompleteProfiles(f))
	c.Flags().StringVar(&d.Out, "out", "", "write the token record to a new `FILE` with mode 0600")
	c.Flags().BoolVar(&d.Force, "force", false, "replace an existing --out file or --keychain profile")
}

// keychainDefaultProfile is the value a bare --keychain takes; it is
// replaced by the token's name. Help shows it as `--keychain
// PROFILE[="<token-name>"]`, and no valid profile name looks like it.
const keychainDefaultProfile = "<token-name>"

// normalize turns the raw --keychain flag value into Keychain and
// KeychainProfile. Call it once, after flag parsing.
func (d *TokenDelivery) normalize(c *cobra.Command) {
	if c.Flags().Changed("keychain") {
		d.Keychain = true
		if d.KeychainProfile == keychainDefaultProfile {
			d.KeychainProfile = ""
		}
		d.KeychainProfile = strings.TrimSpace(d.KeychainProfile)
	}
}

// profileFor is the profile the token goes to with --keychain.
func (d *TokenDelivery) profileFor(tokenName string) string {
	if d.KeychainProfile != "" {
		return d.KeychainProfile
	}
	return strings.TrimSpace(tokenName)
}

// Preflight refuses, before anything is minted, a delivery that cannot
// succeed: an --out file that exists (without --force) or whose directory
// cannot be written, and a --keychain profile that already exists (without
// --force). Its errors are ordinary failures (exit 1).
func (d *TokenDelivery) Preflight(f *cmdutil.Factory, tokenName string) error {
	if d.Out != "" {
		if err := preflightOutFile(d.Out, d.Force); err != nil {
			return err
		}
	}
	if d.Keychain {
		name := d.profileFor(tokenName)
		if err := config.ValidateProfileName(name); err != nil {
			if d.KeychainProfile == "" {
				return cmdutil.FlagErrorf("the token name %q cannot be a profile name (letters, digits, '.', '_' and '-'); pass --keychain=PROFILE", name)
			}
			return &cmdutil.FlagError{Err: fmt.Errorf("--keychain: %w", err)}
		}
		cfg, err := f.Config()
		if err != nil {
			return err
		}
		if _, exists := cfg.Profile(name); exists && !d.Force && !d.replaceProfile {
			return fmt.Errorf("profile %q already exists; choose another with --keychain=PROFILE or pass --force to replace it", name)
		}
	}
	return nil
}

// preflightOutFile checks that path can be created: it does not exist
// (unless force) and its directory accepts new files.
func preflightOutFile(path string, force bool) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("--out %s is a directory", path)
		}
		if !force {
			return fmt.Errorf("--out %s already exists; refusing to overwrite it without --force", path)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out %s: %w", path, safefile.WithoutPath(err))
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".axero-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s: cannot create a file in %s: %w", path, dir, safefile.WithoutPath(err))
	}
	name := probe.Name()
	_ = probe.Close()
	_ = os.Remove(name)
	return nil
}

// deliverToken shows a newly minted token once and stores it where d says.
// It is the single place where a secret reaches the user, so that create,
// rotate and create-for-user (for one user) behave the same:
//
//   - nowhere to store: on a terminal the token and its ID, name and expiry
//     on stdout; piped, the bare token and a newline; with -o json/yaml the
//     record with the token in it. Either way a warning on stderr that it
//     will not be shown again.
//   - --out and/or --keychain: the token is stored; on a terminal it is
//     also shown once as above, while piped or as -o json/yaml stdout gets
//     only its metadata, so that no secret lands in a script's log.
//   - storing failed: the token is shown as if nowhere had been asked, and
//     the returned error (exit 1) says what failed and that the token was
//     shown instead. The token is never lost.
//
// Under GitHub Actions the secret is masked first (maskInCI), whatever
// happens next: even a token that only goes to a file may be printed by a
// later step.
//
// The returned error never contains the secret.
func deliverToken(f *cmdutil.Factory, ct *client.CreatedToken, d TokenDelivery) error {
	maskInCI(f, ct.Secret)
	var failures []string
	var stored []string
	if d.Out != "" {
		if err := writeTokenRecord(d.Out, ct, d.Force); err != nil {
			failures = append(failures, fmt.Sprintf("writing --out %s failed: %v", d.Out, err))
		} else {
			stored = append(stored, "file "+d.Out)
		}
	}
	if d.Keychain {
		name := d.profileFor(ct.Name)
		if err := storeInKeychainProfile(f, name, ct, d.UserName); err != nil {
			failures = append(failures, fmt.Sprintf("storing it in the keychain as profile %q failed: %v", name, err))
		} else {
			stored = append(stored, fmt.Sprintf("the OS keychain as profile %q (use it with `axero --profile %s ...`)", name, name))
		}
	}

	// A person at a terminal sees the token once even when it was stored,
	// as they would without the flags; scripts that asked for a file or
	// the keychain get no secret on stdout, where logs would keep it.
	atTerminal := f.IO.IsStdoutTTY() && d.Output.EffectiveFormat() == output.FormatTable
	switch {
	case len(failures) > 0 || len(stored) == 0:
		if err := showSecret(f, ct, withoutJQ(d).Output); err != nil {
			return err
		}
	case atTerminal:
		for _, s := range stored {
			fmt.Fprintf(f.IO.ErrOut, "Stored token %d in %s.\n", ct.TokenID, s)
		}
		if err := showSecret(f, ct, d.Output); err != nil {
			return err
		}
	default:
		if err := showStored(f, ct, d.Output, stored); err != nil {
			return err
		}
	}
	if len(failures) > 0 {
		return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("token %d was created and shown above, but %s", ct.TokenID, strings.Join(failures, "; and ")))
	}
	return nil
}

// showSecret prints the token itself, once.
func showSecret(f *cmdutil.Factory, ct *client.CreatedToken, o output.Options) error {
	ios := f.IO
	fmt.Fprintln(ios.ErrOut, "! Copy this token now: it will not be shown again, and Axero keeps only a hash of it.")
	switch o.EffectiveFormat() {
	case output.FormatJSON, output.FormatYAML:
		return output.Print(ios, o, ct, nil)
	}
	if !ios.IsStdoutTTY() {
		_, err := fmt.Fprintln(ios.Out, ct.Secret)
		return err
	}
	now := f.Now()
	// Plain, never coloured: a copy from the terminal or a capture of a
	// forced-terminal run must yield exactly the token.
	fmt.Fprintln(ios.Out, ct.Secret)
	fmt.Fprintln(ios.Out)
	printTokenSummary(f, ct.Token, now)
	return nil
}

// showStored prints a stored token's metadata: on a terminal a summary and
// where it went, as -o json/yaml the record without the secret, piped
// nothing (scripts asked for files, not chatter).
func showStored(f *cmdutil.Factory, ct *client.CreatedToken, o output.Options, stored []string) error {
	ios := f.IO
	switch o.EffectiveFormat() {
	case output.FormatJSON, output.FormatYAML:
		return output.Print(ios, o, ct.Token, nil)
	}
	for _, s := range stored {
		fmt.Fprintf(ios.ErrOut, "Stored token %d in %s; it will not be shown.\n", ct.TokenID, s)
	}
	if ios.IsStdoutTTY() {
		printTokenSummary(f, ct.Token, f.Now())
	}
	return nil
}

// printTokenSummary writes ID, name and expiry, one per line.
func printTokenSummary(f *cmdutil.Factory, t client.Token, now time.Time) {
	w := f.IO.Out
	fmt.Fprintf(w, "ID:      %d\n", t.TokenID)
	fmt.Fprintf(w, "Name:    %s\n", textsafe.Terminal(t.Name))
	fmt.Fprintf(w, "Expires: %s\n", describeTokenExpiry(t.ExpirationDate, now))
}

// describeTokenExpiry is "never" or "in 29 days (2027-01-31T23:59:59Z)".
func describeTokenExpiry(exp *client.Time, now time.Time) string {
	if exp == nil || exp.IsZero() {
		return "never"
	}
	t := exp.UTC()
	return output.FormatExpiry(&t, true, now) + " (" + t.Format(time.RFC3339) + ")"
}

// writeTokenRecord writes the created token's JSON record to a new 0600 file.
func writeTokenRecord(path string, ct *client.CreatedToken, force bool) error {
	b, err := json.MarshalIndent(ct, "", "  ") //nolint:gosec // the --out record carries the secret on purpose; it is written to a new 0600 file
	if err != nil {
		return err
	}
	return config.CreateSecretFile(path, append(b, '\n'), force)
}

// storeInKeychainProfile keeps the token in the keychain and records a
// profile for it on the site in use, so that `axero --profile NAME` and
// `axero exec` use it. The keychain entry is written before the profile so
// that a profile never points at a missing entry.
func storeInKeychainProfile(f *cmdutil.Factory, name string, ct *client.CreatedToken, userName string) error {
	site, err := f.SiteURL()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	p := &config.Profile{}
	if old, ok := cfg.Profile(name); ok {
		cp := *old
		p = &cp
	}
	if cur, _, err := f.Profile(); err == nil {
		// Keep the site's settings (path overrides, plain http on loopback)
		// so that the new profile talks to the site the same way.
		p.Paths, p.AllowHTTP = cur.Paths, cur.AllowHTTP
		if ca, err := f.AbsCAFile(&cur); err == nil {
			p.CAFile = ca
		}
	}
	p.URL = site
	p.UserID = ct.UserID
	if userName != "" {
		p.User = userName
	}
	setProfileToken(p, config.StoreKeychain, ct)
	if err := f.Credentials().Store(name, p, ct.Secret); err != nil {
		return err
	}
	cfg.SetProfile(name, p)
	return cfg.Save()
}

// setProfileToken records which token a profile now holds.
func setProfileToken(p *config.Profile, store string, ct *client.CreatedToken) {
	p.TokenStore = store
	p.TokenID = ct.TokenID
	p.TokenName = ct.Name
	p.TokenExpires = nil
	if ct.ExpirationDate != nil && !ct.ExpirationDate.IsZero() {
		t := ct.ExpirationDate.UTC()
		p.TokenExpires = &t
	}
}
