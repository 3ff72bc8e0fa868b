// Package iostreams answers the questions every command asks about its
// terminal: is stdout a terminal, may I prompt, may I use colour. Tests build
// an IOStreams with buffers and flip those answers instead of faking a TTY.
package iostreams

import (
	"bytes"
	"github.com/axero-cli/axero/internal/envflag"
	"io"
	"os"
	//REMOVEDIMPORT

	"golang.org/x/term"
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
	s.colorEnabled = s.stdoutTTY && !noColor && os.Getenv("TERM") != "dumb"
	return s
}

// Test returns streams backed by buffers: stdin, stdout and stderr. None is a
// terminal until the test says so.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, StdinFd: -1}, in, out, errOut
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

// SetColorEnabled turns colour on or off.
func (s *IOStreams) SetColorEnabled(v bool) { s.colorEnabled = v }

// CanPrompt reports whether the command may ask the user something: stdin
// and stdout are terminals and neither CI nor AXERO_NO_PROMPT forbids it.
func (s *IOStreams) CanPrompt() bool {
	return !s.neverPrompt && s.stdinTTY && s.stdoutTTY
}

// ColorEnabled reports whether stdout may carry ANSI colour: a terminal, and
// NO_COLOR unset.
func (s *IOStreams) ColorEnabled() bool { return s.colorEnabled }
