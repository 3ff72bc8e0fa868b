package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdtest"
)

// A display name is the server's text: login shows it escaped.
func TestLoginShowsAHostileDisplayNameEscaped(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	if err := e.Srv.AddUser(client.User{UserName: "mallory", DisplayName: "Mallory \x1b]0;pwned\a\x1b[2J", Email: "m@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	u, _ := e.Srv.UserByName("mallory")
	exp := time.Now().Add(24 * time.Hour)
	ct, err := e.Srv.MintToken(u.UserID, "cli", &exp, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Stdin = ct.Secret + "\n"
	r := e.MustRun("login", "--with-token")
	if strings.ContainsAny(r.Stderr+r.Stdout, "\x1b\a") {
		t.Fatalf("login printed raw control characters: %q", r.Stderr)
	}
	if !strings.Contains(r.Stderr, `Logged in to`) || !strings.Contains(r.Stderr, `Mallory \x1b]0;pwned`) {
		t.Fatalf("the user is not named escaped: %q", r.Stderr)
	}
}
