package gitlab

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// Put writes v's secret into the variable: PUT to update it (only the
// options given change), and when GitLab answers that it does not exist,
// POST to create it (masked unless ?masked=false, hidden with
// ?hidden=true). A create that finds the variable created meanwhile goes
// back to the update once. Writing the same value again is harmless.
func (s *Sink) Put(ctx context.Context, v sink.Value) error {
	const op = "put"
	if !validKey(s.key) {
		return sink.Errorf(s.String(), op, sink.Invalid, "variable key %q: GitLab allows 1 to 255 letters, digits and _", s.key)
	}
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	c.AddSecret(v.Secret)
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := s.update(ctx, c, op, v.Secret)
		if err != nil {
			return err
		}
		switch {
		case resp.OK():
			return s.confirm(c, op, resp, v.Secret)
		case resp.Status != http.StatusNotFound || !strings.Contains(errorMessage(resp.Body), "Variable"):
			return s.refusal(c, op, resp, "update the "+s.what())
		}
		resp, err = s.create(ctx, c, op, v.Secret)
		if err != nil {
			return err
		}
		switch {
		case resp.OK():
			return s.confirm(c, op, resp, v.Secret)
		case resp.Status == http.StatusBadRequest && strings.Contains(errorMessage(resp.Body), "has already been taken"):
			continue // created by someone else since the update: update it
		}
		return s.refusal(c, op, resp, "create the "+s.what())
	}
	return c.Errorf(op, sink.Failed, "the %s kept appearing and disappearing while it was written", s.what())
}

// update is PUT .../variables/KEY with the options that were given.
func (s *Sink) update(ctx context.Context, c *sinkhttp.Client, op, secret string) (*sinkhttp.Response, error) {
	body := map[string]any{"value": secret}
	if s.masked != nil {
		body["masked"] = *s.masked
	} else if s.hidden != nil && *s.hidden {
		body["masked"] = true
	}
	if s.protected != nil {
		body["protected"] = *s.protected
	}
	return c.Do(ctx, op, sinkhttp.Request{Method: http.MethodPut, Path: s.variablePath(), Query: s.filter(), Body: body})
}

// create is POST .../variables. It is not retried by the stack: a lost
// answer is settled by the next Put, whose update then finds the
// variable.
func (s *Sink) create(ctx context.Context, c *sinkhttp.Client, op, secret string) (*sinkhttp.Response, error) {
	body := map[string]any{
		"key":               s.key,
		"value":             secret,
		"environment_scope": s.scope,
		"masked":            s.wantsMasked(nil),
	}
	if s.hidden != nil && *s.hidden {
		body["masked_and_hidden"] = true
	}
	if s.protected != nil {
		body["protected"] = *s.protected
	}
	return c.Do(ctx, op, sinkhttp.Request{Method: http.MethodPost, Path: s.holderPath() + "/variables", Body: body})
}

// confirm checks GitLab's answer to a write and remembers that it
// confirmed this value: for a hidden variable, whose value GitLab never
// sends back, that answer is all Verify can rely on.
func (s *Sink) confirm(c *sinkhttp.Client, op string, resp *sinkhttp.Response, secret string) error {
	var got variable
	if err := c.JSON(op, resp, &got); err != nil {
		return err
	}
	if got.Key != s.key {
		return c.Errorf(op, sink.Failed, "GitLab's answer to the write of the %s names another variable", s.what())
	}
	if got.Value != nil && !sameHash(*got.Value, secret) {
		return c.Errorf(op, sink.Failed, "GitLab's answer to the write of the %s holds another value", s.what())
	}
	s.mu.Lock()
	s.written, s.wrote = sha256.Sum256([]byte(secret)), true
	s.mu.Unlock()
	return nil
}

// sameHash compares two values by SHA-256 in constant time.
func sameHash(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// Verify reads the variable back and compares its value by hash. A
// hidden variable is answered with a null value: it is then taken as
// verified only if this sink's own write of this value was confirmed by
// GitLab's answer, and a resumed run that did not write it here must
// write it again first. The options asked for are checked too.
func (s *Sink) Verify(ctx context.Context, v sink.Value) error {
	const op = "verify"
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	c.AddSecret(v.Secret)
	got, err := s.get(ctx, c, op)
	if err != nil {
		return err
	}
	if got == nil {
		return c.Errorf(op, sink.Failed, "%s does not exist: it does not hold the new token", s.what())
	}
	switch {
	case s.masked != nil && got.Masked != *s.masked:
		return c.Errorf(op, sink.Failed, "%s has masked=%t, not %t as asked", s.what(), got.Masked, *s.masked)
	case s.protected != nil && got.Protected != *s.protected:
		return c.Errorf(op, sink.Failed, "%s has protected=%t, not %t as asked", s.what(), got.Protected, *s.protected)
	case s.hidden != nil && got.Hidden != *s.hidden:
		return c.Errorf(op, sink.Failed, "%s has hidden=%t, not %t as asked", s.what(), got.Hidden, *s.hidden)
	}
	if got.Value == nil {
		s.mu.Lock()
		confirmed := s.wrote && subtle.ConstantTimeCompare(s.written[:], hashOf(v.Secret)) == 1
		s.mu.Unlock()
		if !confirmed {
			return c.Errorf(op, sink.Failed, "%s is hidden, so GitLab never sends its value back, and no write of the new token was confirmed in this run: put it again", s.what())
		}
		return nil
	}
	if !sameHash(*got.Value, v.Secret) {
		return c.Errorf(op, sink.Failed, "%s does not hold the new token", s.what())
	}
	return nil
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
