package vault

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// errorsMessage reads Vault's error body, {"errors": ["...", ...]}.
func errorsMessage(body []byte) string {
	var e struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	return strings.Join(e.Errors, "; ")
}

// entry is the current version of a KV entry.
type entry struct {
	// version is the latest version number, deleted or not: what a
	// check-and-set write must name. 0 when the entry never existed.
	version int
	// data holds the fields of a live latest version, each as raw JSON so
	// that values of other types come back exactly as they were.
	data map[string]json.RawMessage
	// live reports a latest version that is not deleted.
	live bool
}

// read fetches the entry. A 404 is no error: the entry does not exist, or
// its latest version is deleted, in which case Vault still sends that
// version's metadata.
func (s *Sink) read(ctx context.Context, c *sinkhttp.Client, op string) (entry, error) {
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.apiPath()})
	if err != nil {
		return entry{}, err
	}
	var body struct {
		Data *struct {
			Data     map[string]json.RawMessage `json:"data"`
			Metadata struct {
				Version int `json:"version"`
			} `json:"metadata"`
		} `json:"data"`
	}
	switch {
	case resp.Status == http.StatusNotFound:
		// A missing entry answers {"errors":[]}, a deleted latest version
		// its metadata; a path that no mount serves names the route it
		// could not find.
		if errorsMessage(resp.Body) != "" {
			return entry{}, s.refusal(c, op, resp, "read "+s.dataPath())
		}
		if json.Unmarshal(resp.Body, &body) == nil && body.Data != nil {
			return entry{version: body.Data.Metadata.Version}, nil
		}
		return entry{}, nil
	case !resp.OK():
		return entry{}, s.refusal(c, op, resp, "read "+s.dataPath())
	}
	if err := c.JSON(op, resp, &body); err != nil {
		return entry{}, err
	}
	if body.Data == nil || body.Data.Metadata.Version <= 0 {
		return entry{}, c.Errorf(op, sink.Failed, "Vault's answer for %s is not a KV version 2 entry; is %s a KV version 2 mount?", s.dataPath(), s.mount)
	}
	e := entry{version: body.Data.Metadata.Version, data: body.Data.Data, live: true}
	if e.data == nil {
		e.data = map[string]json.RawMessage{}
	}
	for _, v := range e.data {
		// Values other than this sink's are secrets too: keep them out
		// of any message.
		var str string
		if json.Unmarshal(v, &str) == nil {
			c.AddSecret(str)
		}
	}
	return e, nil
}

// holds reports whether the entry's field holds secret, comparing hashes
// in constant time so that neither the value nor its length leaks through
// timing or a message.
func (e entry) holds(field, secret string) bool {
	raw, ok := e.data[field]
	if !ok {
		return false
	}
	var got string
	if json.Unmarshal(raw, &got) != nil {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// refusal is the error for an answer that is not what the sink wanted.
func (s *Sink) refusal(c *sinkhttp.Client, op string, resp *sinkhttp.Response, what string) error {
	switch resp.Status {
	case http.StatusForbidden, http.StatusUnauthorized:
		return c.StatusErrorKind(op, sink.Denied, resp, "the token in VAULT_TOKEN may not "+what+" (check its policy, and VAULT_NAMESPACE)")
	case http.StatusNotFound:
		return c.StatusErrorKind(op, sink.Invalid, resp, "Vault has no KV version 2 mount at "+s.mount+"/")
	}
	return c.StatusError(op, resp, "cannot "+what)
}
