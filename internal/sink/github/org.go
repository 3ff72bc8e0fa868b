package github

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// orgAccess is who may use an organisation secret: what every write must
// send, since the API requires visibility on each one.
type orgAccess struct {
	visibility string
	selected   []int64 // repository ids, for "selected"
}

// maxSelectedPages bounds the listing of a secret's repositories (100 a
// page): far more repositories than an organisation shares one secret with.
const maxSelectedPages = 100

// orgAccess resolves, once, the visibility that writes send. Without
// ?visibility= the secret keeps what it has, "selected" repositories
// included, so that a rotation never widens or narrows who sees it; a
// secret that does not exist yet then needs one. With
// visibility=selected the repositories named in repos= are looked up for
// their ids.
func (s *Sink) orgAccess(ctx context.Context, c *sinkhttp.Client, op string) (*orgAccess, error) {
	s.mu.Lock()
	a := s.org
	s.mu.Unlock()
	if a != nil {
		return a, nil
	}
	var err error
	switch s.visibility {
	case "":
		a, err = s.currentAccess(ctx, c, op)
	case "selected":
		a = &orgAccess{visibility: "selected"}
		for _, name := range s.repos {
			id, err := s.repoID(ctx, c, op, name)
			if err != nil {
				return nil, err
			}
			a.selected = append(a.selected, id)
		}
	default:
		a = &orgAccess{visibility: s.visibility}
	}
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.org = a
	s.mu.Unlock()
	return a, nil
}

// currentAccess reads an existing organisation secret's visibility and,
// for "selected", its repositories.
func (s *Sink) currentAccess(ctx context.Context, c *sinkhttp.Client, op string) (*orgAccess, error) {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.secretPath()})
	if err != nil {
		return nil, err
	}
	if resp.Status == http.StatusNotFound {
		return nil, c.Errorf(op, sink.Invalid, "%s does not exist yet: say who may use it with ?visibility=all, private, or selected&repos=REPO,REPO", s.what())
	}
	if !resp.OK() {
		return nil, s.refusal(c, op, resp, "read the "+s.what())
	}
	var meta struct {
		Visibility string `json:"visibility"`
	}
	if err := c.JSON(op, resp, &meta); err != nil {
		return nil, err
	}
	if !slices.Contains(visibilities, meta.Visibility) {
		return nil, c.Errorf(op, sink.Failed, "%s has an unknown visibility; give ?visibility= explicitly", s.what())
	}
	a := &orgAccess{visibility: meta.Visibility}
	if a.visibility != "selected" {
		return a, nil
	}
	for page := 1; page <= maxSelectedPages; page++ {
		resp, err := c.Do(ctx, op, sinkhttp.Request{
			Method: http.MethodGet,
			Path:   s.secretPath() + "/repositories",
			Query:  url.Values{"per_page": {"100"}, "page": {strconv.Itoa(page)}},
		})
		if err != nil {
			return nil, err
		}
		if !resp.OK() {
			return nil, s.refusal(c, op, resp, "list the repositories of the "+s.what())
		}
		var list struct {
			TotalCount   int `json:"total_count"`
			Repositories []struct {
				ID int64 `json:"id"`
			} `json:"repositories"`
		}
		if err := c.JSON(op, resp, &list); err != nil {
			return nil, err
		}
		for _, r := range list.Repositories {
			a.selected = append(a.selected, r.ID)
		}
		if len(list.Repositories) == 0 || len(a.selected) >= list.TotalCount {
			return a, nil
		}
	}
	return nil, c.Errorf(op, sink.Failed, "the repositories of the %s do not end after %d pages", s.what(), maxSelectedPages)
}

// repoID looks up a repository of the organisation.
func (s *Sink) repoID(ctx context.Context, c *sinkhttp.Client, op, name string) (int64, error) {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: "/repos/" + url.PathEscape(s.owner) + "/" + url.PathEscape(name)})
	if err != nil {
		return 0, err
	}
	if resp.Status == http.StatusNotFound {
		return 0, c.Errorf(op, sink.Invalid, "repos=: repository %s/%s not found, or the token in %s cannot see it", s.owner, name, s.cred.variable)
	}
	if !resp.OK() {
		return 0, s.refusal(c, op, resp, "read repository "+s.owner+"/"+name)
	}
	var r struct {
		ID int64 `json:"id"`
	}
	if err := c.JSON(op, resp, &r); err != nil {
		return 0, err
	}
	if r.ID <= 0 {
		return 0, c.Errorf(op, sink.Failed, "repository %s/%s has no id in GitHub's answer", s.owner, name)
	}
	return r.ID, nil
}
