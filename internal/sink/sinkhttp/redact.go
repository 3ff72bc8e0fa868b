package sinkhttp

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/httplog"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// secretSet is the values a client must never print: its credential and
// whatever the sink registers (the token it delivers, a sealed copy).
type secretSet struct {
	mu     sync.RWMutex
	values []string // longest first, so that a secret containing another is replaced whole
}

func newSecretSet() *secretSet { return &secretSet{} }

// add registers v as it is and as it appears inside a JSON string, where
// characters such as '<', '&' or a quote are escaped.
func (s *secretSet) add(v string) {
	if v == "" {
		return
	}
	forms := []string{v}
	if b, err := json.Marshal(v); err == nil {
		if q := string(b[1 : len(b)-1]); q != v {
			forms = append(forms, q)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range forms {
		if !slices.Contains(s.values, f) {
			s.values = append(s.values, f)
		}
	}
	slices.SortFunc(s.values, func(a, b string) int { return len(b) - len(a) })
}

// redact replaces every registered value, then anything shaped like a
// JWT, with [REDACTED].
func (s *secretSet) redact(text string) string {
	if text == "" {
		return text
	}
	s.mu.RLock()
	for _, v := range s.values {
		text = strings.ReplaceAll(text, v, httplog.Redacted)
	}
	s.mu.RUnlock()
	return jwtinfo.Redact(text)
}

// fieldRedactor returns the log's body redactor for a service whose
// bodies carry secrets in the named JSON keys: the value of such a key,
// at any depth and whatever its type, is replaced (null stays null, so
// that a hidden value still shows as absent). A body that does not parse
// as JSON (cut short by the log's size limit, or not JSON at all) but
// mentions one of the keys is not shown at all: a secret must not leak
// through a malformed document.
func fieldRedactor(keys []string) func(string) string {
	if len(keys) == 0 {
		return nil
	}
	return func(body string) string {
		if strings.TrimSpace(body) == "" {
			return body
		}
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		var doc any
		if err := dec.Decode(&doc); err != nil || dec.More() {
			for _, k := range keys {
				if strings.Contains(body, `"`+k+`"`) {
					return httplog.Redacted + " (a body that is not whole JSON and may hold a secret)"
				}
			}
			return body
		}
		doc = redactFields(doc, keys)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "   ")
		if err := enc.Encode(doc); err != nil {
			return httplog.Redacted
		}
		return strings.TrimRight(buf.String(), "\n")
	}
}

func redactFields(v any, keys []string) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if slices.Contains(keys, k) {
				if val != nil {
					t[k] = httplog.Redacted
				}
				continue
			}
			t[k] = redactFields(val, keys)
		}
	case []any:
		for i := range t {
			t[i] = redactFields(t[i], keys)
		}
	}
	return v
}
