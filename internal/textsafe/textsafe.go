// Package textsafe makes text that came from the server safe for the two
// places where raw bytes do harm: a terminal, which obeys escape sequences,
// and a spreadsheet, which evaluates formulas in CSV cells.
package textsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Terminal returns s with every control character (C0, DEL and C1) and
// every byte that is not valid UTF-8 shown as a visible escape, so that a
// token name such as "\x1b]0;pwned\a" cannot retitle a window or clear a
// screen. Printable text, including non-ASCII letters, is left alone.
func Terminal(s string) string {
	if !needsTerminalEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsTerminalEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			// Non-ASCII needs a closer look: only C1 and invalid bytes count.
			if c >= 0x80 {
				return hasC1OrInvalid(s[i:])
			}
			return true
		}
	}
	return false
}

func hasC1OrInvalid(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return true
		}
		i += size
	}
	return false
}

// formulaStart reports whether a spreadsheet would treat a cell that begins
// with c as a formula (OWASP's list: = + - @, tab and carriage return).
func formulaStart(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// CSVCell neutralises a cell that a spreadsheet would evaluate as a formula
// by prefixing a single quote, as OWASP recommends. A cell that already
// begins with a quote before such a character (or before another quote) is
// prefixed too, so that CSVUncell restores every value exactly: files that
// axero writes and later reads back (a failed file fed to --from) round-trip.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	if formulaStart(s[0]) || (s[0] == '\'' && len(s) > 1 && (formulaStart(s[1]) || s[1] == '\'')) {
		return "'" + s
	}
	return s
}

// CSVUncell undoes CSVCell. A value that CSVCell would not have produced is
// returned unchanged, so hand-written files read as written.
func CSVUncell(s string) string {
	if len(s) > 1 && s[0] == '\'' && (formulaStart(s[1]) || s[1] == '\'') {
		return s[1:]
	}
	return s
}

// CSVRow applies CSVCell to every cell of a row, in place, and returns it.
func CSVRow(row []string) []string {
	for i, c := range row {
		row[i] = CSVCell(c)
	}
	return row
}

// OneLine folds every run of white space in s, line breaks included, into
// one space, so that a message quoting a server's or a file's text stays
// on one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
