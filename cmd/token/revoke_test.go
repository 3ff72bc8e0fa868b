package token_test

import (
	"github.com/axero-cli/axero/cmd/cmdtest"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestTokenRevokeNeedsYesWithoutTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	ct := e.Mint("old", nil)
	r := e.Expect(2, "pass --yes", "token", "revoke", "old")
	if !strings.Contains(r.Stderr, "About to revoke 1 token") || !strings.Contains(r.Stderr, "old") {
		t.Errorf("stderr does not show what would be revoked: %q", r.Stderr)
	}
	if ts, _ := e.TokenFor(ct.Secret); ts.Revoked {
		t.Fatal("revoked without --yes")
	}
	e.MustRun("token", "revoke", "old", "--yes")
	if ts, _ := e.TokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked with --yes")
	}
	e.Expect(4, `no token matches "old"`, "token", "revoke", "old", "--yes")
}

func TestTokenRevokeAsksOnTerminal(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	ct := e.Mint("old", nil)
	e.TTY, e.CanPrompt = true, true

	e.Stdin = "n\n"
	r := e.Expect(1, "nothing revoked", "token", "revoke", "old")
	if !strings.Contains(r.Stderr, "Revoke 1 token? This cannot be undone. [y/N]") {
		t.Errorf("no question asked: %q", r.Stderr)
	}
	if ts, _ := e.TokenFor(ct.Secret); ts.Revoked {
		t.Fatal("revoked after answering no")
	}

	e.Stdin = "y\n"
	r = e.MustRun("token", "revoke", "old")
	if ts, _ := e.TokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked after answering yes")
	}
	if !strings.Contains(r.Stdout, "✓ Revoked token") {
		t.Errorf("stdout: %q", r.Stdout)
	}
}

func TestTokenRevokeDryRunAndExpired(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	gone := e.Mint("gone", &past)
	gone2 := e.Mint("gone-too", &past)
	keep := e.Mint("keep", &future)

	r := e.MustRun("token", "revoke", "--expired", "--dry-run")
	if !strings.Contains(r.Stdout, "gone") || !strings.Contains(r.Stdout, "gone-too") || strings.Contains(r.Stdout, "keep") {
		t.Fatalf("dry run listed: %q", r.Stdout)
	}
	if ts, _ := e.TokenFor(gone.Secret); ts.Revoked {
		t.Fatal("--dry-run revoked a token")
	}
	e.MustRun("token", "revoke", "--expired", "--yes")
	for _, ct := range []string{gone.Secret, gone2.Secret} {
		if ts, _ := e.TokenFor(ct); !ts.Revoked {
			t.Errorf("expired token %d not revoked", ts.TokenID)
		}
	}
	if ts, _ := e.TokenFor(keep.Secret); ts.Revoked {
		t.Error("an active token was revoked by --expired")
	}
}

func TestTokenRevokeBadInput(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	e.Mint("dup", nil)
	e.Mint("dup", nil)
	e.Expect(2, "or pass --expired", "token", "revoke")
	e.Expect(1, `"dup" matches 2 tokens`, "token", "revoke", "dup", "--yes")
	e.Expect(4, `no token matches "424242"`, "token", "revoke", "424242", "--yes")
	e.Expect(3, "not permitted", "token", "revoke", "--expired", "--user", "admin", "--yes")
	if n := len(e.ActiveNamed("dup")); n != 2 {
		t.Fatalf("a refused revoke revoked something")
	}
}

// Revoking the token the command itself authenticates with warns that it
// stops working.
func TestTokenRevokeOwnTokenWarns(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "revoke", "seed", "--yes")
	if !strings.Contains(r.Stderr, "is the one AXERO_TOKEN uses") || !strings.Contains(r.Stderr, "stops working") {
		t.Fatalf("no warning: %q", r.Stderr)
	}
	e.AssertNoSecret("stderr", r.Stderr)
}

// An administrator revokes a user's impersonation token by name with --user.
func TestTokenRevokeForUser(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	jdoe, _ := e.Srv.UserByName("jdoe")
	admin, _ := e.Srv.UserByName("admin")
	ct, err := e.Srv.MintToken(jdoe.UserID, "support", nil, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.MustRun("token", "revoke", "support", "--user", "jdoe@example.com", "--yes")
	if ts, _ := e.TokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked")
	}
}

// The help states the exit status scripts get without --yes: 2, a usage
// error, as errNeedYes is.
func TestRevokeHelpSaysExit2WithoutYes(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	r := e.MustRun("token", "revoke", "--help")
	if !strings.Contains(r.Stdout, "changes nothing without it (exit 2)") || strings.Contains(r.Stdout, "(exit 1)") {
		t.Errorf("help:\n%s", r.Stdout)
	}
	e.Expect(2, "pass --yes", "token", "revoke", "seed")
}
