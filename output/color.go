package output

import "github.com/axero-cli/axero/internal/iostreams"

var ansi = map[string]string{
	"bold":   "\x1b[1m",
	"dim":    "\x1b[2m",
	"red":    "\x1b[31m",
	"green":  "\x1b[32m",
	"yellow": "\x1b[33m",
	"purple": "\x1b[35m",
}

const ansiReset = "\x1b[0m"

// Color wraps s in the ANSI sequence for color ("bold", "dim", "red",
// "green", "yellow", "purple") when stdout may carry colour: a terminal,
// with NO_COLOR unset. Otherwise, and for an unknown colour, s is returned
// unchanged.
func Color(ios *iostreams.IOStreams, color, s string) string {
	code, ok := ansi[color]
	if !ok || s == "" || !ios.ColorEnabled() {
		return s
	}
	return code + s + ansiReset
}
