// Command axero manages the lifecycle of Axero REST API bearer tokens.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/buildinfo"
)

// Set by the release build with -ldflags; a `go install` build reads its
// module version from the build info instead (see internal/buildinfo).
var (
	version = ""
	commit  = ""
	date    = ""
)

func main() {
	os.Exit(run())
}

func run() int {
	build := buildinfo.Resolve(buildinfo.Info{Version: version, Commit: commit, Date: date}, debug.ReadBuildInfo)
	f := cmdutil.New(build.Version)
	f.Build = build

	// The first Ctrl-C cancels the context: commands stop starting new work,
	// finish what is in flight and exit 130. The signal handler stays
	// installed so that commands can react to a second Ctrl-C themselves.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	return root.Execute(ctx, f, os.Args[1:])
}
