package textsafe

import (
	"io"
	"unicode/utf8"
)

// CSVEscaper sits between an encoding/csv Writer and standard output and
// escapes, inside every cell, what Terminal escapes: control characters,
// bidi controls and invalid bytes. Only the line feeds that end records
// stay raw. CSV cannot carry those characters in a form that survives a
// terminal or `cat`, so CSV printed by axero shows them escaped, as the
// table and TSV do; JSON and YAML keep the exact values.
//
// It works on the stream rather than on cells so that code that writes CSV
// (a dry-run plan, an audit written row by row) needs no change beyond its
// writer. It follows the quoting of encoding/csv: a line feed inside a
// quoted cell is data and is escaped, one outside quotes ends a record. The
// result is still valid CSV, and each cell reads back as Terminal of what
// was written.
//
// A CSVEscaper is not safe for concurrent use, which is also true of the
// csv.Writer in front of it.
type CSVEscaper struct {
	w       io.Writer
	quoted  bool   // inside a quoted cell
	pending []byte // the start of a character split between two writes
	buf     []byte
}

// NewCSVEscaper returns a CSVEscaper writing to w.
func NewCSVEscaper(w io.Writer) *CSVEscaper { return &CSVEscaper{w: w} }

// Write escapes p and writes it on. It reports len(p) on success, as
// io.Writer requires, although more bytes may have been written.
func (e *CSVEscaper) Write(p []byte) (int, error) {
	data := p
	if len(e.pending) > 0 {
		data = append(e.pending, p...)
		e.pending = nil
	}
	out := e.buf[:0]
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c == '"':
			e.quoted = !e.quoted
			out = append(out, c)
			i++
			continue
		case c == '\n' && !e.quoted:
			out = append(out, c)
			i++
			continue
		case c < 0x20 || c == 0x7f:
			out = appendRuneEscape(out, rune(c))
			i++
			continue
		case c < 0x80:
			out = append(out, c)
			i++
			continue
		}
		if !utf8.FullRune(data[i:]) {
			// The rest of this character comes with the next write.
			e.pending = append([]byte(nil), data[i:]...)
			break
		}
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			out = appendByteEscape(out, c)
		case unsafeRune(r):
			out = appendRuneEscape(out, r)
		default:
			out = append(out, data[i:i+size]...)
		}
		i += size
	}
	e.buf = out
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes out a character left incomplete at the end of the stream,
// escaped as the invalid bytes it then is. CSV ends every record with a
// line feed, so after a csv.Writer's Flush nothing is pending; Flush is for
// writers that end otherwise.
func (e *CSVEscaper) Flush() error {
	if len(e.pending) == 0 {
		return nil
	}
	var out []byte
	for _, c := range e.pending {
		out = appendByteEscape(out, c)
	}
	e.pending = nil
	_, err := e.w.Write(out)
	return err
}
