package github

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"golang.org/x/crypto/nacl/box"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// publicKey is a scope's sealing key.
type publicKey struct {
	id  string
	key [32]byte
}

// Check proves, changing nothing, that the secret can be written: the
// name is one GitHub accepts, the token is there and accepted, the
// scope exists and its public key can be read, a classic token has the
// scope the endpoint needs, and an organisation secret's visibility is
// known.
func (s *Sink) Check(ctx context.Context) error {
	const op = "check"
	c, err := s.begin(op)
	if err != nil {
		return err
	}
	if _, err := s.fetchKey(ctx, c, op, true); err != nil {
		return err
	}
	if s.repo == "" {
		if _, err := s.orgAccess(ctx, c, op); err != nil {
			return err
		}
	}
	return nil
}

// fetchKey reads the scope's public key, or returns the one read before
// unless fresh. It also checks a classic token's scopes, which GitHub
// lists in X-OAuth-Scopes (fine-grained and App tokens get no such
// header, and their permissions cannot be read before a write).
func (s *Sink) fetchKey(ctx context.Context, c *sinkhttp.Client, op string, fresh bool) (*publicKey, error) {
	s.mu.Lock()
	k := s.key
	s.mu.Unlock()
	if k != nil && !fresh {
		return k, nil
	}
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.secretsPath() + "/public-key"})
	if err != nil {
		return nil, err
	}
	if !resp.OK() {
		return nil, s.refusal(c, op, resp, "read the public key of the "+s.scopeName())
	}
	if err := s.checkScopes(c, op, resp); err != nil {
		return nil, err
	}
	var body struct {
		KeyID string `json:"key_id"`
		Key   string `json:"key"`
	}
	if err := c.JSON(op, resp, &body); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(body.Key)
	if err != nil || len(raw) != 32 || body.KeyID == "" {
		return nil, c.Errorf(op, sink.Failed, "the public key of the %s is not a base64 Curve25519 key with a key_id", s.scopeName())
	}
	k = &publicKey{id: body.KeyID}
	copy(k.key[:], raw)
	s.mu.Lock()
	s.key = k
	s.mu.Unlock()
	return k, nil
}

// checkScopes refuses a classic token that lacks the scope the endpoint
// needs, when the answer says which scopes it has.
func (s *Sink) checkScopes(c *sinkhttp.Client, op string, resp *sinkhttp.Response) error {
	header, ok := resp.Header[http.CanonicalHeaderKey("X-OAuth-Scopes")]
	if !ok {
		return nil
	}
	var have []string
	for _, h := range header {
		for _, sc := range strings.Split(h, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				have = append(have, sc)
			}
		}
	}
	need := s.classicScope()
	if slices.Contains(have, need) {
		return nil
	}
	list := strings.Join(have, ", ")
	if list == "" {
		list = "none"
	}
	return c.Errorf(op, sink.Denied, "the classic token in %s lacks the %s scope that writing this secret needs (it has: %s)", s.cred.variable, need, list)
}

// seal encrypts the secret to the key with libsodium's sealed box, as
// GitHub requires, and returns it base64-encoded. The sealed value is
// registered as a secret too: it is the token, encrypted, and has no
// business in a log.
func seal(c *sinkhttp.Client, k *publicKey, secret string) (string, error) {
	sealed, err := box.SealAnonymous(nil, []byte(secret), &k.key, rand.Reader)
	if err != nil {
		return "", fmt.Errorf("sealing the value: %w", err)
	}
	enc := base64.StdEncoding.EncodeToString(sealed)
	c.AddSecret(enc)
	return enc, nil
}
