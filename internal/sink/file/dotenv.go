package file

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// A dotenv file is lines of KEY=value, as docker compose, godotenv,
// python-dotenv and shells that source it read them: blank lines and
// #-comments, an optional `export ` before the key, spaces around `=`, a
// value bare (up to an inline ` #` comment), in single quotes (literal) or
// in double quotes (backslash escapes); a quoted value may run over
// several lines. This file finds the entries of one key in such a file,
// replaces their values and leaves every other byte as it was.

// validKey is a dotenv key every tool and every shell accepts.
var validKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// looseKey is what may stand before `=` in a line that is an entry; keys
// other tools accept (dots, dashes) must be recognised so that their
// quoted values are skipped correctly.
var looseKey = regexp.MustCompile(`^[A-Za-z0-9_.-]+`)

// entry is one KEY=value of a dotenv file, as byte offsets into it.
type entry struct {
	key string
	// valueStart and valueEnd delimit the value as written, quotes
	// included and any trailing comment or blanks excluded.
	valueStart, valueEnd int
	// value is the value as a reader sees it.
	value string
	// unclosed: a quote opens the value and never closes, so readers
	// take the rest of the file for it.
	unclosed bool
}

// parseDotenv returns the entries of data in order.
func parseDotenv(data []byte) []entry {
	var out []entry
	pos := 0
	for pos < len(data) {
		lineEnd := indexEOL(data, pos)
		i := skipBlanks(data, pos, lineEnd)
		if i < lineEnd && data[i] != '#' {
			if bytes.HasPrefix(data[i:lineEnd], []byte("export")) {
				if j := i + len("export"); j < lineEnd && (data[j] == ' ' || data[j] == '\t') {
					i = skipBlanks(data, j, lineEnd)
				}
			}
			if m := looseKey.Find(data[i:lineEnd]); m != nil {
				key := string(m)
				j := skipBlanks(data, i+len(m), lineEnd)
				if j < lineEnd && data[j] == '=' {
					e, next := parseValue(data, skipBlanks(data, j+1, lineEnd), lineEnd)
					e.key = key
					out = append(out, e)
					pos = nextLine(data, next)
					continue
				}
			}
		}
		pos = nextLine(data, lineEnd)
	}
	return out
}

// parseValue reads the value that starts at i on a line ending at
// lineEnd, and returns it with the offset of the end of the line it ends on.
func parseValue(data []byte, i, lineEnd int) (entry, int) {
	e := entry{valueStart: i}
	if i < len(data) && (data[i] == '\'' || data[i] == '"') {
		q := data[i]
		var b strings.Builder
		for j := i + 1; j < len(data); j++ {
			c := data[j]
			if q == '"' && c == '\\' && j+1 < len(data) {
				j++
				switch data[j] {
				case 'n':
					b.WriteByte('\n')
				case 'r':
					b.WriteByte('\r')
				case 't':
					b.WriteByte('\t')
				case '\\', '"', '$', '\'':
					b.WriteByte(data[j])
				default:
					b.WriteByte('\\')
					b.WriteByte(data[j])
				}
				continue
			}
			if c == q {
				// Text after the closing quote, up to a comment,
				// belongs to the entry (readers differ on what it
				// means): it is replaced along with the quoted part.
				end := indexEOL(data, j+1)
				k := commentStart(data, j+1, end)
				for k > j+1 && (data[k-1] == ' ' || data[k-1] == '\t' || data[k-1] == '\r') {
					k--
				}
				b.Write(data[j+1 : k])
				e.valueEnd = k
				e.value = b.String()
				return e, end
			}
			b.WriteByte(c)
		}
		e.unclosed = true
		e.valueEnd = len(data)
		return e, len(data)
	}
	end := commentStart(data, i, lineEnd)
	for end > i && (data[end-1] == ' ' || data[end-1] == '\t' || data[end-1] == '\r') {
		end--
	}
	e.valueEnd = end
	e.value = string(data[i:end])
	return e, lineEnd
}

