// Package root builds axero's command tree from the command groups, with
// explicit AddCommand calls, and runs it: Execute is the one way a command
// line becomes an exit code, for main, for `axero demo` and for tests.
package root

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/api"
	"github.com/axero-cli/axero/cmd/auth"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/doctor"
	"github.com/axero-cli/axero/cmd/sandbox"
	"github.com/axero-cli/axero/cmd/token"
)

// Command groups in the root help.
const (
	groupAuth   = "auth"
	groupTokens = "tokens"
	groupAPI    = "api"
	groupOther  = "other"
)

// NewCmdRoot builds the whole command tree on f.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "axero",
		Short: "Manage Axero REST API bearer tokens",
		Long: `axero manages the lifecycle of Axero REST API bearer tokens: log in once,
create tokens for integrations and see them once, list, rename, rotate and
revoke them, mint impersonation tokens for many users from a CSV file, and
call any API endpoint. It works the same at a terminal and in CI.`,
		Example: `  $ axero login --url https://intranet.example.com
  $ axero token create --name ci-deploy --expires 90d
  # In CI, with the token in a masked secret:
  $ AXERO_TOKEN=$AXERO_CI_TOKEN axero token list --expiring-within 14d --exit-code`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       f.Version,
	}
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetIn(f.IO.In)
	root.SetVersionTemplate("axero {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)

	pf := root.PersistentFlags()
	pf.StringVar(&f.ProfileFlag, "profile", "", "profile to use (env AXERO_PROFILE; default: the one axero auth switch chose, else \"default\")")
	_ = root.RegisterFlagCompletionFunc("profile", cmdutil.CompleteProfiles(f))
	pf.StringVar(&f.URLFlag, "url", "", "site URL, e.g. https://intranet.example.com (env AXERO_URL)")
	pf.DurationVar(&f.Timeout, "timeout", f.Timeout, cmdutil.TimeoutHelp)
	pf.BoolVar(&f.Debug, "debug", false, "log HTTP exchanges on stderr, token values redacted (env AXERO_DEBUG=1)")
	pf.BoolVar(&f.AllowHTTP, "allow-http", false, "allow plain http:// to a host other than loopback")
	pf.StringVar(&f.CAFileFlag, "ca-file", "", "PEM bundle of certificate authorities to trust besides the system's (env AXERO_CA_FILE)")

	root.AddGroup(
		&cobra.Group{ID: groupAuth, Title: "Authentication:"},
		&cobra.Group{ID: groupTokens, Title: "Tokens:"},
		&cobra.Group{ID: groupAPI, Title: "API:"},
		&cobra.Group{ID: groupOther, Title: "Other:"},
	)
	root.SetHelpCommandGroupID(groupOther)
	root.SetCompletionCommandGroupID(groupOther)

	add := func(group string, cmds ...*cobra.Command) {
		for _, c := range cmds {
			c.GroupID = group
			root.AddCommand(c)
		}
	}
	add(groupAuth,
		auth.NewCmdLogin(f, nil),
		auth.NewCmdLogout(f, nil),
		auth.NewCmdStatus(f, nil),
		auth.NewCmdAuth(f),
	)
	add(groupTokens, token.NewCmdToken(f))
	add(groupAPI,
		api.NewCmdCall(f, nil),
		api.NewCmdExec(f, nil),
	)
	// Registering a command named "completion" stops Cobra from adding its
	// default one, whose help says nothing about axero.
	add(groupOther,
		NewCmdCompletion(f),
		sandbox.NewCmdDemo(f, Execute, nil),
		doctor.NewCmdDoctor(f, nil),
		NewCmdDocs(f, nil),
		sandbox.NewCmdSandbox(f, nil),
		NewCmdVersion(f, nil),
	)
	for _, t := range helpTopics() {
		root.AddCommand(t)
	}
	usageErrors(root)
	completeUserFlags(root, f)
	withDeadlines(root, f)
	return root
}

// Execute runs the command line args on f and returns the process exit
// code, having printed any error once on stderr as `axero: <message>`.
func Execute(ctx context.Context, f *cmdutil.Factory, args []string) int {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	run, cancel := context.WithCancel(ctx)
	defer cancel() // also ends the command's deadline (ApplyDeadline)
	cmd, err := root.ExecuteContextC(run)
	if err == nil {
		return cmdutil.ExitOK
	}
	var ce *commandLineError
	if !errors.As(err, &ce) && strings.HasPrefix(err.Error(), "unknown command ") {
		// Cobra's own, at the root: its suggestions in the project's words.
		name, _, _ := strings.Cut(strings.TrimPrefix(err.Error(), "unknown command "), " ")
		name = strings.Trim(name, `"`)
		err = parseError(fmt.Errorf("unknown command %q for %q%s", name, root.CommandPath(), didYouMean(root.SuggestionsFor(name))))
	}
	// A command that failed because Ctrl-C cut its requests short reports
	// the interruption; one that chose its own exit code (exec passes on
	// its child's) keeps it.
	var exitErr *cmdutil.ExitError
	if ctx.Err() != nil && !errors.As(err, &exitErr) && cmdutil.ExitCode(err) == cmdutil.ExitFailure {
		err = cmdutil.ErrInterrupted
	}
	if msg := cmdutil.Message(err); msg != "" {
		fmt.Fprintln(f.IO.ErrOut, "axero: "+msg)
	}
	if hint := usageHint(cmd, err); hint != "" {
		fmt.Fprintln(f.IO.ErrOut, hint)
	}
	return cmdutil.ExitCode(err)
}

// withDeadlines runs every command under one deadline of --timeout
// (cmdutil.ApplyDeadline), by wrapping its RunE rather than with a
// persistent pre-run hook, which would also run on every TAB.
func withDeadlines(c *cobra.Command, f *cmdutil.Factory) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			cancel, err := f.ApplyDeadline(cmd)
			if err != nil {
				return err
			}
			defer cancel()
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		withDeadlines(sub, f)
	}
}
