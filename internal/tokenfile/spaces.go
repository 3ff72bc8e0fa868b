package tokenfile

import "io"

// quoteSpaceTrimmer drops the spaces and tabs between a quoted field's
// closing quote and the next separator or line end, which encoding/csv
// rejects ("extraneous or missing \" in quoted-field") although people
// and some spreadsheet exports write `"Jane Doe" , 30d`. Spaces before an
// opening quote are handled by csv.Reader.TrimLeadingSpace; everything
// else passes through unchanged, so the reader stays streaming.
type quoteSpaceTrimmer struct {
	r          io.Reader
	state      quoteState
	fieldStart bool // only spaces seen since the last separator or line end
}

type quoteState int

const (
	unquoted      quoteState = iota
	quoted                   // inside a quoted field
	quoteInQuoted            // a quote inside a quoted field: closing, or the first of ""
	afterClose               // after a closing quote: spaces here are dropped
)

func newQuoteSpaceTrimmer(r io.Reader) *quoteSpaceTrimmer {
	return &quoteSpaceTrimmer{r: r, fieldStart: true}
}

func (t *quoteSpaceTrimmer) Read(p []byte) (int, error) {
	for {
		n, err := t.r.Read(p)
		out := 0
		for _, b := range p[:n] {
			if t.keep(b) {
				p[out] = b
				out++
			}
		}
		// Never report 0 bytes with a nil error: read again instead.
		if out > 0 || err != nil {
			return out, err
		}
	}
}

// keep advances the state machine over b and reports whether b is kept.
func (t *quoteSpaceTrimmer) keep(b byte) bool {
	switch t.state {
	case quoted:
		if b == '"' {
			t.state = quoteInQuoted
		}
		return true
	case quoteInQuoted:
		if b == '"' {
			t.state = quoted // an escaped quote
			return true
		}
		t.state = afterClose
	}
	if t.state == afterClose {
		if b == ' ' || b == '\t' {
			return false
		}
		t.state = unquoted
	}
	switch b {
	case ',', '\n', '\r':
		t.fieldStart = true
	case ' ', '\t':
	case '"':
		if t.fieldStart {
			t.state = quoted
		}
		t.fieldStart = false
	default:
		t.fieldStart = false
	}
	return true
}
