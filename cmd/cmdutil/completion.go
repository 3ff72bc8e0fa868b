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

// CompleteExpires offers typical --expires values; any duration, date or
// RFC 3339 time is accepted too.
func CompleteExpires() cobra.CompletionFunc {
	return FixedValues(
		"30d\t30 days",
		"90d\t90 days",
		"1y\tone year",
		"never\tno expiry, where the site's policy allows it",
	)
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
