package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/keychain"
	"github.com/axero-cli/axero/output"
)

// StatusOptions are the inputs of `axero status`.
type StatusOptions struct {
	Factory *cmdutil.Factory
	Offline bool
	Output  output.Options
}

// envProfileName names the entry for AXERO_TOKEN in the status list.
const envProfileName = "(AXERO_TOKEN)"

// Server verdicts in the status list.
const (
	verdictValid      = "valid"
	verdictNotChecked = "not checked"
)

// Causes of a status entry, as its Cause field gives them. They are part
// of the -o json contract: scripts tell "the keychain is unreachable" from
// "the token is bad" by them.
const (
	CauseValid               = "valid"                // the server accepts the token
	CauseNotChecked          = "not-checked"          // --offline: a token is there, unexpired
	CauseNoToken             = "no-token"             // nothing stored for the profile
	CauseKeychainUnreachable = "keychain-unreachable" // the OS keychain did not answer
	CauseTokenUnreadable     = "token-unreadable"     // stored, but could not be read (e.g. a file others can read)
	CauseNoSite              = "no-site"              // AXERO_TOKEN without a site URL
	CauseExpired             = "expired"              // its expiry has passed
	CauseRejected            = "rejected"             // the server answered 401
	CauseForbidden           = "forbidden"            // the server answered 403: no REST API access
	CauseServerUnreachable   = "server-unreachable"   // no answer: refused, DNS, timeout
	CauseCertificate         = "certificate"          // the site's TLS certificate did not verify (--ca-file)
	CauseServerError         = "server-error"         // an answer, but not a usable one (5xx, HTML, malformed)
	// CauseMalformed: --offline, and the token does not even decode as
	// a JWT, so it cannot be an Axero token (online, the server decides).
	CauseMalformed = "malformed"
	// CauseOtherSite: no stored token may go to this site, or this
	// profile's token was issued by another site (a stored token is only
	// sent to its own site).
	CauseOtherSite = "other-site"
)

// StatusEntry is one line of `axero status`. It never holds a token.
type StatusEntry struct {
	Profile string `json:"Profile"`
	Active  bool   `json:"Active"` // the profile commands use now
	Site    string `json:"Site"`
	// SiteFrom, on the active entry, says where the site in use comes
	// from: "--url", "AXERO_URL" or "profile".
	SiteFrom  string     `json:"SiteFrom,omitempty"`
	User      string     `json:"User,omitempty"`
	UserID    int64      `json:"UserID,omitempty"`
	Source    string     `json:"Source"` // env, keychain, file, or none
	TokenID   int64      `json:"TokenID,omitempty"`
	TokenName string     `json:"TokenName,omitempty"`
	Expires   *time.Time `json:"Expires"` // null: never expires, or unknown
	Expired   bool       `json:"Expired"`
	Server    string     `json:"Server"`            // valid, rejected (401), unreachable: ..., not checked
	Problem   string     `json:"Problem,omitempty"` // why the token could not be read
	Usable    bool       `json:"Usable"`
	// Cause is the entry's state as one stable word, for scripts: one of
	// the Cause* constants.
	Cause string `json:"Cause"`

	token       string // in memory only, for the server check
	unreachable bool
	expiryKnown bool // from the JWT, or recorded at login
	decoded     bool // the token decodes as a JWT
}

