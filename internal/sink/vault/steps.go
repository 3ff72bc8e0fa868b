package vault

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// casAttempts bounds the writes of one Put that may lose a check-and-set
// race to another writer before the sink gives up.
const casAttempts = 5

// casMismatch is the error Vault answers a write whose options.cas is not
// the current version.
const casMismatch = "check-and-set parameter did not match the current version"

// Check proves, changing nothing, that the token may write the entry:
// the mount is KV version 2 where Vault says which, and the token's
// capabilities on MOUNT/data/PATH (sys/capabilities-self) include read
// (the write keeps the other fields, and Verify reads back) and create or
// update, whichever the entry's existence calls for.
func (s *Sink) Check(ctx context.Context) error {
	const op = "check"
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	if err := s.checkMount(ctx, c, op); err != nil {
		return err
	}
	caps, err := s.capabilities(ctx, c, op)
	if err != nil {
		return err
	}
	if !grants(caps, "read") {
		return c.Errorf(op, sink.Denied, "the token in VAULT_TOKEN may not read %s (its capabilities there: %s); the write keeps the entry's other fields and is read back", s.dataPath(), strings.Join(caps, ", "))
	}
	e, err := s.read(ctx, c, op)
	if err != nil {
		return err
	}
	need := "create"
	if e.version > 0 {
		need = "update"
	}
	if !grants(caps, need) {
		return c.Errorf(op, sink.Denied, "the token in VAULT_TOKEN may not %s %s (its capabilities there: %s)", need, s.dataPath(), strings.Join(caps, ", "))
	}
	return nil
}

// checkMount asks Vault what the mount is, as the vault CLI does before a
// kv command. Vault answers that only to a token with some access under
// the mount; any other answer leaves the question to capabilities-self.
func (s *Sink) checkMount(ctx context.Context, c *sinkhttp.Client, op string) error {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: "/v1/sys/internal/ui/mounts/" + url.PathEscape(s.mount)})
	if err != nil {
		return err
	}
	if !resp.OK() {
		return nil
	}
	var body struct {
		Data struct {
			Type    string            `json:"type"`
			Path    string            `json:"path"`
			Options map[string]string `json:"options"`
		} `json:"data"`
	}
	if err := c.JSON(op, resp, &body); err != nil {
		return err
	}
	d := body.Data
	if d.Path != "" && strings.Trim(d.Path, "/") != s.mount {
		return c.Errorf(op, sink.Invalid, "%s is inside the mount %s, not a mount itself: write vault:%s/...", s.mount, strings.Trim(d.Path, "/"), strings.Trim(d.Path, "/"))
	}
	if d.Type != "kv" || d.Options["version"] != "2" {
		return c.Errorf(op, sink.Invalid, "%s/ is a %s mount (version %q), not KV version 2", s.mount, d.Type, d.Options["version"])
	}
	return nil
}

// capabilities asks sys/capabilities-self about the entry's data path.
// The request is a POST that changes nothing, so it is retried like a GET.
func (s *Sink) capabilities(ctx context.Context, c *sinkhttp.Client, op string) ([]string, error) {
	resp, err := c.Do(ctx, op, sinkhttp.Request{
		Method:     http.MethodPost,
		Path:       "/v1/sys/capabilities-self",
		Body:       map[string][]string{"paths": {s.dataPath()}},
		Idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	if !resp.OK() {
		return nil, s.refusal(c, op, resp, "ask for its own capabilities")
	}
	// Vault answers at the top level and again under "data"; the
	// per-path key and the older "capabilities" key carry the same list.
	var body map[string]json.RawMessage
	if err := c.JSON(op, resp, &body); err != nil {
		return nil, err
	}
	var data map[string]json.RawMessage
	_ = json.Unmarshal(body["data"], &data)
	for _, src := range []map[string]json.RawMessage{body, data} {
		for _, key := range []string{s.dataPath(), "capabilities"} {
			var caps []string
			if raw, ok := src[key]; ok && json.Unmarshal(raw, &caps) == nil {
				return caps, nil
			}
		}
	}
	return nil, c.Errorf(op, sink.Failed, "Vault's answer to capabilities-self names no capabilities for %s", s.dataPath())
}

// grants reports whether caps allow want: "root" allows all, "deny" none.
func grants(caps []string, want string) bool {
	if slices.Contains(caps, "deny") {
		return false
	}
	return slices.Contains(caps, "root") || slices.Contains(caps, want)
}

// Put writes v's secret into the field, keeping the entry's other fields:
// read the current version, change the field, write with options.cas set
// to the version read (0, create only, when there is none). A write that
// loses the race to another writer reads again and retries, up to
// casAttempts times. A field that already holds the value is left alone,
// so that a repeated Put makes no new version.
func (s *Sink) Put(ctx context.Context, v sink.Value) error {
	const op = "put"
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	c.AddSecret(v.Secret)
	value, err := json.Marshal(v.Secret)
	if err != nil {
		return c.Errorf(op, sink.Failed, "encoding the value: %v", err)
	}
	for range casAttempts {
		e, err := s.read(ctx, c, op)
		if err != nil {
			return err
		}
		if e.live && e.holds(s.field, v.Secret) {
			return nil
		}
		data := map[string]json.RawMessage{}
		if e.live {
			for k, val := range e.data {
				data[k] = val
			}
		}
		data[s.field] = value
		// A PUT, not a POST: Vault treats both alike, and the
		// check-and-set makes a repeated write harmless (a second
		// attempt of a write that landed fails the cas and is read
		// again), so the stack may retry it.
		resp, err := c.Do(ctx, op, sinkhttp.Request{
			Method: http.MethodPut,
			Path:   s.apiPath(),
			Body: map[string]any{
				"options": map[string]int{"cas": e.version},
				"data":    data,
			},
		})
		if err != nil {
			return err
		}
		switch {
		case resp.OK():
			return nil
		case resp.Status == http.StatusBadRequest && strings.Contains(errorsMessage(resp.Body), casMismatch):
			continue
		}
		return s.refusal(c, op, resp, "write "+s.dataPath())
	}
	return c.Errorf(op, sink.Failed, "%s kept changing: %d writes in a row lost the check-and-set race to another writer", s.dataPath(), casAttempts)
}

// Verify reads the entry back and compares the field with v's secret by
// hash. It never says what the field holds instead.
func (s *Sink) Verify(ctx context.Context, v sink.Value) error {
	const op = "verify"
	c, err := s.connect(op)
	if err != nil {
		return err
	}
	c.AddSecret(v.Secret)
	e, err := s.read(ctx, c, op)
	if err != nil {
		return err
	}
	switch {
	case !e.live:
		return c.Errorf(op, sink.Failed, "%s does not exist (or its latest version is deleted): it does not hold the new token", s.dataPath())
	case !e.holds(s.field, v.Secret):
		return c.Errorf(op, sink.Failed, "field %q of %s does not hold the new token", s.field, s.dataPath())
	}
	return nil
}
