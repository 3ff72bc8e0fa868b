package doctor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/timefmt"
	"github.com/axero-cli/axero/keychain"
)

// localState is what the checks of this machine found.
type localState struct {
	cfg     *config.Config
	profile *config.Profile // the stored profile in use; nil if none
	// refusal is why no stored token may go to the site in use (--url or
	// AXERO_URL naming another profile's site); nil when one may.
	refusal *credentials.SiteError
	token   string // in memory only, never printed
	source  string // cmdutil.SourceEnv, SourceKeychain, SourceFile
	// keychainToken and keychainErr are the keychain lookup of the
	// profile's token, done once by the keychain check.
	keychainToken string
	keychainErr   error
	keychainRead  bool
}

// expiryWarning is how close to its expiry the token must be for a WARN.
const expiryWarning = cmdutil.ExpiryWarningWindow

func (d *doctor) checkConfig() {
	const name = "config"
	cfg, err := d.f.Config()
	if err != nil {
		d.r.fail(name, err.Error(), "fix or remove the file, then run `axero login` again")
		return
	}
	d.local.cfg = cfg
	// The profile in use is the one bound to the site in use; when no
	// stored token may go to that site, no profile's token is used.
	if b, err := d.f.Binding(); err == nil {
		d.local.refusal = b.Refusal
		if b.Refusal == nil {
			d.local.profile = b.Stored
		}
	}
	path := cfg.Path()
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		d.r.ok(name, fmt.Sprintf("no file at %s yet: nothing stored", path))
		return
	case err != nil:
		d.r.fail(name, fmt.Sprintf("cannot read %s: %v", path, err), "check the permissions of the configuration directory, or set AXERO_CONFIG_DIR")
		return
	}
	profile := fmt.Sprintf("profile %q ", d.f.ProfileName())
	if _, found := cfg.Profile(d.f.ProfileName()); found {
		profile += "found"
	} else {
		profile += "not in it"
	}
	detail := fmt.Sprintf("%s (mode %04o), %s", path, info.Mode().Perm(), profile)
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		d.r.warn(name, detail, fmt.Sprintf("other users can read it: run `chmod 600 %s`", path))
		return
	}
	if dirInfo, err := os.Stat(filepath.Dir(path)); err == nil && runtime.GOOS != "windows" && dirInfo.Mode().Perm()&0o077 != 0 {
		d.r.warn(name, detail+fmt.Sprintf("; its directory has mode %04o", dirInfo.Mode().Perm()), fmt.Sprintf("run `chmod 700 %s`", filepath.Dir(path)))
		return
	}
	d.r.ok(name, detail)
}

// keychainNeeded reports whether this run's token lives in the keychain:
// the profile keeps it there and AXERO_TOKEN does not override it.
func (d *doctor) keychainNeeded() bool {
	return d.envToken() == "" && d.local.profile != nil && d.local.profile.TokenStore == config.StoreKeychain
}

func (d *doctor) envToken() string { return strings.TrimSpace(d.f.Getenv("AXERO_TOKEN")) }

// keychainBackend names the OS keychain go-keyring talks to here.
func keychainBackend() string {
	switch runtime.GOOS {
	case "darwin":
		return "macOS Keychain"
	case "windows":
		return "Windows Credential Manager"
	}
	return "Secret Service over D-Bus"
}

// doctorProbeAccount is looked up when the profile keeps no token in the
// keychain: finding nothing proves that the keychain answers.
const doctorProbeAccount = "axero-doctor-probe"

func (d *doctor) checkKeychain() {
	const name = "keychain"
	needed := d.keychainNeeded()
	why := d.notNeededBecause()
	if keychain.Disabled(d.f.Getenv("AXERO_KEYCHAIN")) {
		if needed {
			d.r.fail(name, fmt.Sprintf("disabled by AXERO_KEYCHAIN=off, but profile %q keeps its token there", d.f.ProfileName()),
				"unset AXERO_KEYCHAIN, or set AXERO_TOKEN, or log in again with --insecure-storage")
			d.local.keychainErr, d.local.keychainRead = &keychain.UnavailableError{Cause: "disabled by AXERO_KEYCHAIN=off"}, true
			return
		}
		d.r.ok(name, "disabled by AXERO_KEYCHAIN=off; not needed: "+why)
		return
	}
	account := doctorProbeAccount
	if needed {
		account = keychain.Account(d.f.ProfileName(), d.local.profile.URL)
	}
	start := time.Now()
	tok, err := d.f.Keychain().Get(account)
	took := time.Since(start)
	if needed {
		d.local.keychainToken, d.local.keychainErr, d.local.keychainRead = tok, err, true
	}
	backend := keychainBackend()
	var unavailable *keychain.UnavailableError
	switch {
	case err == nil || errors.Is(err, keychain.ErrNotFound):
		detail := fmt.Sprintf("reachable (%s), lookup took %s", backend, roundDuration(took))
		if !needed {
			detail += "; not needed: " + why
		}
		d.r.ok(name, detail)
	case errors.As(err, &unavailable) && needed:
		d.r.fail(name, fmt.Sprintf("unreachable (%s): %s, after %s; profile %q keeps its token there", backend, unavailable.Cause, roundDuration(took), d.f.ProfileName()),
			keychainHint())
	case errors.As(err, &unavailable):
		// Not a problem for this run (CI with AXERO_TOKEN, a file login):
		// only said, so that a later keychain login is no surprise.
		d.r.ok(name, fmt.Sprintf("unreachable (%s): %s; not needed: %s (only `axero login` without --insecure-storage, and --keychain, need it)", backend, unavailable.Cause, why))
	default:
		d.r.fail(name, fmt.Sprintf("lookup failed (%s): %v", backend, err), keychainHint())
	}
}

