package auth_test

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// strangerJWT is shaped like a token but is nobody's: status must not
// print it either.
const strangerJWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzb21lb25lIn0.c2lnbmF0dXJlLXN0cmFuZ2Vy"

// echoingSite answers every request with a malformed status line that
// quotes line: net/http's error then carries the server's text, the way a
// broken proxy or server echoes what it was sent.
func echoingSite(t *testing.T, line string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer func() { _ = c.Close() }()
				r := bufio.NewReader(c)
				for {
					l, err := r.ReadString('\n')
					if err != nil || l == "\r\n" {
						break
					}
				}
				_, _ = c.Write([]byte(line + "\r\n\r\n"))
			}(conn)
		}
	}()
	return "http://" + ln.Addr().String()
}

func TestStatusScrubsTokensFromTransportErrors(t *testing.T) {
	t.Parallel()
	const opaque = "opaque-secret-token-0123456789"
	for name, tc := range map[string]struct{ token, echo string }{
		"a JWT-shaped string": {token: opaque, echo: "HTTP/1.1 " + strangerJWT},
		"the token in use":    {token: opaque, echo: "bogus " + opaque + " \x1b]0;pwned\a"},
	} {
		t.Run(name, func(t *testing.T) {
			e := cmdtest.NewToken(t, emulator.Options{})
			e.Vars["AXERO_URL"] = echoingSite(t, tc.echo)
			e.Vars["AXERO_TOKEN"] = tc.token
			for _, format := range []string{"table", "json", "csv"} {
				r := e.Run("status", "-o", format)
				if r.Code != 1 {
					t.Fatalf("-o %s: exit %d, want 1 (unreachable)\n%s\n%s", format, r.Code, r.Stdout, r.Stderr)
				}
				out := r.Stdout + r.Stderr
				if !strings.Contains(out, "malformed HTTP") {
					t.Fatalf("-o %s: the transport error is not shown: %q", format, out)
				}
				for _, secret := range []string{strangerJWT, opaque, "\x1b"} {
					if strings.Contains(out, secret) {
						t.Errorf("-o %s: status printed %q:\n%s\n%s", format, secret, r.Stdout, r.Stderr)
					}
				}
				if !strings.Contains(out, "[REDACTED]") {
					t.Errorf("-o %s: want [REDACTED] in place of the token: %q", format, out)
				}
			}
		})
	}
}

// The transport error of any command is scrubbed too: the client's error
// message redacts JWT-shaped strings itself.
func TestClientErrorsRedactJWTShapes(t *testing.T) {
	t.Parallel()
	site := echoingSite(t, "HTTP/1.1 "+strangerJWT)
	c, err := client.New(client.Config{BaseURL: site, Token: "x", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Me(t.Context())
	if err == nil || strings.Contains(err.Error(), strangerJWT) || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Fatalf("the error does not redact the JWT: %v", err)
	}
}

// status shows the server's name for the user; no format prints it raw.
func TestStatusFormatsCarryNoRawControl(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{})
	const name = "mallory\x1b]0;pwned\a\u009b2J\u202e"
	if err := e.Srv.AddUser(client.User{UserName: name, DisplayName: "M", Email: "m@example.com"}, false); err != nil {
		t.Fatal(err)
	}
	u, _ := e.Srv.UserByName(name)
	ct, err := e.Srv.MintToken(u.UserID, "ci", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.Vars["AXERO_TOKEN"] = ct.Secret
	for _, tty := range []bool{true, false} {
		e.TTY = tty
		for _, format := range []string{"table", "csv", "json", "yaml"} {
			r := e.MustRun("status", "-o", format)
			if !strings.Contains(r.Stdout, "mallory") {
				t.Errorf("-o %s: the user is not shown: %q", format, r.Stdout)
			}
			if strings.ContainsFunc(r.Stdout+r.Stderr, func(r rune) bool {
				return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) || r == 0x202e
			}) {
				t.Errorf("-o %s, tty=%v: a raw control character: %q", format, tty, r.Stdout)
			}
		}
	}
}
