//go:build !windows

package api

import (
	"os"
	"syscall"
)

// forwardedSignals are passed on from axero to the command it runs.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// terminalSignal reports a signal that a terminal sends to its whole
// foreground process group when the user presses Ctrl-C or Ctrl-\. The
// command is in that group and gets it directly; passing it on as well
// would deliver it twice, and many programs treat a second Ctrl-C as
// "stop cleaning up and die now".
func terminalSignal(s os.Signal) bool { return s == syscall.SIGINT || s == syscall.SIGQUIT }
