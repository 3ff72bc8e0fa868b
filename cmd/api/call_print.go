package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
	"github.com/axero-cli/axero/output"
)

// callPrinter prints answers to `axero call`.
type callPrinter struct {
	IO      *iostreams.IOStreams
	Include bool
	Raw     bool
	JQ      string
	// Mask hides a secret from a CI log; nil does nothing.
	Mask func(secret string)
}

// single prints one answer and turns an error status into the exit code
// the contract gives it.
func (p *callPrinter) single(req client.RawRequest, resp *client.RawResponse) error {
	p.maskTokens(resp)
	if p.Include {
		p.head(resp)
	}
	if err := checkResponse(req, resp); err != nil {
		p.errorBody(resp)
		return err
	}
	return p.payload(resp.Body)
}

// maskTokens masks every Token of a successful answer before anything of
// it is printed: `call POST bearertokens` reveals a new token as `token
// create` does, and under GitHub Actions it must be masked first as well.
func (p *callPrinter) maskTokens(resp *client.RawResponse) {
	if p.Mask == nil || resp.Status < 200 || resp.Status > 299 {
		return
	}
	for _, secret := range tokensIn(resp.Body) {
		p.Mask(secret)
	}
}

// head writes the status line and the response headers, sorted by name,
// then a blank line, as curl -i does.
func (p *callPrinter) head(resp *client.RawResponse) {
	var b strings.Builder
	proto := resp.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	fmt.Fprintf(&b, "%s %d %s\n", textsafe.Terminal(proto), resp.Status, http.StatusText(resp.Status))
	names := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range resp.Header[k] {
			// Headers are the server's text shown on a terminal, not the
			// data asked for: escaped like every other such text.
			fmt.Fprintf(&b, "%s: %s\n", output.Color(p.IO, "bold", textsafe.Terminal(k)), textsafe.Terminal(v))
		}
	}
	b.WriteString("\n")
	fmt.Fprint(p.IO.Out, b.String())
}

// payload prints a successful body: with --raw the whole body, envelope
// included, byte for byte when piped (indented on a terminal, like all
// JSON there, and escaped there when it is not JSON); otherwise the
// envelope's ResponseData (or the bare payload), indented on a terminal
// and compact when piped. --jq filters whichever of the two it is.
func (p *callPrinter) payload(body []byte) error {
	out := body
	if !p.Raw {
		out = unwrapEnvelope(body)
	}
	if len(bytes.TrimSpace(out)) == 0 {
		return nil
	}
	if p.JQ != "" {
		return output.PrintJSON(p.IO, out, p.JQ)
	}
	if p.Raw && !p.IO.IsStdoutTTY() {
		_, err := p.IO.Out.Write(out)
		return err
	}
	return output.PrintJSON(p.IO, out, "")
}

// errorBody prints the body of an error answer as it is (reformatted when
// JSON), so that the server's details are not lost; --jq is not applied
// to it because it describes the error, not the data asked for.
func (p *callPrinter) errorBody(resp *client.RawResponse) {
	if len(bytes.TrimSpace(resp.Body)) == 0 || isHTMLBody(resp) {
		return
	}
	_ = output.PrintJSON(p.IO, resp.Body, "")
}

// unwrapEnvelope returns ResponseData from an Axero envelope, nothing for
// an envelope that carries no data (a DELETE's answer), and the body itself
// when it is not an envelope.
func unwrapEnvelope(body []byte) []byte {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return body
	}
	var env map[string]json.RawMessage
	if json.Unmarshal(trimmed, &env) != nil {
		return body
	}
	if data, ok := env["ResponseData"]; ok {
		return data
	}
	if _, ok := env["IsError"]; ok {
		return nil
	}
	return body
}

// envelopeError reads IsError and ErrorMessage from a body, when it is an
// Axero error envelope.
func envelopeError(body []byte) (isError bool, message string) {
	var env struct {
		IsError      bool   `json:"IsError"`
		ErrorMessage string `json:"ErrorMessage"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &env) != nil {
		return false, ""
	}
	return env.IsError, env.ErrorMessage
}

func isJSONType(resp *client.RawResponse) bool {
	return strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "json")
}

func isHTMLBody(resp *client.RawResponse) bool {
	ct := strings.ToLower(resp.Header.Get("Content-Type"))
	if strings.Contains(ct, "text/html") {
		return true
	}
	head := bytes.ToLower(bytes.TrimSpace(resp.Body))
	if len(head) > 64 {
		head = head[:64]
	}
	return bytes.HasPrefix(head, []byte("<!doctype html")) || bytes.HasPrefix(head, []byte("<html"))
}

// checkResponse returns nil for a 2xx answer that is not an HTML page,
// truncated JSON or an error envelope, and otherwise an error whose exit code follows the
// status: 3 for 401 and 403, 4 for 404, 1 for anything else.
func checkResponse(req client.RawRequest, resp *client.RawResponse) error {
	ok := resp.Status >= 200 && resp.Status < 300
	if isHTMLBody(resp) {
		if ok {
			return &client.Error{Kind: client.KindHTML, Status: resp.Status, Method: req.Method, Path: req.Path}
		}
		return cmdutil.Exit(exitForStatus(resp.Status), fmt.Errorf("%s (an HTML page; is the site URL right?)", statusText(resp.Status)))
	}
	if ok && isJSONType(resp) && len(bytes.TrimSpace(resp.Body)) > 0 && !json.Valid(resp.Body) {
		return &client.Error{Kind: client.KindBadJSON, Status: resp.Status, Method: req.Method, Path: req.Path}
	}
	isErr, msg := envelopeError(resp.Body)
	if ok && !isErr {
		return nil
	}
	line := statusText(resp.Status)
	if msg = cleanMessage(msg); msg != "" {
		line += ": " + msg
	}
	code := exitForStatus(resp.Status)
	if code == cmdutil.ExitAuth {
		line += " (" + (&client.Error{Kind: authKind(resp.Status)}).Hint() + ")"
	}
	return cmdutil.Exit(code, fmt.Errorf("%s", line))
}

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return fmt.Sprintf("%d %s", status, t)
	}
	return fmt.Sprintf("HTTP %d", status)
}

func exitForStatus(status int) int {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return cmdutil.ExitAuth
	case http.StatusNotFound:
		return cmdutil.ExitNotFound
	}
	return cmdutil.ExitFailure
}

func authKind(status int) client.ErrorKind {
	if status == http.StatusForbidden {
		return client.KindForbidden
	}
	return client.KindUnauthorized
}

// cleanMessage makes a server's error message one printable line.
func cleanMessage(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	// A server that echoes a token in an error message cannot make us
	// print it on stderr.
	s = jwtinfo.Redact(s)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
