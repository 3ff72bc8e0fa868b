package token

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/output"
)

// Sort keys of token list.
var tokenSortKeys = []string{"created", "expires", "name", "last-used"}

// ListOptions are the inputs of `axero token list`.
type ListOptions struct {
	Factory        *cmdutil.Factory
	User           string
	Active         bool
	Expired        bool
	ExpiringWithin string
	Impersonation  bool
	Sort           string
	Limit          int
	ExitCode       bool
	Output         output.Options
}

// NewCmdList builds `axero token list`; runF, when set, runs instead of
// the command once the flags are checked.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{Factory: f}
	c := &cobra.Command{
		Use:   "list",
		Short: "List tokens (metadata only, never secrets)",
		Long: `List your tokens, or with --user another user's tokens, impersonation tokens
included (an administrator with the impersonation permission).

On a terminal times are relative ("in 29 days"); piped, the rows are
tab-separated with RFC 3339 times and no header. A token is expired when the
server says so or its expiry has passed. --expiring-within D keeps tokens that
have not expired yet but will within D (90m, 12h, 7d, 4w, ...). --sort created
puts the oldest first, expires the soonest expiry first, last-used the most
recently used first; tokens that never expire or were never used come last.

--exit-code exits 6 when the filtered list is not empty, so that a CI job can
fail when tokens are about to expire.`,
		Example: `  $ axero token list
  $ axero token list --expiring-within 14d --exit-code
  $ axero token list --user jdoe@example.com --impersonation -o csv
  $ axero token list --sort last-used --jq '.[] | select(.LastUsedDate == null) | .TokenID'`,
		Aliases: []string{"ls"},
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Active && opts.Expired {
				return cmdutil.FlagErrorf("--active and --expired cannot be used together")
			}
			if c.Flags().Changed("limit") && opts.Limit < 1 {
				return cmdutil.FlagErrorf("--limit must be at least 1")
			}
			if opts.Sort != "" && !slices.Contains(tokenSortKeys, opts.Sort) {
				return cmdutil.FlagErrorf("unknown --sort %q: want one of %s", opts.Sort, strings.Join(tokenSortKeys, ", "))
			}
			if c.Flags().Changed("user") && strings.TrimSpace(opts.User) == "" {
				return cmdutil.FlagErrorf("--user needs a UserID, an email address or a user name")
			}
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return listRun(c.Context(), opts)
		},
	}
	fl := c.Flags()
	fl.StringVar(&opts.User, "user", "", "list this `user`'s tokens, impersonation ones included (admin): a UserID, email or user name")
	fl.BoolVar(&opts.Active, "active", false, "only tokens that have not expired")
	fl.BoolVar(&opts.Expired, "expired", false, "only expired tokens")
	fl.StringVar(&opts.ExpiringWithin, "expiring-within", "", "only tokens that expire within `D` (e.g. 7d) and have not expired yet")
	fl.BoolVar(&opts.Impersonation, "impersonation", false, "only impersonation tokens")
	fl.StringVar(&opts.Sort, "sort", "created", "sort by `key`: "+strings.Join(tokenSortKeys, ", "))
	fl.IntVar(&opts.Limit, "limit", 0, "show at most `N` tokens")
	fl.BoolVar(&opts.ExitCode, "exit-code", false, "exit 6 when the filtered list is not empty")
	output.AddFlags(c, &opts.Output)
	_ = c.RegisterFlagCompletionFunc("sort", cmdutil.CompleteSort())
	_ = c.RegisterFlagCompletionFunc("expiring-within", cmdutil.FixedValues("7d", "14d", "30d"))
	return c
}

