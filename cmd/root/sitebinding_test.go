package root_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/internal/emulator"
)

// hostRecorder carries every request and notes, per host, the
// Authorization headers it carried.
type hostRecorder struct {
	mu    sync.Mutex
	auths map[string][]string
}

func (h *hostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	h.auths[r.URL.Host] = append(h.auths[r.URL.Host], r.Header.Get("Authorization"))
	h.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (h *hostRecorder) seen(host string) (requests, withAuth int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, a := range h.auths[host] {
		requests++
		if a != "" {
			withAuth++
		}
	}
	return requests, withAuth
}

// A token kept in the OS keychain for site A is never sent to site B,
// whichever command asks and however B is named.
func TestKeychainTokenNeverReachesAnotherSite(t *testing.T) {
	t.Parallel()
	e := cmdtest.NewAuth(t)
	e.Login("jdoe")
	b := emulator.NewTest(t, emulator.Options{})
	bHost := hostOf(t, b.URL())
	rec := &hostRecorder{auths: map[string][]string{}}
	e.Transport = rec
	for _, args := range [][]string{
		{"token", "list"},
		{"--debug", "call", "users/me"},
		{"token", "create", "--name", "x"},
		{"token", "rotate", "seed"},
		{"token", "audit"},
		{"exec", "--", "true"},
		{"status"},
		{"doctor"},
		{"logout", "--revoke"},
		{"__complete", "token", "revoke", ""},
		{"__complete", "token", "rename", ""},
	} {
		for _, way := range []string{"env", "flag"} {
			e.Vars["AXERO_URL"] = e.Srv.URL()
			argv := args
			if way == "env" {
				e.Vars["AXERO_URL"] = b.URL()
			} else {
				argv = append([]string{"--url", b.URL() + "/"}, args...)
			}
			r := e.Run(argv...)
			if _, n := rec.seen(bHost); n > 0 {
				t.Fatalf("axero %s (%s): site B received the stored token\nstderr: %s", strings.Join(argv, " "), way, r.Stderr)
			}
			if args[0] != "__complete" && args[0] != "doctor" && (r.Code != 3 || !strings.Contains(r.Stderr, b.URL())) {
				t.Errorf("axero %s (%s): exit %d\nstderr: %s", strings.Join(argv, " "), way, r.Code, r.Stderr)
			}
		}
	}
	// The profile is still there and still works on its own site.
	e.Vars["AXERO_URL"] = e.Srv.URL()
	e.MustRun("token", "list")
	if _, n := rec.seen(hostOf(t, e.Srv.URL())); n == 0 {
		t.Fatal("site A received no authenticated request")
	}
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}
