package cmdutil

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/axero-cli/axero/internal/iostreams"
)

// Confirm asks a yes/no question on stderr and reads the answer from
// stdin. Only "y" or "yes" (any case) is a yes; end of input is a no.
// Callers check ios.CanPrompt() first and, when no one can answer, fail
// with a usage error that names the flag (usually --yes) to pass instead.
func Confirm(ios *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprint(ios.ErrOut, question)
	line, err := bufio.NewReader(ios.In).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(ios.ErrOut)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// ErrStreams is a view of ios that prints to stderr, with stderr's
// terminal, width and colour, so that the summary shown before a
// confirmation is a table on a terminal and leaves stdout to the
// command's data.
func ErrStreams(ios *iostreams.IOStreams) *iostreams.IOStreams {
	return ios.ForStderr()
}

// CountNoun is "1 token" or "3 tokens": n and a noun that takes an s.
func CountNoun(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
