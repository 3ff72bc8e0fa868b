package cmdutil

import (
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/iostreams"
)

func TestTokenChoicesAreEscapedAndFitted(t *testing.T) {
	now := time.Date(2026, 11, 26, 17, 0, 0, 0, time.UTC)
	exp := client.Time{Time: now.Add(29 * 24 * time.Hour)}
	tokens := []client.Token{
		{TokenID: 100104, Name: "evil\x1b]0;pwned\a\u202eexe", DateCreated: client.Time{Time: now.Add(-time.Hour)}, ExpirationDate: &exp},
		{TokenID: 100105, Name: "a-rather-long-token-name-for-the-reporting-integration", DateCreated: client.Time{Time: now}},
	}
	header, choices := TokenChoices(tokens, now, 0)
	if !strings.HasPrefix(header, "ID      NAME  ") || !strings.Contains(header, "  CREATED  ") || !strings.HasSuffix(header, "  EXPIRES     LAST USED") {
		t.Errorf("header %q", header)
	}
	if len(choices) != 2 || !strings.Contains(choices[0], `evil\x1b]0;pwned\x07\u202eexe`) || !strings.Contains(choices[0], "in 29 days") {
		t.Errorf("choices %q", choices)
	}
	for _, c := range choices {
		if strings.ContainsAny(c, "\x1b\a\u202e") {
			t.Errorf("a raw control character reaches the terminal: %q", c)
		}
	}
	_, narrow := TokenChoices(tokens, now, 60)
	for _, c := range narrow {
		if len([]rune(c)) > 60 {
			t.Errorf("a choice of %d columns at 60: %q", len([]rune(c)), c)
		}
	}
}

func TestCanPick(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	ios.SetStdinTTY(true)
	ios.SetStdoutTTY(true)
	ios.SetStderrTTY(true)
	if !CanPick(ios) {
		t.Error("three terminals and no CI: a picker may appear")
	}
	ios.SetNeverPrompt(true)
	if CanPick(ios) {
		t.Error("CI or AXERO_NO_PROMPT forbids the picker")
	}
	ios.SetNeverPrompt(false)
	ios.SetStderrTTY(false)
	if CanPick(ios) {
		t.Error("the picker is drawn on stderr, which must be a terminal")
	}
}
