package doctor_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdtest"
	"github.com/axero-cli/axero/cmd/doctor"
	"github.com/axero-cli/axero/internal/emulator"
)

// proxiedTLS is the TLS sandbox addressed by a name only the proxy
// resolves, with HTTPS_PROXY pointing at a proxy of its own.
func proxiedTLS(t *testing.T) (*cmdtest.Env, *emulator.Proxy) {
	t.Helper()
	e, caFile := cmdtest.NewTLS(t)
	p, err := emulator.StartProxy()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	u, _ := url.Parse(e.Srv.URL())
	e.Vars["AXERO_URL"] = "https://" + emulator.TestHost + ":" + u.Port()
	e.Vars["AXERO_CA_FILE"] = caFile
	e.Vars["HTTPS_PROXY"] = p.URL()
	return e, p
}

func TestDoctorNamesAProxyThatWantsCredentials(t *testing.T) {
	t.Parallel()
	e, p := proxiedTLS(t)
	p.RequireCredentials("corp", "right")
	checks := doctorJSON(t, e, 1)
	want(t, checks, "connect", doctor.StatusOK)
	want(t, checks, "tls", doctor.StatusFail, "HTTPS_PROXY=http://USER:PASSWORD@host:port")
	detail := checks["tls"].Detail
	for _, s := range []string{"proxy " + p.URL(), "407 Proxy Authentication Required"} {
		if !strings.Contains(detail, s) {
			t.Errorf("tls: %q lacks %q", detail, s)
		}
	}
	if strings.Contains(detail, "handshake") || strings.Contains(checks["tls"].Hint, "does not speak TLS") {
		t.Errorf("tls blames the handshake: %+v", checks["tls"])
	}

	// A command says the same, in one line (after the warning that the
	// emulator's tokens name it by its loopback address).
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("jdoe")
	r := e.Run("token", "list")
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(r.Stderr), "\n") {
		if !strings.HasPrefix(l, "warning: AXERO_TOKEN was issued by") {
			errLines = append(errLines, l)
		}
	}
	if r.Code != 1 || len(errLines) != 1 || !strings.Contains(errLines[0], "the proxy "+p.URL()+" (from HTTPS_PROXY) answered 407 Proxy Authentication Required") {
		t.Errorf("token list: exit %d, stderr %q", r.Code, r.Stderr)
	}

	// With the right credentials, all is well.
	e.Vars["HTTPS_PROXY"] = strings.Replace(p.URL(), "http://", "http://corp:right@", 1)
	want(t, doctorJSON(t, e, 0), "tls", doctor.StatusOK)
}

func TestDoctorSaysAProxyVariableDoesNotParse(t *testing.T) {
	t.Parallel()
	e, _ := proxiedTLS(t)
	e.Vars["HTTPS_PROXY"] = "http://corp:s3cret%zz@proxy.example.com:3128"
	checks := doctorJSON(t, e, 1)
	want(t, checks, "proxy", doctor.StatusFail, "http://host:port")
	if d := checks["proxy"].Detail; !strings.Contains(d, "HTTPS_PROXY is set but is not a proxy URL that can be parsed") || strings.Contains(d, "s3cret") {
		t.Errorf("proxy: %q", d)
	}
	if h := checks["proxy"].Hint; strings.Contains(h, "NO_PROXY") {
		t.Errorf("the hint blames NO_PROXY: %q", h)
	}

	// A command refuses before any request, in one line.
	e.Vars["AXERO_TOKEN"] = e.Srv.SeedToken("jdoe")
	before := e.Srv.RequestCount("", "/")
	r := e.Run("token", "list")
	if r.Code != 1 || !strings.Contains(r.Stderr, "HTTPS_PROXY is set but is not a proxy URL that can be parsed") || strings.Contains(r.Stderr, "s3cret") {
		t.Errorf("token list: exit %d, stderr %q", r.Code, r.Stderr)
	}
	if e.Srv.RequestCount("", "/") != before {
		t.Error("a request went out despite the unusable proxy setting")
	}
}
