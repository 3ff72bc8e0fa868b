package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client/axerotest"
)

func TestTokenRevokeNeedsYesWithoutTerminal(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	ct := e.mint("old", nil)
	r := e.expectCode(2, "pass --yes", "token", "revoke", "old")
	if !strings.Contains(r.stderr, "About to revoke 1 token") || !strings.Contains(r.stderr, "old") {
		t.Errorf("stderr does not show what would be revoked: %q", r.stderr)
	}
	if ts, _ := e.tokenFor(ct.Secret); ts.Revoked {
		t.Fatal("revoked without --yes")
	}
	e.mustRun("token", "revoke", "old", "--yes")
	if ts, _ := e.tokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked with --yes")
	}
	e.expectCode(4, `no token matches "old"`, "token", "revoke", "old", "--yes")
}

func TestTokenRevokeAsksOnTerminal(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	ct := e.mint("old", nil)
	e.tty, e.canPrompt = true, true

	e.stdin = "n\n"
	r := e.expectCode(1, "nothing revoked", "token", "revoke", "old")
	if !strings.Contains(r.stderr, "Revoke 1 token? This cannot be undone. [y/N]") {
		t.Errorf("no question asked: %q", r.stderr)
	}
	if ts, _ := e.tokenFor(ct.Secret); ts.Revoked {
		t.Fatal("revoked after answering no")
	}

	e.stdin = "y\n"
	r = e.mustRun("token", "revoke", "old")
	if ts, _ := e.tokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked after answering yes")
	}
	if !strings.Contains(r.stdout, "✓ Revoked token") {
		t.Errorf("stdout: %q", r.stdout)
	}
}

func TestTokenRevokeDryRunAndExpired(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	past := time.Now().Add(-time.Hour)
	future := time.Now().Add(time.Hour)
	gone := e.mint("gone", &past)
	gone2 := e.mint("gone-too", &past)
	keep := e.mint("keep", &future)

	r := e.mustRun("token", "revoke", "--expired", "--dry-run")
	if !strings.Contains(r.stdout, "gone") || !strings.Contains(r.stdout, "gone-too") || strings.Contains(r.stdout, "keep") {
		t.Fatalf("dry run listed: %q", r.stdout)
	}
	if ts, _ := e.tokenFor(gone.Secret); ts.Revoked {
		t.Fatal("--dry-run revoked a token")
	}
	e.mustRun("token", "revoke", "--expired", "--yes")
	for _, ct := range []string{gone.Secret, gone2.Secret} {
		if ts, _ := e.tokenFor(ct); !ts.Revoked {
			t.Errorf("expired token %d not revoked", ts.TokenID)
		}
	}
	if ts, _ := e.tokenFor(keep.Secret); ts.Revoked {
		t.Error("an active token was revoked by --expired")
	}
}

func TestTokenRevokeBadInput(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	e.mint("dup", nil)
	e.mint("dup", nil)
	e.expectCode(2, "or pass --expired", "token", "revoke")
	e.expectCode(1, `"dup" matches 2 tokens`, "token", "revoke", "dup", "--yes")
	e.expectCode(4, `no token matches "424242"`, "token", "revoke", "424242", "--yes")
	e.expectCode(3, "not permitted", "token", "revoke", "--expired", "--user", "admin", "--yes")
	if n := len(e.activeNamed("dup")); n != 2 {
		t.Fatalf("a refused revoke revoked something")
	}
}

// Revoking the token the command itself authenticates with warns that it
// stops working.
func TestTokenRevokeOwnTokenWarns(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	r := e.mustRun("token", "revoke", "seed", "--yes")
	if !strings.Contains(r.stderr, "is the one AXERO_TOKEN uses") || !strings.Contains(r.stderr, "stops working") {
		t.Fatalf("no warning: %q", r.stderr)
	}
	e.assertNoSecret("stderr", r.stderr)
}

// An administrator revokes a user's impersonation token by name with --user.
func TestTokenRevokeForUser(t *testing.T) {
	e := newTokenEnv(t, axerotest.Options{})
	jdoe, _ := e.srv.UserByName("jdoe")
	admin, _ := e.srv.UserByName("admin")
	ct, err := e.srv.MintToken(jdoe.UserID, "support", nil, admin.UserID)
	if err != nil {
		t.Fatal(err)
	}
	e.env["AXERO_TOKEN"] = e.srv.SeedToken("admin")
	e.mustRun("token", "revoke", "support", "--user", "jdoe@example.com", "--yes")
	if ts, _ := e.tokenFor(ct.Secret); !ts.Revoked {
		t.Fatal("not revoked")
	}
}
