package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/root"
	"github.com/axero-cli/axero/internal/emulator"
)

// hostileBody is not JSON and would retitle the window, clear the screen
// and overwrite its own line on a terminal.
const hostileBody = "<h1>\x1b]0;pwned\a\x1b[2J\u009b31mdown</h1>\nfake\rprompt\n"

// rawTerminalControl reports what a terminal must not receive raw: C0
// controls but tab and line feed (a carriage return only before a line
// feed), DEL, C1 and bidi controls.
func rawTerminalControl(s string) bool {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
	})
}

func TestCallEscapesABodyThatIsNotJSONOnATerminal(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Note", "\u009b2J")
		if r.URL.Path == "/api/broken" {
			w.WriteHeader(500)
		}
		_, _ = io.WriteString(w, hostileBody)
	})
	for _, args := range [][]string{
		{"call", "text"},
		{"call", "--raw", "text"},
		{"call", "-i", "text"},
		{"call", "-i", "--raw", "text"},
		{"call", "--paginate", "--raw", "text"},
		{"call", "broken"},
	} {
		r := runCall(t, site, true, "", args...)
		if rawTerminalControl(r.Out) || rawTerminalControl(r.Err) {
			t.Errorf("%v on a terminal printed a raw control character:\nstdout %q\nstderr %q", args, r.Out, r.Err)
		}
		if !strings.Contains(r.Out, `\x1b]0;pwned\x07\x1b[2J\u009b31mdown`) {
			t.Errorf("%v: the body is not shown escaped: %q", args, r.Out)
		}
	}
	// Piped, --raw gives the server's bytes exactly, as the README says.
	if r := runCall(t, site, false, "", "call", "--raw", "text"); r.Out != hostileBody {
		t.Errorf("piped --raw: got %q, want the body byte for byte", r.Out)
	}
}

func TestCallEscapesC1AndDELInJSON(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		jsonReply(w, 200, "{\"IsError\":false,\"ResponseData\":{\"Name\":\"a\x7fb\u009b2Jc\u202ed\"}}")
	})
	for _, tty := range []bool{true, false} {
		for _, args := range [][]string{{"call", "x"}, {"call", "--paginate", "x"}, {"call", "x", "--jq", ".Name"}, {"call", "x", "--jq", "."}} {
			r := runCall(t, site, tty, "", args...)
			if rawTerminalControl(r.Out) {
				t.Errorf("%v tty=%v: DEL, C1 or bidi reached stdout raw: %q", args, tty, r.Out)
			}
		}
	}
	r := runCall(t, site, false, "", "call", "x")
	var got struct{ Name string }
	if err := json.Unmarshal([]byte(r.Out), &got); err != nil || got.Name != "a\x7fb\u009b2Jc\u202ed" {
		t.Errorf("piped JSON lost the exact value: %q (%v)", r.Out, err)
	}
}

// The token in use is not a JWT here (testToken), so only knowing it can
// keep it out of what call prints; runCall fails the test if it appears.
func TestCallScrubsTheTokenInUseFromEverythingItPrints(t *testing.T) {
	t.Parallel()
	site, _ := callServer(t, func(w http.ResponseWriter, r *http.Request) {
		echo := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		w.Header().Set("X-Echo", echo)
		switch r.URL.Path {
		case "/api/denied":
			jsonReply(w, 400, `{"IsError":true,"ErrorMessage":"bad token `+echo+`","Echo":"`+echo+`"}`)
		case "/api/text":
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "upstream rejected "+echo+"\n") //nolint:gosec // a test server echoing the token on purpose
		default:
			jsonReply(w, 200, `{"IsError":false,"ResponseData":{"You":"`+echo+`"}}`)
		}
	})
	for _, tty := range []bool{true, false} {
		for _, args := range [][]string{
			{"call", "denied"},
			{"call", "-i", "denied"},
			{"call", "text"},
			{"call", "--raw", "text"},
			{"call", "me"},
			{"call", "-i", "--raw", "me"},
			{"call", "me", "--jq", ".You"},
			{"call", "--paginate", "me"},
			{"call", "--paginate", "--raw", "me"},
		} {
			r := runCall(t, site, tty, "", args...) // fails on testToken in stdout or stderr
			if !strings.Contains(r.Out+r.Err, "[REDACTED]") {
				t.Errorf("%v tty=%v: want [REDACTED] where the token was:\n%s\n%s", args, tty, r.Out, r.Err)
			}
		}
	}
}

// ordered records stdout and stderr in the order they were written.
type ordered struct {
	mu  sync.Mutex
	all strings.Builder
	out strings.Builder
}

type orderedStream struct {
	o      *ordered
	stdout bool
}

func (s orderedStream) Write(p []byte) (int, error) {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	s.o.all.Write(p)
	if s.stdout {
		s.o.out.Write(p)
	}
	return len(p), nil
}

func runOrdered(t *testing.T, e *cmdtest.Env, args ...string) (all, stdout string, code int) {
	t.Helper()
	f, _, _ := e.Factory()
	o := &ordered{}
	f.IO.Out, f.IO.ErrOut = orderedStream{o, true}, orderedStream{o, false}
	code = root.Execute(context.Background(), f, args)
	return o.all.String(), o.out.String(), code
}

func TestCallMasksAMintedTokenUnderGitHubActions(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewToken(t, emulator.Options{Users: 1})
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("admin")
	e.Vars["GITHUB_ACTIONS"] = "true"
	for _, args := range [][]string{
		{"call", "POST", "bearertokens", "-f", "Name=via-call", "-F", "ExpiresInMinutes=60"},
		{"call", "POST", "users/1001/bearertokens", "-f", "Name=for-user", "-F", "ExpiresInMinutes=60"},
		{"call", "--raw", "POST", "bearertokens", "-f", "Name=raw", "-F", "ExpiresInMinutes=60"},
		{"call", "POST", "bearertokens", "-f", "Name=jq", "-F", "ExpiresInMinutes=60", "--jq", ".Token"},
	} {
		before := len(e.Srv.Secrets())
		all, stdout, code := runOrdered(t, e, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, all)
		}
		secrets := e.Srv.Secrets()
		if len(secrets) != before+1 {
			t.Fatalf("%v minted %d tokens", args, len(secrets)-before)
		}
		minted := secrets[len(secrets)-1]
		mask := "::add-mask::" + minted + "\n"
		at, shown := strings.Index(all, mask), strings.Index(stdout, minted)
		if at < 0 || shown < 0 {
			t.Fatalf("%v: want the mask and the token; got:\n%s", args, all)
		}
		if first := strings.Index(all, minted); first != at+len("::add-mask::") {
			t.Errorf("%v: the token appeared before its mask:\n%s", args, all)
		}
	}
	// Outside GitHub Actions nothing is added.
	e.Vars["GITHUB_ACTIONS"] = ""
	if all, _, _ := runOrdered(t, e, "call", "POST", "bearertokens", "-f", "Name=plain", "-F", "ExpiresInMinutes=60"); strings.Contains(all, "::add-mask::") {
		t.Errorf("a mask outside GitHub Actions:\n%s", all)
	}
}
