package github

import (
	"context"
	"net/http"
	"time"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
)

// Verify proves the write the only way GitHub allows, since a secret's
// value can never be read back: the secret exists and was updated no
// earlier than the run started.
//
// The two times come from different clocks: Value.Started from this
// machine's, updated_at from GitHub's. The start is therefore moved onto
// GitHub's clock with the offset of the Date header of the answer that
// carries updated_at (sinkhttp.Client.ServerTime). Both the Date header
// and updated_at have a resolution of one second, and the offset errs
// early by the network latency, so the start is also truncated to the
// second and one more second is allowed: a write in the second before
// the run began could pass, a write from an earlier run cannot. Without a
// Date header the local clock is used as it is.
func (s *Sink) Verify(ctx context.Context, v sink.Value) error {
	const op = "verify"
	c, err := s.begin(op, v.Secret)
	if err != nil {
		return err
	}
	if v.Started.IsZero() {
		return c.Errorf(op, sink.Failed, "cannot prove the write of the %s: the run's start time is unknown", s.what())
	}
	resp, err := c.Do(ctx, op, sinkhttp.Request{Method: http.MethodGet, Path: s.secretPath()})
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNotFound {
		return c.Errorf(op, sink.Failed, "%s does not exist: the write did not reach it", s.what())
	}
	if !resp.OK() {
		return s.refusal(c, op, resp, "read the "+s.what())
	}
	var meta struct {
		UpdatedAt  time.Time `json:"updated_at"`
		Visibility string    `json:"visibility"`
	}
	if err := c.JSON(op, resp, &meta); err != nil {
		return err
	}
	if meta.UpdatedAt.IsZero() {
		return c.Errorf(op, sink.Failed, "GitHub's answer for the %s has no updated_at", s.what())
	}
	start, _ := c.ServerTime(v.Started)
	earliest := start.Truncate(time.Second).Add(-time.Second)
	if meta.UpdatedAt.Before(earliest) {
		return c.Errorf(op, sink.Failed, "%s was last updated at %s, before this run started (%s on GitHub's clock): it does not hold the new token",
			s.what(), meta.UpdatedAt.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339))
	}
	if s.repo == "" && s.visibility != "" && meta.Visibility != s.visibility {
		return c.Errorf(op, sink.Failed, "%s has visibility %q, not %q", s.what(), meta.Visibility, s.visibility)
	}
	return nil
}
