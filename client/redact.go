package client

import (
	"encoding/json"
	"strings"

	"github.com/axero-cli/axero/internal/jwtinfo"
)

// RedactTokens replaces every copy of the tokens this client and those
// derived from it send, whatever their shape, with [REDACTED]: as sent,
// and as a JSON encoder may have escaped them in a body that echoes one.
// Nothing else is touched, so a printer can scrub what it shows of a
// server's answer without hiding the new token a create returns. Tokens
// shorter than jwtinfo.MinSecretLen are left alone.
func (c *Client) RedactTokens(text string) string {
	c.site.tokensMu.Lock()
	defer c.site.tokensMu.Unlock()
	for tok := range c.site.tokens {
		if len(tok) < jwtinfo.MinSecretLen {
			continue
		}
		for _, form := range tokenForms(tok) {
			text = strings.ReplaceAll(text, form, jwtinfo.Redacted)
		}
	}
	return text
}

// tokenForms are the spellings of a token in text: itself, and its JSON
// string escapes (with and without HTML escaping and escaped slashes).
func tokenForms(tok string) []string {
	forms := []string{tok}
	add := func(s string) {
		for _, f := range forms {
			if f == s {
				return
			}
		}
		forms = append(forms, s)
	}
	if b, err := json.Marshal(tok); err == nil {
		quoted := string(b[1 : len(b)-1])
		add(quoted)
		add(strings.ReplaceAll(quoted, "/", `\/`))
	}
	return forms
}
