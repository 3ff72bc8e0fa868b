package github

import (
	"context"
	"net/http"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// putBody is the body of "Create or update a ... secret".
type putBody struct {
	EncryptedValue        string  `json:"encrypted_value"`
	KeyID                 string  `json:"key_id"`
	Visibility            string  `json:"visibility,omitempty"`
	SelectedRepositoryIDs []int64 `json:"selected_repository_ids,omitempty"`
}

// Put seals v's secret to the scope's public key and writes it: 201 when
// the secret is new, 204 when it replaced a value. Writing the same
// value again is harmless. A 422 may mean that GitHub rotated the key
// since it was read: the key is read again and the write repeated once.
func (s *Sink) Put(ctx context.Context, v sink.Value) error {
	const op = "put"
	c, err := s.begin(op, v.Secret)
	if err != nil {
		return err
	}
	var access *orgAccess
	if s.repo == "" {
		if access, err = s.orgAccess(ctx, c, op); err != nil {
			return err
		}
	}
	key, err := s.fetchKey(ctx, c, op, false)
	if err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		resp, err := s.write(ctx, c, op, key, access, v.Secret)
		if err != nil {
			return err
		}
		switch {
		case resp.OK():
			return nil
		case resp.Status == http.StatusUnprocessableEntity && attempt == 0:
			if key, err = s.fetchKey(ctx, c, op, true); err != nil {
				return err
			}
			continue
		}
		return s.refusal(c, op, resp, "write the "+s.what())
	}
}

func (s *Sink) write(ctx context.Context, c *sinkhttp.Client, op string, key *publicKey, access *orgAccess, secret string) (*sinkhttp.Response, error) {
	sealed, err := seal(c, key, secret)
	if err != nil {
		return nil, c.Errorf(op, sink.Failed, "%v", err)
	}
	body := putBody{EncryptedValue: sealed, KeyID: key.id}
	if access != nil {
		body.Visibility = access.visibility
		if access.visibility == "selected" {
			body.SelectedRepositoryIDs = access.selected
		}
	}
	return c.Do(ctx, op, sinkhttp.Request{Method: http.MethodPut, Path: s.secretPath(), Body: body})
}
