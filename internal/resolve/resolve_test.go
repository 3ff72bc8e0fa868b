package resolve

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/client"
)

type fakeLookup struct {
	users []client.User
}

func (f *fakeLookup) GetUser(_ context.Context, id int64) (*client.User, error) {
	for _, u := range f.users {
		if u.UserID == id {
			return &u, nil
		}
	}
	return nil, &client.Error{Kind: client.KindNotFound, Status: 404}
}

func (f *fakeLookup) FindUsers(_ context.Context, q client.UserQuery, _, _ int) (client.Page[client.User], error) {
	var out []client.User
	for _, u := range f.users {
		if (q.Email != "" && strings.EqualFold(u.Email, q.Email)) || (q.UserName != "" && strings.EqualFold(u.UserName, q.UserName)) {
			out = append(out, u)
		}
	}
	return client.Page[client.User]{Items: out, TotalRecords: len(out)}, nil
}

var users = []client.User{
	{UserID: 3, UserName: "jdoe", Email: "jdoe@example.com"},
	{UserID: 7, UserName: "twin", Email: "a@example.com"},
	{UserID: 8, UserName: "twin", Email: "b@example.com"},
}

func TestUserByIDEmailAndName(t *testing.T) {
	ctx := context.Background()
	f := &fakeLookup{users: users}
	for _, in := range []string{"3", " jdoe ", "JDoe@Example.com"} {
		u, err := User(ctx, f, in)
		if err != nil || u.UserID != 3 {
			t.Errorf("User(%q) = %v, %v", in, u, err)
		}
	}
	_, err := User(ctx, f, "nobody")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !nf.NotFound() {
		t.Errorf("unknown user: %v", err)
	}
	if _, err := User(ctx, f, "99"); !errors.As(err, &nf) {
		t.Errorf("unknown id: %v", err)
	}
	_, err = User(ctx, f, "twin")
	var amb *AmbiguousError
	if !errors.As(err, &amb) || !strings.Contains(err.Error(), "7 (twin") || !strings.Contains(err.Error(), "8 (twin") {
		t.Errorf("ambiguous: %v", err)
	}
}

func TestTokenByIDOrName(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	tokens := []client.Token{
		{TokenID: 10, Name: "ci", DateCreated: client.Time{Time: now}},
		{TokenID: 11, Name: "dup", DateCreated: client.Time{Time: now}},
		{TokenID: 12, Name: "dup", DateCreated: client.Time{Time: now}},
	}
	if tok, err := Token(tokens, "10"); err != nil || tok.Name != "ci" {
		t.Errorf("by id: %v %v", tok, err)
	}
	if tok, err := Token(tokens, "ci"); err != nil || tok.TokenID != 10 {
		t.Errorf("by name: %v %v", tok, err)
	}
	_, err := Token(tokens, "dup")
	if err == nil || !strings.Contains(err.Error(), "11 (created 2026-11-26, never expires)") {
		t.Errorf("ambiguous: %v", err)
	}
	if _, err := Token(tokens, "99"); err == nil {
		t.Error("unknown id found")
	}
}

func TestValidateName(t *testing.T) {
	for _, bad := range []string{"", "   ", strings.Repeat("x", 101), "a\tb", "a\x00b"} {
		if ValidateName(bad) == nil {
			t.Errorf("ValidateName(%q) accepted", bad)
		}
	}
	for _, good := range []string{"ci-deploy-prod", strings.Repeat("é", 100), "  padded  "} {
		if err := ValidateName(good); err != nil {
			t.Errorf("ValidateName(%q): %v", good, err)
		}
	}
}
