package client

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

// FuzzInterpret plays a hostile server: any status, Content-Type and body
// go through the envelope handling and then into every payload type the
// client decodes. Nothing may panic, every error must be one bounded line
// free of control characters, and the payload handed on is never larger
// than the body received.
func FuzzInterpret(f *testing.F) {
	seeds := []string{
		`{"IsError":false,"ResponseData":{"UserID":1,"UserName":"jdoe"}}`,
		`{"IsError":false,"ResponseData":[{"TokenID":5,"DateCreated":"/Date(1714558830000)/","ExpirationDate":"2026-05-01T10:20:30+0000"}],"TotalRecords":1}`,
		`{"IsError":true,"ErrorMessage":"bad\u001b]0;pwned\u0007\r\nname","ErrorCode":"ValidationError"}`,
		`{"isError":false,"responseData":null}`,
		`{"IsError":false,"ResponseData":[],"TotalRecords":1000000000}`,
		`{"TokenID":7,"Token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","DateCreated":"2026-05-01T10:20:30Z"}`,
		`{"IsError":false,"ResponseData":{"DateCreated":"/Date()/"}}`,
		`<html><body>login</body></html>`,
		`{"IsError":false,"ResponseData":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,
		"{\"IsError\":true,\"ErrorMessage\":\"\xff\xfe\x00\"}",
		`{"IsError":false,"ResponseData":{"UserID":1e400}}`,
		`{"IsError":false`,
		``,
	}
	for _, s := range seeds {
		f.Add(200, "application/json", []byte(s))
	}
	f.Add(503, "application/json; charset=utf-8", []byte(`{"IsError":true,"ErrorMessage":"busy"}`))
	f.Add(400, "text/html", []byte(`{"IsError":true}`))
	f.Add(204, "", []byte(nil))

	c, err := New(Config{BaseURL: "https://intranet.example.com", Token: "secret-token-value"})
	if err != nil {
		f.Fatal(err)
	}
	cl := call{method: http.MethodGet, path: "/api/bearertokens?x=1"}
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte) {
		resp := &resty.Response{RawResponse: &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {contentType}}}}
		resp.SetBody(body)
		for _, w := range []want{wantData, wantNullable, wantNothing} {
			p, err := c.interpret(cl, resp, w)
			if err != nil {
				checkAPIError(t, err)
				continue
			}
			if len(p.data) > len(body) {
				t.Fatalf("payload of %d bytes from a body of %d", len(p.data), len(body))
			}
			if len(p.data) == 0 {
				continue
			}
			outs := []any{new(User), new(Token), new(CreatedToken), new(Policy), new([]Token), new([]User)}
			for _, out := range outs {
				if err := decodeInto(cl, status, p, out); err != nil {
					checkAPIError(t, err)
				}
			}
		}
	})
}

func checkAPIError(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	checkOneLine(t, msg, 4*maxServerMessage+400)
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("control character %U in %q", r, msg)
		}
	}
	if bytes.Contains([]byte(msg), []byte("secret-token-value")) {
		t.Fatalf("the token reached an error message: %q", msg)
	}
}
