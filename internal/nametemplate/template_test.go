package nametemplate

import (
	"strings"
	"testing"
)

func TestTemplate(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"{{.UserID}}-{{.Date}}":               false,
		"fixed":                               false,
		"{{.UserName}}":                       true,
		"{{if .UserID}}{{.Email}}{{end}}":     true,
		`{{printf "%v" .}}`:                   true,
		"{{with $x := .UserID}}{{$x}}{{end}}": true,
	}
	for text, needs := range cases {
		nt, err := Parse(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if nt.NeedsUser() != needs {
			t.Errorf("%q: NeedsUser %v, want %v", text, nt.NeedsUser(), needs)
		}
	}
	nt, _ := Parse(Default)
	got, err := nt.Render(Data{UserID: 7, UserName: "jdoe", Date: "2026-11-26"})
	if err != nil || got != "jdoe-2026-11-26" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"{{.Nope}}", "{{.UserID", "{{template \"x\"}}"} {
		if _, err := Parse(bad); err == nil || !strings.HasPrefix(err.Error(), "invalid --name-template") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