// NewCmdStatus builds `axero status`; runF, when set, runs instead of the
// command once the flags are checked.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{Factory: f}
	c := &cobra.Command{
		Use:   "status [--offline]",
		Short: "Show each profile's site, user, token source and expiry, and whether the server accepts it",
		Long: `Show every profile, and AXERO_TOKEN when it is set: the site, the user,
where the token comes from (env, keychain or file), when it expires (decoded
from the token itself), and whether the server still accepts it (checked with
GET /api/users/me; --offline skips that). The profile in use is starred on a
terminal, and stderr says which site commands talk to, where that comes from
(--url, AXERO_URL or the profile) and with which credential.

A stored token is only sent to its own profile's site. When --url or
AXERO_URL names a site no profile is logged in to, that site is the first
entry, with what to do, and the exit status is 3, as for any command there.

The exit status is 0 when at least one token is usable, 3 when none is
(missing, expired, rejected), and 1 when the server could not be reached to
tell. No token value is ever printed.

In -o json each entry has a Cause, one stable word: valid, not-checked,
no-token, keychain-unreachable (the OS keychain did not answer: the token
may be fine), token-unreadable, no-site, expired, rejected (401), forbidden
(403), server-unreachable (no answer: refused, DNS, timeout), certificate
(the site's certificate did not verify: see --ca-file), server-error (an
answer, but not the API's: 5xx, an HTML page), malformed (--offline: the
token is not even a JWT, so not usable) or other-site (no stored token may
go to this site, or the token was issued by another site). The active
entry's SiteFrom says where the site in use comes from. The table's STATUS
column says the same in words.`,
		Example: `  $ axero status
  $ axero status --offline -o json
  $ axero status >/dev/null || axero login`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return statusRun(c.Context(), opts)
		},
	}
	c.Flags().BoolVar(&opts.Offline, "offline", false, "do not ask the server whether the tokens are still accepted")
	output.AddFlags(c, &opts.Output)
	return c
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.Factory
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	b, err := f.Binding()
	if err != nil {
		return err
	}
	now := f.Now()
	var entries []*StatusEntry
	env := envStatusEntry(f, b, now)
	if env != nil {
		entries = append(entries, env)
	}
	// Without AXERO_TOKEN, a site named by --url/AXERO_URL that no stored
	// token may go to is the active entry itself, saying why.
	var refused *StatusEntry
	if env == nil && b.Refusal != nil {
		refused = &StatusEntry{
			Profile: "(" + b.SiteFrom + ")", Active: true, Site: b.Site, SiteFrom: b.SiteFrom,
			Source: "none", Problem: b.Refusal.Problem(), Cause: CauseOtherSite,
		}
		entries = append(entries, refused)
	}
	for _, name := range cfg.ProfileNames() {
		p, _ := cfg.Profile(name)
		e := profileStatusEntry(f, name, p, now)
		if env == nil && refused == nil && name == b.Profile {
			e.Active, e.SiteFrom = true, b.SiteFrom
		}
		entries = append(entries, e)
	}
	if len(entries) == 0 {
		return cmdutil.ErrNotLoggedIn
	}
	if !opts.Offline {
		checkStatusEntries(ctx, f, cfg, entries)
	}
	usable, unreachable := 0, 0
	for _, e := range entries {
		if e.Server == "" {
			e.Server = verdictNotChecked
		}
		if opts.Offline && e.token != "" && !e.decoded && e.Problem == "" {
			// Without the server, a token is only as good as what it says
			// of itself, and this one says nothing.
			e.Problem = "not a JWT, so not an Axero token: check that the whole token was copied"
			e.Cause = CauseMalformed
		}
		e.Usable = e.token != "" && !e.Expired && e.Cause != CauseMalformed && (opts.Offline || e.Server == verdictValid)
		if e.Usable {
			usable++
		}
		if e.unreachable {
			unreachable++
		}
		e.Cause = entryCause(e)
		// Error texts can quote what a server or proxy sent back, the
		// token included: the entry's own, of any shape, and anything
		// shaped like a JWT are removed before they are printed.
		e.Server = jwtinfo.RedactSecrets(e.Server, e.token)
		e.Problem = jwtinfo.RedactSecrets(e.Problem, e.token)
	}
	if err := output.Print(f.IO, opts.Output, entries, func(tty bool) output.TableData {
		return statusTable(f.IO, entries, tty, now)
	}); err != nil {
		return err
	}
	if opts.Output.EffectiveFormat() == output.FormatTable {
		printSiteInUse(f, b, env != nil)
	}
	switch {
	case refused != nil:
		// Commands would refuse this site: so does status, whatever the
		// other profiles' tokens are worth.
		return b.Refusal
	case usable > 0:
		return nil
	case unreachable > 0:
		return cmdutil.Exit(cmdutil.ExitFailure, errors.New("no token could be confirmed: the server could not be reached, or did not answer usably"))
	}
	return cmdutil.Exit(cmdutil.ExitAuth, errors.New("no usable token: run `axero login` or set AXERO_TOKEN"))
}

// printSiteInUse says on stderr which site commands talk to now, where
// that comes from, and with which credential.
func printSiteInUse(f *cmdutil.Factory, b *cmdutil.Binding, env bool) {
	if b.Site == "" {
		return
	}
	from := b.SiteFrom
	if from == cmdutil.SiteFromProfile {
		from = fmt.Sprintf("profile %q", b.Profile)
	}
	with := fmt.Sprintf("profile %q", b.Profile)
	switch {
	case env:
		with = "AXERO_TOKEN"
	case b.Refusal != nil:
		with = "no stored token"
	}
	fmt.Fprintf(f.IO.ErrOut, "Site in use: %s (from %s), with %s\n", textsafe.Terminal(b.Site), textsafe.Terminal(from), with)
}

