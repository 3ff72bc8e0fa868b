package api

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
)

// scrubWriter removes the token in use from what call prints. A server may
// echo the caller's token in any answer, and a token need not look like a
// JWT, so only knowing its value can catch it. Text is held back to the
// end of a line before it is scrubbed, so that a token split between two
// writes is still found (a token never holds a line break: it travels in
// a header).
type scrubWriter struct {
	w      io.Writer
	scrub  func(string) string
	held   []byte
	failed error
}

func newScrubWriter(w io.Writer, scrub func(string) string) *scrubWriter {
	return &scrubWriter{w: w, scrub: scrub}
}

func (s *scrubWriter) Write(p []byte) (int, error) {
	if s.failed != nil {
		return 0, s.failed
	}
	s.held = append(s.held, p...)
	if end := bytes.LastIndexByte(s.held, '\n'); end >= 0 {
		if err := s.emit(s.held[:end+1]); err != nil {
			return 0, err
		}
		s.held = append(s.held[:0], s.held[end+1:]...)
	}
	return len(p), nil
}

// Flush writes what is held back: the end of output that did not end in a
// line break (a --raw body, piped).
func (s *scrubWriter) Flush() error {
	if s.failed != nil || len(s.held) == 0 {
		return s.failed
	}
	err := s.emit(s.held)
	s.held = s.held[:0]
	return err
}

func (s *scrubWriter) emit(b []byte) error {
	text := string(b)
	if scrubbed := s.scrub(text); scrubbed != text {
		b = []byte(scrubbed)
	}
	if _, err := s.w.Write(b); err != nil {
		s.failed = err
		return err
	}
	return nil
}

// redactedError is an error of call whose message had the token in use
// removed: the server's ErrorMessage, a transport error quoting it. It
// unwraps to the original, so that the exit code stays the same.
type redactedError struct {
	err    error
	redact func(string) string
}

func (e *redactedError) Error() string { return e.redact(e.err.Error()) }
func (e *redactedError) Unwrap() error { return e.err }

// tokensIn returns every non-empty string value of a "Token" field (in
// any letter case, at any depth) of a JSON body: the secrets a create
// answers with, which GitHub Actions must mask before call prints them.
func tokensIn(body []byte) []string {
	var doc any
	if json.Unmarshal(bytes.TrimSpace(body), &doc) != nil {
		return nil
	}
	var found []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, child := range t {
				if s, ok := child.(string); ok && s != "" && strings.EqualFold(k, "token") {
					found = append(found, s)
					continue
				}
				walk(child)
			}
		case []any:
			for _, child := range t {
				walk(child)
			}
		}
	}
	walk(doc)
	return found
}