func listRun(ctx context.Context, opts *ListOptions) error {
	f := opts.Factory
	now := f.Now()
	var within time.Time
	if opts.ExpiringWithin != "" {
		spec, err := expiry.Parse(opts.ExpiringWithin, now)
		if err != nil || spec.Never || spec.Default {
			return cmdutil.FlagErrorf("invalid --expiring-within %q: give a duration such as 7d or a date", opts.ExpiringWithin)
		}
		within = spec.At
	}
	c, err := f.Client()
	if err != nil {
		return err
	}
	tokens, err := cmdutil.ListTokens(ctx, c, opts.User)
	if err != nil {
		return err
	}
	tokens = filterTokens(tokens, opts, now, within)
	sortTokens(tokens, opts.Sort)
	if opts.Limit > 0 && len(tokens) > opts.Limit {
		tokens = tokens[:opts.Limit]
	}
	if len(tokens) == 0 && opts.Output.EffectiveFormat() == output.FormatTable && f.IO.IsStdoutTTY() {
		fmt.Fprintln(f.IO.ErrOut, "No tokens match.")
	} else if err := output.Print(f.IO, opts.Output, tokens, func(tty bool) output.TableData {
		return tokenTable(f, tokens, tty, now)
	}); err != nil {
		return err
	}
	if opts.ExitCode && len(tokens) > 0 {
		return cmdutil.Exit(cmdutil.ExitFound, nil)
	}
	return nil
}

func filterTokens(tokens []client.Token, opts *ListOptions, now, within time.Time) []client.Token {
	out := make([]client.Token, 0, len(tokens))
	for _, t := range tokens {
		expired := t.Expired(now)
		switch {
		case opts.Active && expired,
			opts.Expired && !expired,
			opts.Impersonation && !t.IsImpersonation:
			continue
		}
		if !within.IsZero() {
			if expired || t.ExpirationDate == nil || t.ExpirationDate.IsZero() || t.ExpirationDate.After(within) {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// sortTokens sorts by key (created: oldest first; expires: soonest first;
// name: alphabetical; last-used: most recent first), ties by TokenID;
// missing times (never expires, never used) sort last.
func sortTokens(tokens []client.Token, key string) {
	timeOf := func(t *client.Time) (time.Time, bool) {
		if t == nil || t.IsZero() {
			return time.Time{}, false
		}
		return t.Time, true
	}
	less := func(a, b client.Token) int {
		switch key {
		case "name":
			if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
				return c
			}
		case "expires", "last-used":
			ta, oka := timeOf(a.ExpirationDate)
			tb, okb := timeOf(b.ExpirationDate)
			if key == "last-used" {
				ta, oka = timeOf(a.LastUsedDate)
				tb, okb = timeOf(b.LastUsedDate)
			}
			switch {
			case oka && !okb:
				return -1
			case !oka && okb:
				return 1
			case oka && okb && !ta.Equal(tb):
				if key == "last-used" {
					return tb.Compare(ta) // most recently used first
				}
				return ta.Compare(tb)
			}
		default:
			if !a.DateCreated.Equal(b.DateCreated.Time) {
				return a.DateCreated.Compare(b.DateCreated.Time)
			}
		}
		switch {
		case a.TokenID < b.TokenID:
			return -1
		case a.TokenID > b.TokenID:
			return 1
		}
		return 0
	}
	sort.SliceStable(tokens, func(i, j int) bool { return less(tokens[i], tokens[j]) < 0 })
}

// tokenTable is the table and CSV form of a token list. On a colour
// terminal an expired token's EXPIRES is red, one expiring within 7 days
// yellow, and an impersonation token's TYPE purple. On a narrow terminal
// long names are cut first, then TYPE, CREATED and LAST USED left out.
func tokenTable(f *cmdutil.Factory, tokens []client.Token, tty bool, now time.Time) output.TableData {
	td := output.TableData{
		Headers: []string{"ID", "NAME", "CREATED", "EXPIRES", "LAST USED", "TYPE"},
		Fit:     output.Fit{Truncate: []string{"NAME"}, Drop: []string{"TYPE", "CREATED", "LAST USED"}},
	}
	for _, t := range tokens {
		var exp *time.Time
		if t.ExpirationDate != nil && !t.ExpirationDate.IsZero() {
			e := t.ExpirationDate.UTC()
			exp = &e
		}
		lastUsed := "never"
		if t.LastUsedDate != nil && !t.LastUsedDate.IsZero() {
			lastUsed = output.FormatTime(t.LastUsedDate.Time, tty, now)
		}
		kind := "personal"
		if t.IsImpersonation {
			kind = "impersonation"
			if tty {
				kind = output.Tint(f.IO, output.Notable, kind)
			}
		}
		td.Rows = append(td.Rows, []string{
			strconv.FormatInt(t.TokenID, 10),
			t.Name,
			output.FormatTime(t.DateCreated.Time, tty, now),
			output.Expiry(f.IO, exp, tty, now),
			lastUsed,
			kind,
		})
	}
	return td
}
