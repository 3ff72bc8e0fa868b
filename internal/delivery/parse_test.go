package delivery

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/sink"
)

func testDeps() Deps {
	env := map[string]string{}
	return Deps{Env: sink.Env{Getenv: func(k string) string { return env[k] }, Now: time.Now}}
}

func TestParse(t *testing.T) {
	d := testDeps()
	sinks, err := Parse([]string{"github:acme/api#AXERO_TOKEN", "vault:secret/ci#token", "gitlab:project/acme/api#AXERO", "aws-sm:ci/axero", "file:tok.env#AXERO_TOKEN", "exec:kubectl apply -f -"}, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(sinks) != 6 || sinks[0].String() != "github:acme/api#AXERO_TOKEN" {
		t.Fatalf("%v", sinks)
	}
	for spec, want := range map[string]string{
		"ftp:host/x":  `unknown sink scheme "ftp" (known: github, gitlab, vault, aws-sm, file, keychain, exec)`,
		"no-scheme":   "a sink is SCHEME:...",
		"keychain:ci": "not available",
	} {
		_, err := Parse([]string{spec}, d)
		if err == nil || sink.KindOf(err) != sink.Invalid || (want != "" && !strings.Contains(err.Error(), want)) {
			t.Errorf("Parse(%q) = %v, want an Invalid error with %q", spec, err, want)
		}
	}
	_, err = Parse([]string{"file:a", "file:a"}, d)
	if err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Fatalf("duplicate: %v", err)
	}
}

func TestLoadSinksFile(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "sinks.yaml")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := write("- vault:secret/ci#token\n- to: gitlab:project/acme/api#AXERO\n  masked: true\n  environment_scope: prod\n- to: github:acme#X\n  visibility: all\n")
	got, err := LoadSinksFile(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"vault:secret/ci#token", "gitlab:project/acme/api#AXERO?environment_scope=prod&masked=true", "github:acme#X?visibility=all"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if _, err := Parse(got, testDeps()); err != nil {
		t.Fatalf("the merged strings must parse: %v", err)
	}
	for text, msg := range map[string]string{
		"to: x": "want a list",
		"- 3\n": "want a sink string",
		"- to: gitlab:p/a#K?masked=true\n  masked: false\n": "given both",
		"- to: file:x\n  mode: 0600\n":                      "take no options",
		"- masked: true\n":                                  "needs `to: SINK`",
		"- to: vault:s/p#f\n  x: [1]\n":                     "not a single value",
		"":                                                  "empty",
		"- [\n":                                             "not valid YAML",
	} {
		if _, err := LoadSinksFile(write(text)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: err %v, want %q", text, err, msg)
		}
	}
	link := filepath.Join(dir, "link.yaml")
	if err := os.Symlink(p, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSinksFile(link); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("symlink: %v", err)
	}
	big := write("- file:x\n" + strings.Repeat("#", MaxSinksFile))
	if _, err := LoadSinksFile(big); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("big: %v", err)
	}
}

func TestTemplate(t *testing.T) {
	tpl, err := ParseTemplate("vault:secret/axero/{{.UserName}}#token")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(Row{UserID: 3, UserName: "jdoe", Email: "jdoe@example.com"})
	if err != nil || got != "vault:secret/axero/jdoe#token" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"../etc", "a/b", "x#y", "a b", "..", "x\x1by", "a?b=c"} {
		if _, err := tpl.Render(Row{UserName: bad}); err == nil {
			t.Errorf("user name %q was put into the sink", bad)
		}
	}
	tpl, err = ParseTemplate("file:tokens/{{.UserID}}.txt")
	if err != nil {
		t.Fatal(err)
	}
	// A field the template does not use may hold anything.
	if got, err := tpl.Render(Row{UserID: 42, UserName: "a/b"}); err != nil || got != "file:tokens/42.txt" {
		t.Fatalf("%q %v", got, err)
	}
	for text, msg := range map[string]string{
		"vault:s/{{.Nope}}#t":           "invalid sink template",
		"vault:s/{{range 9}}x{{end}}#t": "range",
		"vault:s/{{.UserName#t":         "invalid sink template",
	} {
		if _, err := ParseTemplate(text); err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "--name-template") {
			t.Errorf("%q: %v", text, err)
		}
	}
	plain, _ := ParseTemplate("file:x")
	if got, _ := plain.Render(Row{}); got != "file:x" {
		t.Fatal(got)
	}
}
