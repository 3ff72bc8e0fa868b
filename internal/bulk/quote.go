package bulk

import "strconv"

// maxQuoted bounds how much of a value from a file a message repeats.
const maxQuoted = 64

// briefQuote quotes text that came from a file for a message: Go-quoted,
// so that control characters, NUL bytes and invalid UTF-8 show as escapes
// and never reach a terminal raw, and cut short, so that a binary file or
// a megabyte-long field does not flood the screen.
func briefQuote(s string) string {
	s, cut := shorten(s)
	return strconv.Quote(s) + cut
}

func shorten(s string) (string, string) {
	if len(s) <= maxQuoted {
		return s, ""
	}
	cut := maxQuoted
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut], "…"
}
