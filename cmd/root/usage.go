package root

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// usageErrors makes every positional-argument error a usage error (exit 2)
// that says in words what the command needs, and makes a group command
// (`axero token lst`) suggest the subcommand that was probably meant, as
// Cobra does only at the root.
func usageErrors(c *cobra.Command) {
	switch {
	case c.HasSubCommands() && c.HasParent():
		c.Args = unknownSubcommand
	case c.Args != nil:
		validate := c.Args
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := validate(cmd, args); err != nil {
				return parseError(argsInWords(cmd, args, err))
			}
			return nil
		}
	}
	c.SuggestionsMinimumDistance = 2
	for _, sub := range c.Commands() {
		usageErrors(sub)
	}
}

// unknownSubcommand refuses an argument to a command that only groups
// others, naming the closest subcommands.
func unknownSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return parseError(fmt.Errorf("unknown command %q for %q%s", args[0], c.CommandPath(), didYouMean(c.SuggestionsFor(args[0]))))
}

// didYouMean is "; did you mean X?" (or "X or Y?") for suggestions, or "".
func didYouMean(suggestions []string) string {
	switch len(suggestions) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("; did you mean %q?", suggestions[0])
	}
	quoted := make([]string, len(suggestions))
	for i, s := range suggestions {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return "; did you mean " + strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1] + "?"
}

// cobraArgCount matches Cobra's own argument-count messages, and
// cobraNoArgs the one cobra.NoArgs gives a command without subcommands.
var (
	cobraArgCount = regexp.MustCompile(`^(accepts|requires at least|requires at most|accepts between) `)
	cobraNoArgs   = regexp.MustCompile(`^unknown command ".*" for "`)
)

// argsInWords replaces Cobra's "accepts 2 arg(s), received 0" with what the
// command's usage line says it takes: "missing NEW-NAME".
func argsInWords(c *cobra.Command, args []string, err error) error {
	if cobraNoArgs.MatchString(err.Error()) {
		return fmt.Errorf("%s takes no arguments, got %q", name(c), strings.Join(args, " "))
	}
	if !cobraArgCount.MatchString(err.Error()) {
		return err
	}
	want := usageArgs(c.Use)
	if len(want) == 0 {
		// The usage line has alternatives in parentheses: say the count.
		return fmt.Errorf("%s %s", name(c), cobraCountWords.Replace(err.Error()))
	}
	var required []string
	for _, w := range want {
		if !strings.HasPrefix(w, "[") {
			required = append(required, w)
		}
	}
	if len(args) < len(required) {
		return fmt.Errorf("%s needs %s: missing %s", name(c), strings.Join(want, " "), joinAnd(required[len(args):]))
	}
	return fmt.Errorf("%s takes %s, got %d arguments", name(c), strings.Join(want, " "), len(args))
}

// cobraCountWords turns Cobra's counts into words.
var cobraCountWords = strings.NewReplacer("accepts", "takes", "requires", "takes", "arg(s)", "argument(s)", "received", "got")

// name is the command's path without the program's name: "token rename".
func name(c *cobra.Command) string {
	if !c.HasParent() {
		return c.Name()
	}
	_, rest, _ := strings.Cut(c.CommandPath(), " ")
	return rest
}

// usageArgs are the positional placeholders of a Use line: "rename ID|NAME
// NEW-NAME" gives [ID|NAME NEW-NAME], "call [METHOD] PATH" gives [[METHOD]
// PATH]. Flags, their values, groups of flags in brackets and alternatives
// in parentheses are left out.
func usageArgs(use string) []string {
	fields := strings.Fields(use)
	if len(fields) < 2 {
		return nil
	}
	fields = fields[1:]
	nesting := func(f string) int {
		return strings.Count(f, "(") + strings.Count(f, "[") - strings.Count(f, ")") - strings.Count(f, "]")
	}
	var out []string
	depth := 0
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		if depth > 0 {
			depth += nesting(f)
			continue
		}
		switch {
		case f == "--":
		case strings.HasPrefix(f, "("), f == "[flags]", strings.HasPrefix(f, "[-") && f != "[-]":
			depth = nesting(f)
		case strings.HasPrefix(f, "-"):
			// A flag; the word after it is its value.
			if i+1 < len(fields) && !strings.ContainsAny(fields[i+1][:1], "-[(") {
				i++
			}
		default:
			out = append(out, f)
		}
	}
	return out
}

func joinAnd(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// flagError makes a flag parsing error a usage error and, for an unknown
// flag, names the closest flag the command has.
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		if s := closestFlag(c, name); s != "" {
			err = fmt.Errorf("%w; did you mean --%s?", err, s)
		}
	}
	return parseError(err)
}

// closestFlag is the command's flag nearest to name (a typo or a prefix),
// or "".
func closestFlag(c *cobra.Command, name string) string {
	best, bestDist := "", 3
	consider := func(candidate string, hidden bool) {
		if hidden {
			return
		}
		d := levenshtein(name, candidate)
		if strings.HasPrefix(candidate, name) && len(name) >= 3 {
			d = 1
		}
		if d < bestDist {
			best, bestDist = candidate, d
		}
	}
	c.Flags().VisitAll(func(f *pflag.Flag) { consider(f.Name, f.Hidden) })
	c.InheritedFlags().VisitAll(func(f *pflag.Flag) { consider(f.Name, f.Hidden) })
	return best
}

// levenshtein is the edit distance between a and b.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// commandLineError is a command line that does not parse: an unknown
// command or flag, or the wrong arguments. It is a usage error (exit 2), and
// the usage line follows its message.
type commandLineError struct{ cmdutil.FlagError }

func parseError(err error) error { return &commandLineError{cmdutil.FlagError{Err: err}} }

// usageHint is what follows a command-line error on stderr: the usage line
// of the command and where to read more.
func usageHint(c *cobra.Command, err error) string {
	var ce *commandLineError
	if c == nil || !errors.As(err, &ce) {
		return ""
	}
	return fmt.Sprintf("Usage: %s\nRun '%s --help' for more.", c.UseLine(), c.CommandPath())
}
