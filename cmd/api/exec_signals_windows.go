package api

import "os"

// forwardedSignals are passed on from axero to the command it runs.
var forwardedSignals = []os.Signal{os.Interrupt}

// terminalSignal: Windows delivers Ctrl-C to every process on the console,
// so the command always gets it directly.
func terminalSignal(s os.Signal) bool { return s == os.Interrupt }
