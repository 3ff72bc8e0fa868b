package cmdutil

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/resolve"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/internal/timefmt"
)

// completionTimeout bounds a completion that asks the server. A shell waits
// for the answer before it shows anything, so a slow or unreachable site
// must cost the user a moment, not a hang.
const completionTimeout = 2 * time.Second

// noFiles offers nothing and stops the shell from falling back to file
// names, which are never a sensible value for these arguments.
const noFiles = cobra.ShellCompDirectiveNoFileComp

// FixedValues completes from a fixed list; each entry may carry a
// description after a tab.
func FixedValues(values ...string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return values, noFiles
	}
}

// CompleteSort offers the keys of `token list --sort`.
func CompleteSort() cobra.CompletionFunc {
	return FixedValues(
		"created\toldest first",
		"expires\tsoonest expiry first",
		"name\talphabetical",
		"last-used\tmost recently used first",
	)
}

// expiresValues are the typical --expires values; any duration, date or
// RFC 3339 time is accepted too.
var expiresValues = []struct {
	value, desc string
	minutes     int64 // 0: never
}{
	{"30d", "30 days", 30 * 24 * 60},
	{"90d", "90 days", 90 * 24 * 60},
	{"1y", "one year", 365 * 24 * 60},
	{"never", "no expiry, where the site's policy allows it", 0},
}

// CompleteExpires offers typical --expires values, leaving out those the
// site's policy forbids (never, where it does not allow tokens that never
// expire; a lifetime beyond its maximum), read within completionTimeout.
// Offline, logged out or too slow, it offers them all, as the policy is
// only a filter here.
func CompleteExpires(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		policy := withinCompletionBudget(c.Context(), func(ctx context.Context) (*client.Policy, error) {
			cl, err := f.Client()
			if err != nil {
				return nil, err
			}
			return cl.Policy(ctx)
		})
		var out []cobra.Completion
		for _, v := range expiresValues {
			if policy != nil {
				never := v.minutes == 0
				if (never && !policy.AllowNoExpiration) || (!never && policy.MaxExpirationMinutes > 0 && v.minutes > policy.MaxExpirationMinutes) {
					continue
				}
			}
			out = append(out, cobra.CompletionWithDesc(v.value, v.desc))
		}
		return out, noFiles
	}
}

// maxUserPages bounds how many pages of users a completion reads: enough
// for a large site, and the completion budget ends it sooner anyway.
const maxUserPages = 100

// CompleteUsers offers user names (or, once the word holds an @, email
// addresses; or, for digits, UserIDs) for a flag that takes a user, as
// the paged users list gives them to a site administrator, within
// completionTimeout; what arrived by then is offered. Anyone else, or
// offline, gets nothing: never file names.
func CompleteUsers(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx := c.Context()
		if ctx == nil {
			ctx = context.Background()
		}
		ctx, cancel := context.WithTimeout(ctx, completionTimeout)
		defer cancel()
		pages := make(chan []client.User)
		go func() {
			defer close(pages)
			cl, err := f.Client()
			if err != nil {
				return
			}
			for page := 1; page <= maxUserPages; page++ {
				p, err := cl.FindUsers(ctx, client.UserQuery{}, page, 100)
				if err != nil || len(p.Items) == 0 {
					return
				}
				select {
				case pages <- p.Items:
				case <-ctx.Done():
					return
				}
				if page*100 >= p.TotalRecords {
					return
				}
			}
		}()
		var users []client.User
		for {
			select {
			case p, ok := <-pages:
				if !ok {
					return userCandidates(users, toComplete), noFiles
				}
				users = append(users, p...)
			case <-ctx.Done():
				return userCandidates(users, toComplete), noFiles
			}
		}
	}
}

// userCandidates turns users into completion entries that start with
// toComplete: UserIDs for digits, email addresses once there is an @,
// user names otherwise. Server text goes through candidate.
func userCandidates(users []client.User, toComplete string) []cobra.Completion {
	onlyIDs := toComplete != "" && strings.Trim(toComplete, "0123456789") == ""
	emails := strings.Contains(toComplete, "@")
	var out []cobra.Completion
	for _, u := range users {
		value, desc := u.UserName, u.Email
		switch {
		case onlyIDs:
			value, desc = strconv.FormatInt(u.UserID, 10), u.UserName
		case emails:
			value, desc = u.Email, u.UserName
		}
		if u.DisplayName != "" {
			desc += " (" + u.DisplayName + ")"
		}
		if !strings.HasPrefix(strings.ToLower(value), strings.ToLower(toComplete)) {
			continue
		}
		if c, ok := candidate(value, desc); ok {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// withinCompletionBudget runs get within completionTimeout and returns
// its result, or nil when it fails or is too slow. It runs in its own
// goroutine because a keychain call cannot be interrupted.
func withinCompletionBudget[T any](ctx context.Context, get func(context.Context) (*T, error)) *T {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()
	result := make(chan *T, 1)
	go func() {
		v, err := get(ctx)
		if err != nil {
			v = nil
		}
		result <- v
	}()
	select {
	case v := <-result:
		return v
	case <-ctx.Done():
		return nil
	}
}

// CompleteProfiles offers the profile names in the config file, each with
// its site. It reads only that file: no keychain, no network.
func CompleteProfiles(f *Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		cfg, err := f.Config()
		if err != nil || cfg == nil {
			return nil, noFiles
		}
		var out []cobra.Completion
		for name, p := range cfg.Profiles {
			if !strings.HasPrefix(name, toComplete) {
				continue
			}
			desc := ""
			if p != nil {
				desc = p.URL
			}
			if c, ok := candidate(name, desc); ok {
				out = append(out, c)
			}
		}
		slices.Sort(out)
		return out, noFiles
	}
}

// CompleteTokens offers the caller's token IDs and names for every
// positional argument (token revoke ID|NAME...), leaving out those already
// given.
func CompleteTokens(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return tokenCompletions(c.Context(), f, userFlag(c), args, toComplete), noFiles
	}
}

// CompleteFirstToken offers token IDs and names for the first positional
// argument only (token rename ID|NAME NEW-NAME, token rotate ID|NAME).
func CompleteFirstToken(f *Factory) cobra.CompletionFunc {
	return func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 {
			return nil, noFiles
		}
		return tokenCompletions(c.Context(), f, userFlag(c), nil, toComplete), noFiles
	}
}

