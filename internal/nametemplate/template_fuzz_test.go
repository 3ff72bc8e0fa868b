package nametemplate

import (
	"strings"
	"testing"
)

// FuzzNameTemplate compiles arbitrary --name-template text and renders it
// with hostile user fields (the server chooses them): nothing panics or
// runs away, a refusal is one line, rendering is deterministic, and a
// template that claims not to need the user's fields renders the same
// without them.
func FuzzNameTemplate(f *testing.F) {
	for _, s := range []string{
		Default, "ci-{{.UserID}}-{{.Date}}", "{{.Email | printf \"%.3s\"}}", "{{.}}", "{{$}}",
		"{{.Nope}}", "{{", "{{range 99999999}}x{{end}}", "{{range $i, $e := 5}}{{end}}", `{{printf "%0999999d" 1}}`,
		"{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}", "{{block \"b\" .}}{{.UserName}}{{end}}",
		"{{with .UserName}}{{.}}{{end}}", "{{if .Date}}{{.UserID}}{{else}}{{.Email}}{{end}}", "\x00\xff{{/* c */}}",
		"{{$x := .UserName}}{{$x}}", "{{len .DisplayName}}", "{{call .Date}}", "{{index .Email 0}}",
	} {
		f.Add(s, "jdoe\x1b]0;pwned\x07", "=cmd|' /C calc'!A0")
	}
	f.Fuzz(func(t *testing.T, text, userName, display string) {
		nt, err := Parse(text)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		d := Data{UserID: 1001, UserName: userName, Email: userName + "@example.com", DisplayName: display, Date: "2026-11-26"}
		name, err := nt.Render(d)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error is not one line: %q", err)
			}
			return
		}
		if len(name) > MaxRenderedName {
			t.Fatalf("rendered %d bytes, over the limit of %d", len(name), MaxRenderedName)
		}
		if again, err := nt.Render(d); err != nil || again != name {
			t.Fatalf("rendering twice gave %q, then %q, %v", name, again, err)
		}
		if !nt.NeedsUser() {
			bare := Data{UserID: d.UserID, Date: d.Date}
			if got, err := nt.Render(bare); err != nil || got != name {
				t.Fatalf("%q claims not to need the user, but renders %q with it and %q, %v without", text, name, got, err)
			}
		}
	})
}
