package exec

import (
	"errors"
	"fmt"
	"strings"
)

// split cuts a command line into words as a POSIX shell would, without
// running one: blanks separate words; single quotes keep everything
// literally; double quotes keep everything but a backslash before \ " or
// a newline; a backslash outside quotes keeps the next character (and
// drops a backslash-newline). Nothing is expanded, so anything a shell
// would expand or interpret when unquoted ($, `, globs, ~, redirections,
// pipes, ;, &, (, ) and a # comment) is refused rather than passed on
// silently with another meaning; quoted, it is an ordinary character.
func split(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
		case c == '\'':
			end := strings.IndexByte(line[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("the single quote at byte %d is never closed", i+1)
			}
			word.WriteString(line[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == '"':
			j, err := doubleQuoted(line, i, &word)
			if err != nil {
				return nil, err
			}
			i = j
			inWord = true
		case c == '\\':
			if i+1 >= len(line) {
				return nil, errors.New("the command ends with a lone backslash")
			}
			i++
			if line[i] == '\n' {
				continue // a line continuation
			}
			word.WriteByte(line[i])
			inWord = true
		case strings.IndexByte("|&;<>()$`*?[", c) >= 0,
			!inWord && (c == '#' || c == '~'):
			return nil, &unquotedError{char: c, at: i + 1}
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// doubleQuoted appends the double-quoted text that starts at line[start]
// to word and returns the offset of its closing quote.
func doubleQuoted(line string, start int, word *strings.Builder) (int, error) {
	for i := start + 1; i < len(line); i++ {
		switch c := line[i]; c {
		case '"':
			return i, nil
		case '\\':
			if i+1 < len(line) {
				switch line[i+1] {
				case '\\', '"', '$', '`':
					word.WriteByte(line[i+1])
					i++
					continue
				case '\n':
					i++
					continue
				}
			}
			word.WriteByte(c)
		case '$', '`':
			return 0, &unquotedError{char: c, at: i + 1, inDouble: true}
		default:
			word.WriteByte(c)
		}
	}
	return 0, fmt.Errorf("the double quote at byte %d is never closed", start+1)
}

// unquotedError is a character that a shell would interpret.
type unquotedError struct {
	char     byte
	at       int
	inDouble bool
}

func (e *unquotedError) Error() string {
	where := "unquoted"
	if e.inDouble {
		where = "inside double quotes"
	}
	return fmt.Sprintf("%q at byte %d is %s, where a shell would interpret it, but no shell runs this command: quote it with single quotes, or run a shell yourself (exec:sh -c '...')", string(e.char), e.at, where)
}
