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
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/keychain"
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
// succeed: an --out that exists (without --force), is a symbolic link or a
// directory (usage errors, exit 2), or whose directory cannot be written;
// a --keychain profile that already exists (without --force); and a
// keychain that does not answer (exit 1).
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
		// A keychain that does not answer now will not take the token
		// once it is minted: say so while nothing exists on the server.
		if err := keychain.Check(f.Keychain()); err != nil {
			var unavailable *keychain.UnavailableError
			if errors.As(err, &unavailable) {
				return fmt.Errorf("--keychain: the OS keychain is unavailable (%s); nothing was minted. Pass --out FILE to keep the token in a 0600 file instead, or leave out --keychain to see it once", unavailable.Cause)
			}
			return fmt.Errorf("--keychain: the OS keychain does not answer (%w); nothing was minted", err)
		}
	}
	return nil
}

// preflightOutFile checks that path can be created: it does not exist
// (unless force) and its directory accepts new files.
// What the command line asks for is wrong in these cases, whatever the
// server would say: they are usage errors (exit 2), as for the bulk runs.
func preflightOutFile(path string, force bool) error {
	if fi, err := os.Lstat(path); err == nil {
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			return cmdutil.FlagErrorf("--out %s is a symbolic link; a token is never written through one: give the path of the file itself", path)
		case fi.IsDir():
			return cmdutil.FlagErrorf("--out %s is a directory", path)
		case !force:
			return cmdutil.FlagErrorf("--out %s already exists; refusing to overwrite it without --force", path)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("--out %s: %w", path, safefile.Unwrap(err))
	}
	dir := filepath.Dir(path)
	probe, err := os.CreateTemp(dir, ".axero-probe-*")
	if err != nil {
		return fmt.Errorf("--out %s: cannot create a file in %s: %w", path, dir, safefile.Unwrap(err))
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
// Under GitHub Actions the secret is masked first (cmdutil.MaskInCI), whatever
// happens next: even a token that only goes to a file may be printed by a
// later step.
//
// The returned error never contains the secret.
func deliverToken(f *cmdutil.Factory, ct *client.CreatedToken, d TokenDelivery) error {
	cmdutil.MaskInCI(f, ct.Secret)
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
			return storedButNotShown(ct, stored, err)
		}
	default:
		if err := showStored(f, ct, d.Output, stored); err != nil {
			return storedButNotShown(ct, stored, err)
		}
	}
	if len(failures) > 0 {
		return cmdutil.Exit(cmdutil.ExitFailure, fmt.Errorf("token %d was created and shown above, but %s", ct.TokenID, strings.Join(failures, "; and ")))
	}
	return nil
}

// storedButNotShown says, when printing fails after the token was stored
// (a --jq expression that fails on the record, a closed stdout), that the
// token exists and where it is, keeping the printing error's exit status:
// the user must not mint another one to be safe.
func storedButNotShown(ct *client.CreatedToken, stored []string, err error) error {
	return cmdutil.Exit(cmdutil.ExitCode(err), fmt.Errorf("token %d was minted and stored in %s, but printing it failed: %s",
		ct.TokenID, strings.Join(stored, " and "), cmdutil.Message(err)))
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
// `axero exec` use it (credentials.StoreInKeychainProfile).
func storeInKeychainProfile(f *cmdutil.Factory, name string, ct *client.CreatedToken, userName string) error {
	url, err := f.SiteURL()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	site := config.Profile{URL: url}
	if old, ok := cfg.Profile(name); ok {
		site.CAFile = old.CAFile
	}
	if cur, _, err := f.Profile(); err == nil {
		// Keep the site's settings (path overrides, plain http on loopback)
		// so that the new profile talks to the site the same way.
		site.Paths, site.AllowHTTP = cur.Paths, cur.AllowHTTP
		if ca, err := f.AbsCAFile(&cur); err == nil {
			site.CAFile = ca
		}
	}
	to := credentials.NewHolder{Site: site, UserID: ct.UserID, UserName: userName}
	return f.Credentials().StoreInKeychainProfile(name, to, heldToken(ct), ct.Secret)
}

// heldToken is what a profile records about a newly minted token.
func heldToken(ct *client.CreatedToken) credentials.Held {
	h := credentials.Held{TokenID: ct.TokenID, Name: ct.Name}
	if ct.ExpirationDate != nil && !ct.ExpirationDate.IsZero() {
		h.Expires = ct.ExpirationDate.UTC()
	}
	return h
}
