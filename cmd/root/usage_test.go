package root

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// A command line that does not parse exits 2 with one line that says what
// was wrong in words, suggests what was probably meant, and then the
// command's usage line.
func TestCommandLineErrorsSuggestAndShowUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		args      []string
		first     string // the error line
		usageLine string // the start of the line after it
	}{
		{[]string{"token", "lst"}, `axero: unknown command "lst" for "axero token"; did you mean "list"?`, "Usage: axero token"},
		{[]string{"tokn"}, `axero: unknown command "tokn" for "axero"; did you mean "token"?`, "Usage: axero"},
		{[]string{"no-such-command"}, `axero: unknown command "no-such-command" for "axero"`, "Usage: axero"},
		{[]string{"token", "list", "--expird"}, `axero: unknown flag: --expird; did you mean --expired?`, "Usage: axero token list"},
		{[]string{"token", "list", "--expiring"}, `axero: unknown flag: --expiring; did you mean --expiring-within?`, "Usage: axero token list"},
		{[]string{"token", "rename"}, `axero: token rename needs ID|NAME NEW-NAME: missing ID|NAME and NEW-NAME`, "Usage: axero token rename ID|NAME NEW-NAME"},
		{[]string{"token", "rename", "a"}, `axero: token rename needs ID|NAME NEW-NAME: missing NEW-NAME`, "Usage: axero token rename"},
		{[]string{"token", "rename", "a", "b", "c"}, `axero: token rename takes ID|NAME NEW-NAME, got 3 arguments`, "Usage: axero token rename"},
		{[]string{"call"}, `axero: call needs [METHOD] PATH: missing PATH`, "Usage: axero call"},
		{[]string{"version", "x"}, `axero: version takes no arguments, got "x"`, "Usage: axero version"},
		{[]string{"token", "rotate", "a", "b"}, `axero: token rotate takes at most 1 argument(s), got 2`, "Usage: axero token rotate"},
	}
	for _, c := range cases {
		f, _, errOut := isolatedFactory(t, nil, false)
		code := Execute(context.Background(), f, c.args)
		if code != cmdutil.ExitUsage {
			t.Errorf("%v: exit %d, want %d", c.args, code, cmdutil.ExitUsage)
		}
		lines := strings.Split(strings.TrimRight(errOut.String(), "\n"), "\n")
		if lines[0] != c.first {
			t.Errorf("%v: first line\n%q, want\n%q", c.args, lines[0], c.first)
		}
		if len(lines) < 2 || !strings.HasPrefix(lines[1], c.usageLine) {
			t.Errorf("%v: no usage line %q after the error:\n%s", c.args, c.usageLine, errOut)
		}
	}
}

// Errors a command finds in values (not in the shape of the command line)
// are not followed by a usage line.
func TestValueErrorsHaveNoUsageLine(t *testing.T) {
	t.Parallel()
	f, _, errOut := isolatedFactory(t, nil, false)
	if code := Execute(context.Background(), f, []string{"--timeout", "0", "version"}); code != cmdutil.ExitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if strings.Contains(errOut.String(), "Usage:") {
		t.Errorf("a bad value printed the usage line:\n%s", errOut)
	}
}

func TestUsageArgs(t *testing.T) {
	t.Parallel()
	for use, want := range map[string]string{
		"rename ID|NAME NEW-NAME": "ID|NAME NEW-NAME",
		"call [METHOD] PATH":      "[METHOD] PATH",
		"inspect [-]":             "[-]",
		"create --name NAME [--expires E] [--keychain[=PROFILE]] [--out FILE]": "",
		"rotate (ID|NAME | --from OLD --out NEW) [flags]":                      "",
		"exec -- COMMAND [ARGS...]":                                            "COMMAND [ARGS...]",
		"completion bash|zsh|fish|powershell":                                  "bash|zsh|fish|powershell",
		"doctor [--profile P] [-o json]":                                       "",
	} {
		if got := strings.Join(usageArgs(use), " "); got != want {
			t.Errorf("usageArgs(%q) = %q, want %q", use, got, want)
		}
	}
}

func TestAliasesOfRevokeAndList(t *testing.T) {
	t.Parallel()
	f, _, _ := isolatedFactory(t, nil, false)
	root := NewCmdRoot(f)
	for alias, want := range map[string]string{"rm": "revoke", "delete": "revoke", "ls": "list"} {
		c, _, err := root.Find([]string{"token", alias})
		if err != nil || c.Name() != want {
			t.Errorf("axero token %s finds %v (%v), want %s", alias, c.Name(), err, want)
		}
	}
}

// `axero help environment` names every variable and flag of the README's
// environment table, and `axero help exit-codes` every exit code of its
// exit-code table.
func TestHelpTopicsMatchTheREADME(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := func(title string) string {
		_, rest, ok := strings.Cut(string(readme), "\n## "+title+"\n")
		if !ok {
			t.Fatalf("README has no section %q", title)
		}
		body, _, _ := strings.Cut(rest, "\n## ")
		return body
	}
	help := func(topic string) string {
		f, out, _ := isolatedFactory(t, nil, false)
		if code := Execute(context.Background(), f, []string{"help", topic}); code != 0 {
			t.Fatalf("axero help %s exited %d", topic, code)
		}
		return out.String()
	}

	env := help("environment")
	row := regexp.MustCompile("(?m)^\\| (`[^|]+`) \\|")
	names := regexp.MustCompile("`([^`]+)`")
	for _, m := range row.FindAllStringSubmatch(section("Configuration and environment"), -1) {
		for _, n := range names.FindAllStringSubmatch(m[1], -1) {
			name := strings.Fields(n[1])[0]
			if !strings.Contains(env, name) {
				t.Errorf("axero help environment does not mention %s (README)", name)
			}
		}
	}

	codes := help("exit-codes")
	code := regexp.MustCompile(`(?m)^\| ([0-9]+) \|`)
	found := code.FindAllStringSubmatch(section("Exit codes"), -1)
	if len(found) < 8 {
		t.Fatalf("README's exit-code table has %d rows", len(found))
	}
	for _, m := range found {
		if !regexp.MustCompile(`(?m)^  ` + m[1] + ` `).MatchString(codes) {
			t.Errorf("axero help exit-codes does not explain %s (README)", m[1])
		}
	}
}