// envStatusEntry describes AXERO_TOKEN, which every command uses before any
// stored token, on the site in use.
func envStatusEntry(f *cmdutil.Factory, b *cmdutil.Binding, now time.Time) *StatusEntry {
	tok, source, err := f.Token()
	if err != nil || source != cmdutil.SourceEnv {
		return nil
	}
	e := &StatusEntry{Profile: envProfileName, Active: true, Source: cmdutil.SourceEnv, token: tok}
	if b.Site != "" {
		e.Site, e.SiteFrom = strings.TrimRight(b.Site, "/"), b.SiteFrom
	} else {
		e.Problem = "no site: set AXERO_URL or pass --url"
		e.Cause = CauseNoSite
	}
	describeStatusToken(e, tok, now)
	return e
}

// profileStatusEntry reads a profile's token from where login put it. A
// keychain that is locked, missing or slow is reported on the entry, in one
// line; it never stops the others from being shown.
func profileStatusEntry(f *cmdutil.Factory, name string, p *config.Profile, now time.Time) *StatusEntry {
	e := &StatusEntry{
		Profile:   name,
		Site:      p.URL,
		User:      p.User,
		UserID:    p.UserID,
		Source:    p.TokenStore,
		TokenID:   p.TokenID,
		TokenName: p.TokenName,
		Expires:   p.TokenExpires,
	}
	if e.Source == "" {
		e.Source = "none"
	}
	e.expiryKnown = p.TokenID != 0 || p.TokenExpires != nil
	tok, _, err := f.Credentials().Get(name, p)
	var unavailable *keychain.UnavailableError
	var wrongSite *credentials.SiteError
	if err == nil {
		err = credentials.CheckSite(name, p, tok)
	}
	switch {
	case err == nil:
		e.token = tok
		describeStatusToken(e, tok, now)
	case errors.As(err, &wrongSite):
		// Described offline, but never sent: not even to ask the site.
		describeStatusToken(e, tok, now)
		e.Problem = wrongSite.Problem()
		e.Cause = CauseOtherSite
	case errors.Is(err, cmdutil.ErrNotLoggedIn):
		e.Problem = "no token stored: run `axero login`"
		e.Cause = CauseNoToken
	case errors.As(err, &unavailable):
		e.Problem = "keychain unavailable: " + unavailable.Cause
		e.Cause = CauseKeychainUnreachable
	default:
		e.Problem = err.Error()
		e.Cause = CauseTokenUnreadable
	}
	if e.token == "" && e.Expires != nil && e.Expires.Before(now) {
		e.Expired = true
	}
	return e
}

// entryCause is the entry's Cause once every check is done: a problem
// found on the way keeps its cause; otherwise expiry, then the server's
// verdict, decides.
func entryCause(e *StatusEntry) string {
	switch {
	case e.Cause != "" && e.Cause != CauseServerUnreachable && e.Cause != CauseCertificate && e.Cause != CauseServerError:
		return e.Cause
	case e.Expired:
		return CauseExpired
	case e.Cause != "":
		return e.Cause
	case e.Server == verdictValid:
		return CauseValid
	case e.token == "":
		return CauseNoToken
	}
	return CauseNotChecked
}

// describeStatusToken fills in what the token says about itself.
func describeStatusToken(e *StatusEntry, tok string, now time.Time) {
	info, err := jwtinfo.Decode(tok)
	if err != nil {
		return
	}
	e.decoded = true
	if info.TokenID != 0 {
		e.TokenID = info.TokenID
	}
	if info.Name != "" {
		e.TokenName = info.Name
	}
	if e.UserID == 0 {
		e.UserID = info.UserID
	}
	e.Expires = info.ExpiresAt
	e.expiryKnown = true
	e.Expired = info.ExpiresAt != nil && !info.ExpiresAt.After(now)
}

// checkStatusEntries asks each entry's site whether its token is accepted,
// all at once, so that one slow site does not delay the others. Each check
// is a single attempt: status is a probe, not a job that must get through.
func checkStatusEntries(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, entries []*StatusEntry) {
	var wg sync.WaitGroup
	for _, e := range entries {
		if e.token == "" || e.Site == "" {
			continue
		}
		if e.Expired {
			e.Server = "not checked (expired)"
			continue
		}
		wg.Add(1)
		go func(e *StatusEntry) {
			defer wg.Done()
			checkStatusEntry(ctx, f, cfg, e)
		}(e)
	}
	wg.Wait()
}