func keychainHint() string {
	if runtime.GOOS == "linux" {
		return "unlock the keyring or start a Secret Service (gnome-keyring-daemon) in a D-Bus session; or set AXERO_TOKEN; or log in again with --insecure-storage"
	}
	return "unlock the keychain; or set AXERO_TOKEN; or log in again with --insecure-storage"
}

// notNeededBecause says where the token comes from when not the keychain.
func (d *doctor) notNeededBecause() string {
	switch {
	case d.envToken() != "":
		return "the token comes from AXERO_TOKEN"
	case d.local.profile != nil && d.local.profile.TokenStore == config.StoreFile:
		return "the token is in a file (--insecure-storage)"
	}
	return "no profile keeps its token there"
}

func (d *doctor) checkToken() {
	const name = "token"
	where := ""
	switch {
	case d.envToken() != "":
		d.local.token, d.local.source, where = d.envToken(), cmdutil.SourceEnv, "AXERO_TOKEN"
	case d.local.cfg == nil:
		d.r.skip(name, "config failed")
		return
	case d.local.refusal != nil:
		d.r.fail(name, "none for this site: "+d.local.refusal.Problem(),
			"a stored token is only sent to its own site: log in to this one, set AXERO_TOKEN, or unset AXERO_URL / drop --url")
		return
	case d.local.profile == nil:
		d.r.fail(name, fmt.Sprintf("none: AXERO_TOKEN is not set and there is no profile %q", d.f.ProfileName()),
			"run `axero login --url URL`, or set AXERO_TOKEN (and AXERO_URL)")
		return
	case d.local.profile.TokenStore == config.StoreKeychain:
		if !d.r.passed("keychain") {
			d.r.skip(name, "keychain failed")
			return
		}
		if errors.Is(d.local.keychainErr, keychain.ErrNotFound) {
			d.r.fail(name, fmt.Sprintf("none: the keychain holds no token for profile %q", d.f.ProfileName()), "run `axero login` again")
			return
		}
		d.local.token, d.local.source, where = d.local.keychainToken, cmdutil.SourceKeychain, "the OS keychain"
	case d.local.profile.TokenStore == config.StoreFile:
		tok, err := d.local.cfg.ReadFileToken(d.f.ProfileName())
		if err != nil {
			if errors.Is(err, config.ErrNoToken) {
				d.r.fail(name, fmt.Sprintf("none: the token file of profile %q is missing or empty", d.f.ProfileName()), "run `axero login --insecure-storage` again")
				return
			}
			d.r.fail(name, err.Error(), "")
			return
		}
		d.local.token, d.local.source, where = tok, cmdutil.SourceFile, "a file (--insecure-storage)"
	default:
		d.r.fail(name, fmt.Sprintf("none: profile %q stores no token", d.f.ProfileName()), "run `axero login`, or set AXERO_TOKEN")
		return
	}
	if d.local.source != cmdutil.SourceEnv {
		if err := credentials.CheckSite(d.f.ProfileName(), d.local.profile, d.local.token); err != nil {
			// Never sent, not even to ask the site about it.
			d.local.token = ""
			d.r.fail(name, "from "+where+": "+err.Error(), "")
			return
		}
	}
	d.describeToken(name, where)
}

// describeToken reports what the token says about itself, decoded offline.
func (d *doctor) describeToken(name, where string) {
	info, err := jwtinfo.Decode(d.local.token)
	if err != nil {
		d.r.warn(name, "from "+where+"; not a JWT, so its expiry cannot be read offline", "check that the whole token was copied; the auth check below says whether the server accepts it")
		return
	}
	what := fmt.Sprintf("from %s: token %d", where, info.TokenID)
	if info.Name != "" {
		what += fmt.Sprintf(" %q", info.Name)
	}
	what += fmt.Sprintf(" of UserID %d", info.UserID)
	if info.ActorID != 0 {
		what += fmt.Sprintf(" (impersonation by UserID %d)", info.ActorID)
	}
	elsewhere := d.envTokenElsewhere(info.Issuer)
	if info.ExpiresAt == nil {
		if elsewhere != "" {
			d.r.warn(name, what+", never expires; "+elsewhere, envElsewhereHint)
			return
		}
		d.r.ok(name, what+", never expires")
		return
	}
	exp := *info.ExpiresAt
	when := fmt.Sprintf("%s (%s)", timefmt.Expiry(info.ExpiresAt, d.now), exp.UTC().Format(time.RFC3339))
	switch {
	case !exp.After(d.now):
		d.r.fail(name, what+", "+when, "create a new token in Axero and run `axero login` again (an expired token cannot be rotated)")
	case exp.Sub(d.now) <= expiryWarning:
		d.r.warn(name, what+", expires "+when, "rotate it now: `axero token rotate "+fmt.Sprint(info.TokenID)+"`")
	case elsewhere != "":
		d.r.warn(name, what+", expires "+when+"; "+elsewhere, envElsewhereHint)
	default:
		d.r.ok(name, what+", expires "+when)
	}
}

const envElsewhereHint = "unless the site answers under both names, set AXERO_TOKEN to a token of the site in use"

// envTokenElsewhere says, for AXERO_TOKEN, that its iss names another site
// than the one in use; "" when it does not (or the token is stored, which
// checkToken has bound to its site already).
func (d *doctor) envTokenElsewhere(iss string) string {
	if d.local.source != cmdutil.SourceEnv || strings.TrimSpace(iss) == "" {
		return ""
	}
	b, err := d.f.Binding()
	if err != nil || b.Site == "" || client.SameSite(iss, b.Site) {
		return ""
	}
	return fmt.Sprintf("issued by %s, not by the site in use %s", iss, b.Site)
}

// roundDuration keeps durations readable: milliseconds below a second.
func roundDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "under 1ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