// userFlag is the value of the command's --user flag, if it has one: an
// administrator completing `token revoke --user jdoe` wants jdoe's tokens.
func userFlag(c *cobra.Command) string {
	if fl := c.Flags().Lookup("user"); fl != nil {
		return strings.TrimSpace(fl.Value.String())
	}
	return ""
}

// tokenCompletions lists the tokens of user (the caller when "") within
// completionTimeout and
// returns "ID<tab>name, expiry" and "name<tab>ID" entries that start with
// toComplete. Any failure (not logged in, no keychain, offline, timeout,
// an error answer) yields nothing: a completion has no way to show an error,
// and printing one would corrupt the shell's line.
//
// The lookup runs in its own goroutine because a keychain call cannot be
// interrupted; when time is up the shell gets its (empty) answer and the
// process exits, abandoning the call.
func tokenCompletions(ctx context.Context, f *Factory, user string, given []string, toComplete string) []cobra.Completion {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, completionTimeout)
	defer cancel()

	result := make(chan []client.Token, 1)
	go func() {
		tokens, err := listTokensForCompletion(ctx, f, user)
		if err != nil {
			tokens = nil
		}
		result <- tokens
	}()
	var tokens []client.Token
	select {
	case tokens = <-result:
	case <-ctx.Done():
		return nil
	}
	return tokenCandidates(tokens, given, toComplete, f.Now())
}

func listTokensForCompletion(ctx context.Context, f *Factory, user string) ([]client.Token, error) {
	c, err := f.Client()
	if err != nil {
		return nil, err
	}
	if user == "" {
		return c.ListAllTokens(ctx)
	}
	u, err := resolve.User(ctx, c, user)
	if err != nil {
		return nil, err
	}
	return c.ListAllUserTokens(ctx, u.UserID)
}

// tokenCandidates turns tokens into completion entries. Digits complete
// IDs only; anything else completes names and IDs alike. A name held by
// several tokens is offered once, as it would be ambiguous as an argument.
// Names from the server go through candidate.
func tokenCandidates(tokens []client.Token, given []string, toComplete string, now time.Time) []cobra.Completion {
	onlyIDs := toComplete != "" && strings.Trim(toComplete, "0123456789") == ""
	nameCount := map[string]int{}
	for _, t := range tokens {
		nameCount[t.Name]++
	}
	var ids, names []cobra.Completion
	seenName := map[string]bool{}
	for _, t := range tokens {
		id := strconv.FormatInt(t.TokenID, 10)
		if !slices.Contains(given, id) && !slices.Contains(given, t.Name) && strings.HasPrefix(id, toComplete) {
			if c, ok := candidate(id, t.Name+", "+tokenExpiry(t, now)); ok {
				ids = append(ids, c)
			}
		}
		if onlyIDs || t.Name == "" || seenName[t.Name] || slices.Contains(given, t.Name) || !strings.HasPrefix(t.Name, toComplete) {
			continue
		}
		seenName[t.Name] = true
		if nameCount[t.Name] > 1 {
			// Several tokens share this name; it would be refused as an
			// argument, so only the IDs are offered for them.
			continue
		}
		if c, ok := candidate(t.Name, "ID "+id); ok {
			names = append(names, c)
		}
	}
	return append(ids, names...)
}

// candidate builds a completion entry whose value and description may
// come from the server. The shell shows both on the terminal and types the
// value into the command line, so neither may carry what Terminal escapes:
// a description is shown escaped, and a value holding such a character (a
// control or bidi character, a tab, a line break) is not offered at all,
// since raw it would drive the terminal or split into several candidates,
// and escaped it would no longer name anything. Such a token is still
// offered by its ID, its name escaped in the description.
func candidate(value, desc string) (cobra.Completion, bool) {
	if value == "" || textsafe.Terminal(value) != value {
		return "", false
	}
	if desc == "" {
		return value, true
	}
	return cobra.CompletionWithDesc(value, textsafe.Terminal(desc)), true
}

// tokenExpiry says when a token expires: "expires in 29 days",
// "expired 3 days ago" or "never expires".
func tokenExpiry(t client.Token, now time.Time) string {
	if t.ExpirationDate == nil || t.ExpirationDate.IsZero() {
		return "never expires"
	}
	exp := t.ExpirationDate.Time
	s := timefmt.Expiry(&exp, now)
	if strings.HasPrefix(s, "expired") {
		return s
	}
	return "expires " + s
}
