package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/prompt"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// SwitchOptions are the inputs of `axero auth switch`.
type SwitchOptions struct {
	Factory *cmdutil.Factory
	Profile string // the profile to make the default; "" to choose at a prompt
}

// NewCmdSwitch builds `axero auth switch`; runF, when set, runs instead of
// the command once the arguments are checked.
func NewCmdSwitch(f *cmdutil.Factory, runF func(context.Context, *SwitchOptions) error) *cobra.Command {
	opts := &SwitchOptions{Factory: f}
	c := &cobra.Command{
		Use:   "switch [PROFILE]",
		Short: "Choose the profile commands use by default",
		Long: `Make PROFILE the default profile: the one commands use when neither
--profile nor AXERO_PROFILE names one (before, "default"). The choice is kept
in the configuration file.

Without PROFILE, on a terminal, the profiles are offered at a picker (arrow
keys and Enter; Ctrl-C changes nothing); elsewhere (a pipe, CI,
AXERO_NO_PROMPT) PROFILE is required (exit 2).
axero status stars the profile in use.`,
		Example: `  $ axero auth switch staging
  $ axero auth switch
  $ axero status`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: cmdutil.CompleteProfiles(f),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Profile = strings.TrimSpace(args[0])
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return switchRun(c.Context(), opts)
		},
	}
	return c
}

func switchRun(ctx context.Context, opts *SwitchOptions) error {
	f := opts.Factory
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	names := cfg.ProfileNames()
	if len(names) == 0 {
		return cmdutil.Exit(cmdutil.ExitAuth, fmt.Errorf("there is no profile to switch to: run `axero login` first"))
	}
	current := cfg.DefaultProfile
	if current == "" {
		current = config.DefaultProfile
	}
	name := opts.Profile
	if name == "" {
		if name, err = chooseProfile(ctx, f, cfg, names, current); err != nil {
			return err
		}
	}
	if _, ok := cfg.Profile(name); !ok {
		return cmdutil.FlagErrorf("there is no profile %q; the profiles are %s", name, strings.Join(names, ", "))
	}
	err = config.Update(cfg.Dir(), func(c *config.Config) error {
		// Another process may have logged the profile out meanwhile.
		if _, ok := c.Profile(name); !ok {
			return fmt.Errorf("profile %q is gone: another axero command removed it", name)
		}
		c.DefaultProfile = name
		if name == config.DefaultProfile {
			c.DefaultProfile = ""
		}
		return nil
	})
	if err != nil {
		return err
	}
	p, _ := cfg.Profile(name)
	who := ""
	if p.User != "" {
		who = " as " + p.User
	}
	if name == current {
		fmt.Fprintf(f.IO.ErrOut, "Profile %q (%s%s) was already the default.\n", name, textsafe.Terminal(p.URL), textsafe.Terminal(who))
	} else {
		fmt.Fprintf(f.IO.ErrOut, "Switched to profile %q (%s%s).\n", name, textsafe.Terminal(p.URL), textsafe.Terminal(who))
	}
	if env := strings.TrimSpace(f.Getenv("AXERO_PROFILE")); env != "" && env != name {
		fmt.Fprintf(f.IO.ErrOut, "warning: AXERO_PROFILE=%s is set, and takes precedence over the default while it is.\n", textsafe.Terminal(env))
	}
	return nil
}

// chooseProfile offers the profiles at a picker, the default one first
// in focus and starred, each with its site and user. It needs a terminal:
// elsewhere PROFILE must be given.
func chooseProfile(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, names []string, current string) (string, error) {
	if !cmdutil.CanPick(f.IO) {
		return "", cmdutil.FlagErrorf("which profile? pass it: axero auth switch PROFILE (the profiles are %s)", strings.Join(names, ", "))
	}
	td := output.TableData{
		Headers: []string{"  PROFILE", "SITE", "USER"},
		Fit:     output.Fit{Truncate: []string{"SITE", "USER"}},
	}
	for _, n := range names {
		p, _ := cfg.Profile(n)
		mark := "  "
		if n == current {
			mark = "* "
		}
		td.Rows = append(td.Rows, []string{mark + n, p.URL, p.User})
	}
	start := 0
	for i, n := range names {
		if n == current {
			start = i
		}
	}
	lines := output.TableLines(td, max(f.IO.ForStderr().TerminalWidth()-4, 0))
	i, err := prompt.Select(cmdutil.PromptContext(ctx), f.IO.In, f.IO.ErrOut, prompt.List{Title: "Switch to which profile?", Header: lines[0], Choices: lines[1:], Start: start})
	if errors.Is(err, prompt.ErrAborted) {
		return "", cmdutil.Exit(cmdutil.ExitInterrupted, errors.New("no profile chosen; nothing changed"))
	}
	if err != nil {
		return "", err
	}
	return names[i], nil
}
