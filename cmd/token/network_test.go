package token_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
)

// A site whose certificate comes from a private CA works only once its CA
// is trusted, from the flag, the environment or the profile; the failure
// before that is one line that says what to do.
func TestPrivateCA(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)

	r := e.Expect(cmdutil.ExitFailure, "--ca-file", "token", "list")
	if lines := strings.Count(strings.TrimSpace(r.Stderr), "\n"); lines != 0 || !strings.Contains(r.Stderr, "unknown authority") {
		t.Fatalf("want one line naming the unknown authority, got:\n%s", r.Stderr)
	}

	if r := e.MustRun("--ca-file", caFile, "token", "list"); !strings.Contains(r.Stdout, "seed") {
		t.Fatalf("--ca-file: stdout %q", r.Stdout)
	}

	e.Vars["AXERO_CA_FILE"] = caFile
	if r := e.MustRun("token", "list"); !strings.Contains(r.Stdout, "seed") {
		t.Fatalf("AXERO_CA_FILE: stdout %q", r.Stdout)
	}

	// A CA that did not issue the certificate: refused. The flag wins
	// over AXERO_CA_FILE, which holds the right one.
	other, err := emulator.NewCA("Some Other CA")
	if err != nil {
		t.Fatal(err)
	}
	e.Expect(cmdutil.ExitFailure, "unknown authority", "--ca-file", e.WriteCA(other), "token", "list")

	// An unreadable bundle is named.
	e.Expect(cmdutil.ExitFailure, "cannot read CA file", "--ca-file", "no-such.pem", "token", "list")
}

// The proxy variables are honoured as Go defines them, read through the
// command's own environment.
func TestProxyIsUsedUnlessNoProxy(t *testing.T) {
	t.Parallel()
	e, caFile := cmdtest.NewTLS(t)
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	u, _ := url.Parse(e.Srv.URL())
	site := "https://" + emulator.TestHost + ":" + u.Port()
	e.Vars["AXERO_URL"] = site
	e.Vars["AXERO_CA_FILE"] = caFile
	e.Vars["HTTPS_PROXY"] = p.URL()

	r := e.MustRun("--debug", "token", "list")
	if !strings.Contains(r.Stdout, "seed") {
		t.Fatalf("stdout %q", r.Stdout)
	}
	reqs := p.Requests()
	if len(reqs) == 0 || reqs[0].Method != "CONNECT" || reqs[0].Target != emulator.TestHost+":"+u.Port() {
		t.Fatalf("proxy requests = %+v", reqs)
	}
	if !strings.Contains(r.Stderr, p.URL()) {
		t.Errorf("--debug does not name the proxy:\n%s", r.Stderr)
	}

	// NO_PROXY names the host: the request goes direct (and axero.test
	// resolves nowhere), the proxy sees nothing more.
	e.Vars["NO_PROXY"] = emulator.TestHost
	before := len(p.Requests())
	r = e.Run("token", "list")
	if r.Code == 0 {
		t.Fatalf("a direct request to %s succeeded", site)
	}
	if n := len(p.Requests()); n != before {
		t.Fatalf("the proxy got %d more requests despite NO_PROXY", n-before)
	}
}
