package resolve

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/axero-cli/axero/client"
)

// MaxNameLength is the longest token name the server accepts.
const MaxNameLength = 100

// ValidateName applies the server's rule for token names: 1 to 100
// characters after trimming, no control characters.
func ValidateName(name string) error {
	trimmed := strings.TrimSpace(name)
	if trimmed == "" {
		return fmt.Errorf("the token name is empty")
	}
	if n := len([]rune(trimmed)); n > MaxNameLength {
		return fmt.Errorf("the token name is %d characters long; the maximum is %d", n, MaxNameLength)
	}
	for _, r := range trimmed {
		if unicode.IsControl(r) {
			return fmt.Errorf("the token name contains a control character (%U)", r)
		}
	}
	return nil
}

// Token picks one token from a list by TokenID or exact name. A name that
// several tokens share is an AmbiguousError listing them.
func Token(tokens []client.Token, idOrName string) (client.Token, error) {
	in := strings.TrimSpace(idOrName)
	if id, ok := ParseID(in); ok {
		for _, t := range tokens {
			if t.TokenID == id {
				return t, nil
			}
		}
	}
	var matches []client.Token
	for _, t := range tokens {
		if t.Name == in {
			matches = append(matches, t)
		}
	}
	switch len(matches) {
	case 0:
		return client.Token{}, &NotFoundError{What: "token", Input: in}
	case 1:
		return matches[0], nil
	}
	desc := make([]string, len(matches))
	for i, t := range matches {
		desc[i] = DescribeToken(t)
	}
	return client.Token{}, &AmbiguousError{What: "token", Input: in, Matches: desc}
}

// DescribeToken is a token in a few words: "1017 (created 2026-11-26,
// expires 2027-02-24)".
func DescribeToken(t client.Token) string {
	exp := "never expires"
	if t.ExpirationDate != nil && !t.ExpirationDate.IsZero() {
		exp = "expires " + t.ExpirationDate.UTC().Format(time.DateOnly)
	}
	return fmt.Sprintf("%d (created %s, %s)", t.TokenID, t.DateCreated.UTC().Format(time.DateOnly), exp)
}
