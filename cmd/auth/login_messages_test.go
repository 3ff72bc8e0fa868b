package auth_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
)

func answer(r *http.Request, status int, body io.Reader) *http.Response {
	return &http.Response{
		StatusCode: status, Status: http.StatusText(status),
		Header:  http.Header{"Content-Type": []string{"application/json"}},
		Body:    io.NopCloser(body),
		Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// A /users/me answer that is not a user is reported as malformed: the
// server was reached.
func TestLoginReportsAMalformedAnswerAsMalformed(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`{"IsError":false,"ResponseData":"not a user"}`, `{"IsError":false,"ResponseData":{"UserID":`, `[1,2,3]`} {
		e := cmdtest.NewAuth(t)
		e.Transport = cmdtest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
			return answer(r, http.StatusOK, strings.NewReader(body)), nil
		})
		e.Stdin = e.Srv.SeedToken("jdoe") + "\n"
		r := e.Run("login", "--with-token")
		named := strings.Contains(r.Stderr, "malformed") || strings.Contains(r.Stderr, "invalid JSON")
		if r.Code != 1 || strings.Contains(r.Stderr, "could not be reached") || !named {
			t.Errorf("body %s: exit %d, stderr %q; want exit 1 and a malformed answer", body, r.Code, r.Stderr)
		}
		if len(e.Config().ProfileNames()) != 0 {
			t.Errorf("body %s: a profile was saved", body)
		}
	}
}

// stallingBody sends the start of an answer and then nothing until the
// request's context ends.
type stallingBody struct {
	ctx  context.Context
	head *bytes.Reader
}

func (b *stallingBody) Read(p []byte) (int, error) {
	if b.head.Len() > 0 {
		return b.head.Read(p)
	}
	<-b.ctx.Done()
	return 0, b.ctx.Err()
}
func (b *stallingBody) Close() error { return nil }

// A body that stalls is a timeout, not invalid JSON.
func TestLoginReportsAStalledBodyAsATimeout(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Transport = cmdtest.RoundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp := answer(r, http.StatusOK, nil)
		resp.Body = &stallingBody{ctx: r.Context(), head: bytes.NewReader([]byte(`{"IsError":false,"ResponseData":{"UserID":3,`))}
		return resp, nil
	})
	e.Stdin = e.Srv.SeedToken("jdoe") + "\n"
	r := e.Run("login", "--with-token", "--timeout", "300ms")
	if r.Code != 1 || !strings.Contains(r.Stderr, "timed out") || strings.Contains(r.Stderr, "JSON") {
		t.Fatalf("exit %d, stderr %q; want a timeout", r.Code, r.Stderr)
	}
}
