package cmdutil

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/axero-cli/axero/client"
)

// shellUnsafe reports what a completion line may not carry: a line
// break (one per candidate), a control or bidi character, invalid UTF-8.
func shellUnsafe(line string) bool {
	return !utf8.ValidString(line) || strings.ContainsFunc(line, func(r rune) bool {
		return (r < 0x20 && r != '\t') || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

// FuzzTokenCandidates checks the completion candidates made from server
// names: each is one line with at most one tab (value, description), no
// control or bidi character, and a value offered is a name or ID exactly
// as the server has it.
func FuzzTokenCandidates(f *testing.F) {
	f.Add("deploy-prod", "title\x1b]0;pwned\a", "")
	f.Add("split\nsecond", "tab\there", "s")
	f.Add("c1\u009b", "bidi\u202e", "b")
	f.Add("\xff", "ok", "1")
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, a, b, toComplete string) {
		tokens := []client.Token{{TokenID: 11, Name: a}, {TokenID: 12, Name: b}, {TokenID: 13, Name: a + b}}
		for _, c := range tokenCandidates(tokens, nil, toComplete, now) {
			if shellUnsafe(c) || strings.Count(c, "\t") > 1 {
				t.Fatalf("unsafe candidate %q from names %q, %q", c, a, b)
			}
			value, _, _ := strings.Cut(c, "\t")
			switch value {
			case "11", "12", "13", a, b, a + b:
			default:
				t.Fatalf("candidate value %q names no token (names %q, %q)", value, a, b)
			}
		}
	})
}
