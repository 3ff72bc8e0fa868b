package output

import (
	"bytes"
)

// JSON colours on a terminal, as gh uses them: keys blue, strings green,
// numbers, true and false yellow, null dim.
const (
	colorKey     = "\x1b[1;34m"
	colorString  = "\x1b[32m"
	colorLiteral = "\x1b[33m"
	colorNull    = "\x1b[2m"
)

// colorizeJSON adds ANSI colours to a valid, already formatted JSON
// document. It scans the text instead of re-encoding it, so that key order
// and number spelling stay exactly as they were.
func colorizeJSON(doc []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(doc) * 2)
	for i := 0; i < len(doc); {
		c := doc[i]
		switch {
		case c == '"':
			end := stringEnd(doc, i)
			color := colorString
			if isKey(doc, end) {
				color = colorKey
			}
			out.WriteString(color)
			out.Write(doc[i:end])
			out.WriteString(ansiReset)
			i = end
		case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
			end := i
			for end < len(doc) && !isJSONDelimiter(doc[end]) {
				end++
			}
			color := colorLiteral
			if c == 'n' {
				color = colorNull
			}
			out.WriteString(color)
			out.Write(doc[i:end])
			out.WriteString(ansiReset)
			i = end
		default:
			out.WriteByte(c)
			i++
		}
	}
	return out.Bytes()
}

// stringEnd returns the index just past the JSON string starting at i.
func stringEnd(doc []byte, i int) int {
	for j := i + 1; j < len(doc); j++ {
		switch doc[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(doc)
}

// isKey says whether the string ending at end is an object key: the next
// character that is not a blank is a colon.
func isKey(doc []byte, end int) bool {
	for ; end < len(doc); end++ {
		switch doc[end] {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			return true
		}
		return false
	}
	return false
}

func isJSONDelimiter(c byte) bool {
	switch c {
	case ',', ']', '}', ':', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
