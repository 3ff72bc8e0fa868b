package api

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// ExecOptions are the inputs of `axero exec`.
type ExecOptions struct {
	Factory *cmdutil.Factory
	Command []string
}

// Exit codes of a child that could not be started, as POSIX shells use them.
const (
	exitCannotExecute = 126
	exitNotFound      = 127
)

// NewCmdExec builds `axero exec`; runF, when set, runs instead of the
// command once the arguments are checked.
func NewCmdExec(f *cmdutil.Factory, runF func(context.Context, *ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{Factory: f}
	c := &cobra.Command{
		Use:   "exec -- COMMAND [ARGS...]",
		Short: "Run a command with AXERO_URL and AXERO_TOKEN set from the profile",
		Long: `Run COMMAND with AXERO_URL and AXERO_TOKEN added to its environment, from
the profile in use (or from AXERO_TOKEN itself, which always wins), so that a
token kept in the OS keychain reaches a script without being written to disk
or passed as an argument, where other users could read it in the process list.
When the site needs a CA bundle (--ca-file, AXERO_CA_FILE or the profile's
ca_file), AXERO_CA_FILE is set too, to its absolute path.

stdin, stdout and stderr are passed through. Signals sent to axero are
passed on to the command (Ctrl-C at a terminal reaches it directly). axero
exits with the command's exit status: 128+N when signal N killed it, 127
when it cannot be found.`,
		Example: `  $ axero exec -- ./deploy.sh
  $ axero --profile ci exec -- sh -c 'curl -fsS -H "Authorization: Bearer $AXERO_TOKEN" "$AXERO_URL/api/users/me"'
  $ axero exec -- python sync_users.py --dry-run`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmdutil.FlagErrorf("no command to run: axero exec -- COMMAND [ARGS...]")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Command = args
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return execRun(opts)
		},
	}
	// Everything after the command is its own: `axero exec ls -l` must not
	// read -l as a flag of axero.
	c.Flags().SetInterspersed(false)
	cmdutil.NoDeadline(c)
	return c
}

func execRun(opts *ExecOptions) error {
	f := opts.Factory
	token, _, err := f.Token()
	if err != nil {
		return err
	}
	site, err := f.SiteURL()
	if errors.Is(err, cmdutil.ErrNotLoggedIn) {
		return cmdutil.FlagErrorf("no site URL for AXERO_TOKEN: set AXERO_URL or pass --url")
	}
	if err != nil {
		return err
	}
	f.WarnIfExpiringSoon(token)

	path, err := exec.LookPath(opts.Command[0])
	if err != nil {
		code := exitNotFound
		if errors.Is(err, os.ErrPermission) {
			code = exitCannotExecute
		}
		return cmdutil.Exit(code, fmt.Errorf("cannot run %s: %w", opts.Command[0], unwrapExecError(err)))
	}
	child := exec.Command(path, opts.Command[1:]...) //nolint:gosec // running the user's command with the token in its environment is what `axero exec` does
	child.Args[0] = opts.Command[0]
	set := map[string]string{"AXERO_URL": site, "AXERO_TOKEN": token}
	// A site behind a private CA needs its bundle in the child too, so
	// that an axero run there reaches the same site.
	if prof, _, err := f.Profile(); err == nil {
		if ca, err := f.AbsCAFile(&prof); err == nil && ca != "" {
			set[cmdutil.CAFileEnv] = ca
		}
	}
	child.Env = childEnv(os.Environ(), set)
	child.Stdin, child.Stdout, child.Stderr = f.IO.In, f.IO.Out, f.IO.ErrOut

	// Catch the signals before starting the child, so that none arriving
	// in between kills axero and orphans it.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)

	if err := child.Start(); err != nil {
		return cmdutil.Exit(exitCannotExecute, fmt.Errorf("cannot run %s: %w", opts.Command[0], unwrapExecError(err)))
	}
	onTerminal := f.IO.StdinFd >= 0 && term.IsTerminal(f.IO.StdinFd)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if onTerminal && terminalSignal(s) {
					continue
				}
				_ = child.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = child.Wait()
	close(done)
	return childExit(err)
}

// childExit turns the child's end into axero's exit status: the same code,
// or 128+N for a child killed by signal N, as shells report it. Nothing is
// printed: the child has already said what it had to.
func childExit(err error) error {
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("running the command: %w", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return cmdutil.Exit(128+int(ws.Signal()), nil)
	}
	return cmdutil.Exit(ee.ExitCode(), nil)
}

// childEnv is env with the keys of set replaced (never duplicated: with two
// entries, which one a program sees depends on the program).
func childEnv(env []string, set map[string]string) []string {
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if _, replaced := set[k]; replaced {
			continue
		}
		out = append(out, kv)
	}
	for _, k := range []string{"AXERO_URL", "AXERO_TOKEN", cmdutil.CAFileEnv} {
		if v, ok := set[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

// unwrapExecError drops the path that exec errors repeat.
func unwrapExecError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}
