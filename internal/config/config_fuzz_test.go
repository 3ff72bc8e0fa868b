package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoad reads arbitrary bytes as config.yaml: nothing panics, a refusal
// is one line that never quotes the file's values (a token pasted by
// mistake would be printed), and what loads survives Save and Load
// unchanged.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"profiles:\n  default:\n    url: https://intranet.example.com\n    user: jdoe\n    user_id: 42\n    token_store: keychain\n    token_id: 7\n    token_expires: 2027-01-31T17:00:00Z\n    paths:\n      me: /api/users/me\n",
		"profiles:\n  a: null\n  b: {url: \"http://localhost:1\", allow_http: true}\n",
		"profiles: [1, 2]\n", "profiles:\n  x:\n    user_id: 99999999999999999999999\n",
		"profiles:\n  x:\n    user: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2VjcmV0\n    user_id: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2VjcmV0\n",
		"a: &a [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
		strings.Repeat("[", 10000), "profiles:\n  \"\\x1b]0;pwned\\a\":\n    url: \"\\xff\"\n", "\xff\xfe\x00", "\t", "",
		"profiles:\n  x:\n    token_expires: 99999-01-01T00:00:00Z\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(dir)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), filepath.Join(dir, FileName))
			if strings.ContainsAny(msg, "\r\n") || len(msg) > 400 {
				t.Fatalf("error is not one short line: %q", msg)
			}
			if strings.Contains(msg, "eyJ") {
				t.Fatalf("the error quotes the file's content: %q", msg)
			}
			return
		}
		if err := c.Save(); err != nil {
			t.Fatalf("a configuration that loads cannot be saved: %v", err)
		}
		again, err := Load(dir)
		if err != nil {
			saved, _ := os.ReadFile(c.Path())
			t.Fatalf("a saved configuration does not load: %v\n%s", err, saved)
		}
		if !reflect.DeepEqual(c.Profiles, again.Profiles) {
			saved, _ := os.ReadFile(c.Path())
			t.Fatalf("profiles changed across Save and Load:\n%#v\n%#v\n%s", c.Profiles, again.Profiles, saved)
		}
	})
}