// commentStart is the offset of an inline comment (a '#' after a blank)
// in data[i:end], or end.
func commentStart(data []byte, i, end int) int {
	for j := i + 1; j < end; j++ {
		if data[j] == '#' && (data[j-1] == ' ' || data[j-1] == '\t') {
			return j
		}
	}
	return end
}

// indexEOL is the offset of the end of the line that contains pos: its
// '\n', or its "\r\n", or the end of data.
func indexEOL(data []byte, pos int) int {
	i := bytes.IndexByte(data[pos:], '\n')
	if i < 0 {
		return len(data)
	}
	end := pos + i
	if end > pos && data[end-1] == '\r' {
		end--
	}
	return end
}

// nextLine is the offset of the line after the one ending at lineEnd.
func nextLine(data []byte, lineEnd int) int {
	if lineEnd < len(data) && data[lineEnd] == '\r' {
		lineEnd++
	}
	if lineEnd < len(data) && data[lineEnd] == '\n' {
		lineEnd++
	}
	return lineEnd
}

func skipBlanks(data []byte, i, end int) int {
	for i < end && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	return i
}

// errUnclosed: the value of the key opens a quote that never closes.
var errUnclosed = errors.New("opens a quote that never closes, so tools read the rest of the file as its value; fix the file first")

// dotenvValues returns the values of every entry of key in data.
func dotenvValues(data []byte, key string) ([]string, error) {
	var out []string
	for _, e := range parseDotenv(data) {
		if e.key != key {
			continue
		}
		if e.unclosed {
			return nil, fmt.Errorf("the value of %s %w", key, errUnclosed)
		}
		out = append(out, e.value)
	}
	return out, nil
}

// setDotenv returns data with every value of key replaced by value, or,
// when key is missing, with KEY=value appended as a line of its own, in
// the file's own line ending. Nothing else changes.
func setDotenv(data []byte, key, value string) ([]byte, error) {
	quoted, err := quoteDotenv(value)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	last := 0
	found := false
	swallowed := ""
	for _, e := range parseDotenv(data) {
		if e.unclosed {
			swallowed = e.key
		}
		if e.key != key {
			continue
		}
		if e.unclosed {
			return nil, fmt.Errorf("the value of %s %w", key, errUnclosed)
		}
		out.Write(data[last:e.valueStart])
		out.WriteString(quoted)
		last = e.valueEnd
		found = true
	}
	out.Write(data[last:])
	if !found {
		if swallowed != "" {
			// A line appended now would be read as part of that value.
			return nil, fmt.Errorf("%s is missing and cannot be added: the value of %s %w", key, swallowed, errUnclosed)
		}
		eol := "\n"
		if i := bytes.IndexByte(data, '\n'); i > 0 && data[i-1] == '\r' {
			eol = "\r\n"
		}
		if len(data) > 0 && data[len(data)-1] != '\n' {
			out.WriteString(eol)
		}
		out.WriteString(key + "=" + quoted + eol)
	}
	return out.Bytes(), nil
}

// quoteDotenv writes value so that every dotenv tool reads it back as
// value: bare when it is made of characters no tool treats specially (a
// token always is), else in single quotes, else in double quotes with
// backslash escapes. A value with a control character in it is refused:
// tools disagree on what such escapes mean.
func quoteDotenv(value string) (string, error) {
	for _, c := range value {
		if c < 0x20 || c == 0x7f {
			return "", errors.New("the value holds a control character, which dotenv tools do not read alike")
		}
	}
	if bareSafe(value) {
		return value, nil
	}
	if !strings.Contains(value, "'") {
		return "'" + value + "'", nil
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`)
	return `"` + r.Replace(value) + `"`, nil
}

// bareSafe reports whether value can stand unquoted.
func bareSafe(value string) bool {
	if value == "" {
		return false
	}
	for _, c := range value {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case strings.ContainsRune("-_./+=:@,", c):
		default:
			return false
		}
	}
	return true
}
