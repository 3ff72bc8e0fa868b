// Package textsafe makes text that came from the server safe for the two
// places where raw bytes do harm: a terminal, which obeys escape sequences
// and reorders text around bidirectional controls, and a spreadsheet, which
// evaluates formulas in CSV cells. It is the one home of those rules: the
// printers of every format (table, TSV, CSV, JSON, --jq, --debug) call it.
package textsafe

import (
	"strings"
	"unicode/utf8"
)

// Terminal returns s with every control character (C0, DEL and C1), every
// bidirectional override, embedding or isolate (U+202A to U+202E, U+2066 to
// U+2069) and every byte that is not valid UTF-8 shown as a visible escape,
// so that a token name such as "\x1b]0;pwned\a" cannot retitle a window or
// clear a screen, and "invoice\u202efdp.exe" cannot pass for a PDF. Printable
// text, including non-ASCII letters and right-to-left scripts, is left
// alone.
func Terminal(s string) string {
	if safeText(s, false) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+8), s, false))
}

// Lines is Terminal for text that its author laid out in lines: a --jq
// string, a response body shown on a terminal, a --debug dump. Line feeds,
// tabs and CR LF pairs are kept, since there they are layout; everything
// else Terminal escapes is escaped, a lone carriage return included (it
// would let the text overwrite what came before it on the line).
func Lines(s string) string {
	if safeText(s, true) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+8), s, true))
}

// IsBidiControl reports the characters that reorder the text around them
// on screen: the embeddings and overrides U+202A to U+202E and the isolates
// U+2066 to U+2069.
func IsBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// unsafeRune reports a character no terminal may receive raw.
func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || IsBidiControl(r)
}

// layoutAt reports whether the character at s[i] is kept raw by Lines.
func layoutAt(s string, i int) bool {
	switch s[i] {
	case '\n', '\t':
		return true
	case '\r':
		return i+1 < len(s) && s[i+1] == '\n'
	}
	return false
}

// safeText reports whether s can be printed as it is: the fast path, since
// almost every name and message is plain text.
func safeText(s string, layout bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return safeUnicode(s[i:])
		case c < 0x20 || c == 0x7f:
			if !layout || !layoutAt(s, i) {
				return false
			}
		}
	}
	return true
}

// safeUnicode checks the rest of a string once it holds non-ASCII text,
// rune by rune. Control characters it meets are left to the caller's
// slow path, which knows about layout.
func safeUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// appendEscaped appends s to dst with every unsafe character and invalid
// byte escaped; with layout, line feeds, tabs and CR LF pairs stay raw.
func appendEscaped(dst []byte, s string, layout bool) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = appendByteEscape(dst, s[i])
		case layout && r < 0x20 && layoutAt(s, i):
			dst = append(dst, s[i])
		case unsafeRune(r):
			dst = appendRuneEscape(dst, r)
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendRuneEscape writes the visible form of an unsafe character: \n, \r
// and \t for the usual ones, \xNN for the rest of C0 and DEL, and \uNNNN
// for C1 and the bidi controls, as Go and JSON spell them.
func appendRuneEscape(dst []byte, r rune) []byte {
	switch {
	case r == '\n':
		return append(dst, '\\', 'n')
	case r == '\r':
		return append(dst, '\\', 'r')
	case r == '\t':
		return append(dst, '\\', 't')
	case r < 0x20 || r == 0x7f:
		return appendByteEscape(dst, byte(r)) //nolint:gosec // r is below 0x80 here
	}
	return appendUnicodeEscape(dst, r)
}

func appendByteEscape(dst []byte, c byte) []byte {
	return append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
}

func appendUnicodeEscape(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
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
