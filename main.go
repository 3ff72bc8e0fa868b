// Command axero manages the lifecycle of Axero REST API bearer tokens.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/axero-cli/axero/cmd"
	"github.com/axero-cli/axero/cmd/cmdutil"
)

// Set by the release build with -ldflags; a `go install` build reads its
// module version from the build info instead (see cmd/version.go).
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(run())
}

func run() int {
	cmd.SetBuildInfo(version, commit, date)
	f := cmdutil.New(cmd.Version())

	// The first Ctrl-C cancels the context: commands stop starting new work,
	// finish what is in flight and exit 130. The signal handler stays
	// installed so that commands can react to a second Ctrl-C themselves.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	root := cmd.NewRootCmd(f)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command ") {
		err = &cmdutil.FlagError{Err: err}
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
	return cmdutil.ExitCode(err)
}
