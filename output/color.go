package output

import (
	"time"

	"github.com/axero-cli/axero/internal/iostreams"
)

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

// Tone is what a word or a cell means to the person reading it. Commands
// say what they mean; Tint alone decides what that looks like, so that
// red means the same thing everywhere.
type Tone int

// The tones, and their colours.
const (
	Plain   Tone = iota // no colour
	Good                // green: works (valid, OK)
	Warning             // yellow: works for now, look soon (expires within 7 days, WARN)
	Bad                 // red: does not work (expired, rejected, FAIL)
	Notable             // purple: out of the ordinary but not wrong (an impersonation token)
)

var toneColors = map[Tone]string{Good: "green", Warning: "yellow", Bad: "red", Notable: "purple"}

// Tint colours s by its tone on a colour terminal (see Color); elsewhere,
// and for Plain, s is unchanged.
func Tint(ios *iostreams.IOStreams, tone Tone, s string) string {
	return Color(ios, toneColors[tone], s)
}

// ExpirySoon is how close an expiry must be for it to be shown as a
// warning: the same window in which commands warn about the token in use.
const ExpirySoon = 7 * 24 * time.Hour

// ExpiryTone is Bad for an expiry that has passed, Warning for one within
// ExpirySoon, and Plain otherwise (nil: never expires).
func ExpiryTone(exp *time.Time, now time.Time) Tone {
	switch {
	case exp == nil || exp.IsZero():
		return Plain
	case !exp.After(now):
		return Bad
	case exp.Sub(now) <= ExpirySoon:
		return Warning
	}
	return Plain
}

// Expiry is FormatExpiry, tinted by ExpiryTone on a colour terminal: an
// expired token's EXPIRES cell is red, one expiring within 7 days yellow.
func Expiry(ios *iostreams.IOStreams, exp *time.Time, tty bool, now time.Time) string {
	s := FormatExpiry(exp, tty, now)
	if !tty {
		return s
	}
	return Tint(ios, ExpiryTone(exp, now), s)
}
