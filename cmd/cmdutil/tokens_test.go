package cmdutil

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/expiry"
	"github.com/axero-cli/axero/internal/resolve"
)

func newTestClient(t *testing.T, srv *emulator.Server, user string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{BaseURL: srv.URL(), Token: srv.SeedToken(user), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mint(t *testing.T, srv *emulator.Server, userID int64, name string, actorID int64) client.CreatedToken {
	t.Helper()
	ct, err := srv.MintToken(userID, name, nil, actorID)
	if err != nil {
		t.Fatal(err)
	}
	return ct
}

func TestFindToken(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{})
	ctx := context.Background()
	jdoe := newTestClient(t, srv, "jdoe")
	deploy := mint(t, srv, emulator.JDoeID, "deploy", 0)
	mint(t, srv, emulator.JDoeID, "twin", 0)
	mint(t, srv, emulator.JDoeID, "twin", 0)

	if got, err := FindToken(ctx, jdoe, "", "deploy"); err != nil || got.TokenID != deploy.TokenID {
		t.Errorf("by name: %+v, %v", got, err)
	}
	if got, err := FindToken(ctx, jdoe, "", strconv.FormatInt(deploy.TokenID, 10)); err != nil || got.Name != "deploy" {
		t.Errorf("by ID: %+v, %v", got, err)
	}
	var ambiguous *resolve.AmbiguousError
	if _, err := FindToken(ctx, jdoe, "", "twin"); !errors.As(err, &ambiguous) {
		t.Errorf("shared name: %v, want *resolve.AmbiguousError", err)
	}
	for _, missing := range []string{"nope", "999999"} {
		_, err := FindToken(ctx, jdoe, "", missing)
		var notFound *resolve.NotFoundError
		if !errors.As(err, &notFound) || ExitCode(err) != ExitNotFound {
			t.Errorf("%s: %v (exit %d), want a not-found error (exit 4)", missing, err, ExitCode(err))
		}
	}
}

// An administrator names an impersonation token, which is not in their own
// list, by its ID; with --user, by its name in that user's list.
func TestFindTokenOfAnotherUser(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{})
	ctx := context.Background()
	admin := newTestClient(t, srv, "admin")
	imp := mint(t, srv, emulator.JDoeID, "on-behalf", emulator.AdminID)

	if got, err := FindToken(ctx, admin, "", strconv.FormatInt(imp.TokenID, 10)); err != nil || got.TokenID != imp.TokenID {
		t.Errorf("by ID outside the own list: %+v, %v", got, err)
	}
	if got, err := FindToken(ctx, admin, "jdoe", "on-behalf"); err != nil || got.TokenID != imp.TokenID {
		t.Errorf("by name in jdoe's list: %+v, %v", got, err)
	}
	tokens, err := ListTokens(ctx, admin, "jdoe@example.com")
	if err != nil || tokens == nil {
		t.Fatalf("ListTokens: %v, %v", tokens, err)
	}
}

func TestPolicyMinutes(t *testing.T) {
	t.Parallel()
	srv := emulator.NewTest(t, emulator.Options{})
	ctx := context.Background()
	c := newTestClient(t, srv, "jdoe")
	now := time.Now()

	def, err := expiry.Parse("", now)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := PolicyMinutes(ctx, c, def, now); err != nil || m != nil {
		t.Errorf("default: %v, %v; want nil (the site's default)", m, err)
	}
	days, err := expiry.Parse("30d", now)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := PolicyMinutes(ctx, c, days, now); err != nil || m == nil || *m != 30*24*60 {
		t.Errorf("30d: %v, %v; want %d", m, err, 30*24*60)
	}
	long, err := expiry.Parse("100y", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PolicyMinutes(ctx, c, long, now); ExitCode(err) != ExitUsage {
		t.Errorf("beyond the policy: %v (exit %d), want a usage error", err, ExitCode(err))
	}
}
