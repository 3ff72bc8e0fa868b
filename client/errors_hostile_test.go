package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// hasRawControl reports C0, C1, DEL or a replacement for an invalid byte.
func hasRawControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return true
		}
	}
	return false
}

func TestServerErrorTextCannotDriveTheTerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusBadRequest, fail("bad\x1b]0;pwned\a name\u009b2J\xff", "Valid\x1b[2Jation"))
	}))
	defer srv.Close()
	c := newTestClient(t, srv, nil)
	_, err := c.Me(context.Background())
	if err == nil {
		t.Fatal("want an error")
	}
	if hasRawControl(err.Error()) || strings.Contains(err.Error(), "\xff") {
		t.Errorf("raw control characters in %q", err)
	}
	if !strings.Contains(err.Error(), "pwned") {
		t.Errorf("the server's message is lost: %q", err)
	}
}

func TestErrorEscapesTextBuiltOutsideTheDecoder(t *testing.T) {
	// A transport or redirect error may quote the server (a Location
	// header); it reaches Error() without going through cleanServerText.
	for _, err := range []error{
		&Error{Kind: KindInsecure, Err: errors.New("redirect to \x1b[2Jhttp://evil")},
		&Error{Kind: KindServer, Status: 500, ServerMessage: "x\x1b[2J"},
		&OutcomeUnknownError{Method: "POST", Path: "/p", Err: errors.New("reset\x9b")},
	} {
		if hasRawControl(err.Error()) {
			t.Errorf("raw control characters in %q", err)
		}
	}
}