func checkStatusEntry(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, e *StatusEntry) {
	p := &config.Profile{URL: e.Site}
	if stored, ok := cfg.Profile(e.Profile); ok {
		p = stored
	} else if cur, _, err := f.Profile(); err == nil {
		// AXERO_TOKEN talks to the site in use with its settings.
		cur.URL = e.Site
		p = &cur
	}
	cc := f.ProfileClientConfig(p, e.token)
	cc.MaxRetries = -1
	c, err := client.New(cc)
	if err != nil {
		e.Server = "not checked: " + err.Error()
		e.unreachable = true
		e.Cause = CauseServerUnreachable
		return
	}
	me, err := c.Me(ctx)
	var apiErr *client.Error
	switch {
	case err == nil:
		e.Server = verdictValid
		if me.UserName != "" {
			e.User = me.UserName
		}
		e.UserID = me.UserID
	case errors.As(err, &apiErr) && apiErr.Kind == client.KindUnauthorized:
		e.Server = "rejected (401)"
		e.Cause = CauseRejected
	case errors.As(err, &apiErr) && apiErr.Kind == client.KindForbidden:
		e.Server = "forbidden (403): no REST API access"
		e.Cause = CauseForbidden
	case client.KindOf(err) == client.KindCertificate:
		e.Server = "unreachable: " + err.Error()
		e.unreachable = true
		e.Cause = CauseCertificate
	case client.IsUnreachable(err):
		e.Server = "unreachable: " + err.Error()
		e.unreachable = true
		e.Cause = CauseServerUnreachable
	default:
		// The server answered, but not as the API does: it is there,
		// and something in front of it or in it is wrong.
		e.Server = "bad answer: " + err.Error()
		e.unreachable = true
		e.Cause = CauseServerError
	}
}

// statusTable lays the entries out: on a terminal the profile in use is
// starred and expiries are relative; piped, expiries are RFC 3339. On a
// colour terminal STATUS is green when the token works, yellow when that
// could not be told, red when it does not, and EXPIRES is coloured as in
// token list. On a narrow terminal STATUS and EXPIRES wrap within their
// columns, a long token name is cut, then SOURCE and USER are left out;
// the site stays whole.
func statusTable(ios *iostreams.IOStreams, entries []*StatusEntry, tty bool, now time.Time) output.TableData {
	t := output.TableData{
		Headers: []string{"PROFILE", "SITE", "USER", "SOURCE", "TOKEN", "EXPIRES", "STATUS"},
		Fit: output.Fit{
			Wrap:     []string{"STATUS", "EXPIRES"},
			Truncate: []string{"TOKEN"},
			Drop:     []string{"SOURCE", "USER"},
		},
	}
	for _, e := range entries {
		name := e.Profile
		if tty && e.Active {
			name = "* " + name
		} else if tty {
			name = "  " + name
		}
		tokenDesc := ""
		if e.TokenID != 0 {
			tokenDesc = fmt.Sprint(e.TokenID)
		}
		if e.TokenName != "" {
			if tokenDesc != "" {
				tokenDesc += " "
			}
			tokenDesc += e.TokenName
		}
		expires := ""
		if e.expiryKnown {
			expires = output.FormatExpiry(e.Expires, tty, now)
		}
		if tty && e.Expires != nil {
			expires += " (" + e.Expires.UTC().Format(time.RFC3339) + ")"
		}
		state := e.Server
		if e.Problem != "" {
			state = e.Problem
		} else if e.Expired && e.Server != verdictValid {
			state = "expired"
		}
		if tty {
			expires = output.Tint(ios, output.ExpiryTone(e.Expires, now), expires)
			state = output.Tint(ios, statusTone(e), state)
		}
		t.Rows = append(t.Rows, []string{name, e.Site, e.User, e.Source, tokenDesc, expires, state})
	}
	return t
}

// statusTone is what an entry's state means: the server accepts the
// token; it could not tell (or was not asked, for a keychain that did not
// answer); or the token cannot be used. An unchecked token (--offline)
// is plain.
func statusTone(e *StatusEntry) output.Tone {
	switch e.Cause {
	case CauseValid:
		return output.Good
	case CauseNotChecked:
		return output.Plain
	case CauseServerUnreachable, CauseCertificate, CauseServerError, CauseKeychainUnreachable:
		return output.Warning
	}
	return output.Bad
}
