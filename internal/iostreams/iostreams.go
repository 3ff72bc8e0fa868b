// Package iostreams answers the questions every command asks about its
// terminal: is stdout a terminal, may I prompt, may I use colour. Tests build
// an IOStreams with buffers and flip those answers instead of faking a TTY.
package iostreams

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/axero-cli/axero/internal/envflag"
)

// IOStreams holds the three standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// StdinFd is the file descriptor behind In when it is a real file, or -1.
	// Hidden prompts (x/term.ReadPassword) need it.
	StdinFd int

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool

	neverPrompt  bool
	colorEnabled bool
	// colorAllowed: NO_COLOR is unset and TERM is not "dumb"; a stream
	// that is a terminal may then carry colour.
	colorAllowed bool

	// outFd and errFd are the descriptors behind Out and ErrOut when they
	// are real files, or -1; their terminal's width is asked for there.
	outFd, errFd int
	// columns is COLUMNS as a positive number, or 0 when unset or bad.
	columns int
	// width, when positive, is the terminal width a test set.
	width int
}

// System returns streams bound to the process's stdin, stdout and stderr.
//
// AXERO_FORCE_TTY=1 makes every stream count as a terminal, the way other
// CLIs let end-to-end tests exercise terminal output without a pty.
func System() *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StdinFd:   int(os.Stdin.Fd()),
		outFd:     int(os.Stdout.Fd()),
		errFd:     int(os.Stderr.Fd()),
		columns:   parseColumns(os.Getenv("COLUMNS")),
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
	if envflag.Truthy(os.Getenv("AXERO_FORCE_TTY")) {
		s.stdinTTY, s.stdoutTTY, s.stderrTTY = true, true, true
	}
	s.neverPrompt = os.Getenv("CI") != "" || envflag.Truthy(os.Getenv("AXERO_NO_PROMPT"))
	// no-color.org: NO_COLOR set to a non-empty value turns colour off.
	noColor := os.Getenv("NO_COLOR") != ""
	s.colorAllowed = !noColor && os.Getenv("TERM") != "dumb"
	s.colorEnabled = s.stdoutTTY && s.colorAllowed
	return s
}

// parseColumns reads COLUMNS: a positive number of columns, else 0.
func parseColumns(v string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// Test returns streams backed by buffers: stdin, stdout and stderr. None is a
// terminal until the test says so.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, StdinFd: -1, outFd: -1, errFd: -1}, in, out, errOut
}

// IsStdinTTY reports whether stdin is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether stdout is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY, SetStdoutTTY and SetStderrTTY let tests flip the answers.
func (s *IOStreams) SetStdinTTY(v bool)  { s.stdinTTY = v }
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// SetNeverPrompt forbids prompts (CI, AXERO_NO_PROMPT=1).
func (s *IOStreams) SetNeverPrompt(v bool) { s.neverPrompt = v }

// SetColorEnabled turns colour on or off (and, for ForStderr, allows it).
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled, s.colorAllowed = v, v }

// SetTerminalWidth makes TerminalWidth answer w (tests; 0 undoes it).
func (s *IOStreams) SetTerminalWidth(w int) { s.width = w }

// CanPrompt reports whether the command may ask the user something: stdin
// and stdout are terminals and neither CI nor AXERO_NO_PROMPT forbids it.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stdoutTTY
}

// ColorEnabled reports whether stdout may carry ANSI colour: a terminal, and
// NO_COLOR unset.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }

// TerminalWidth is how many columns a line on stdout may take before the
// terminal wraps it: COLUMNS when it holds a positive number (as ls and
// other tools read it), else the width of the terminal stdout is, else 0,
// meaning no limit: stdout is a pipe or a file, where nothing wraps.
func (s *IOStreams) TerminalWidth() int {
	switch {
	case s.width > 0:
		return s.width
	case !s.stdoutTTY:
		return 0
	case s.columns > 0:
		return s.columns
	case s.outFd >= 0:
		if w, _, err := term.GetSize(s.outFd); err == nil && w > 0 {
			return w
		}
	}
	return 0
}

// ForStderr is a view of s whose Out is stderr, with stderr's answers
// (terminal, width, colour), for what a command shows a person beside its
// data: a summary before a confirmation, a picker.
func (s *IOStreams) ForStderr() *IOStreams {
	v := *s
	v.Out = s.ErrOut
	v.outFd = s.errFd
	v.stdoutTTY = s.stderrTTY
	v.colorEnabled = s.stderrTTY && s.colorAllowed
	return &v
}
