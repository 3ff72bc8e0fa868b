package sandbox

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/internal/emulator"
)

// sandbox --tls serves HTTPS that the written CA, and only it, verifies,
// for loopback and the --tls-host names, and prints the lines to trust it.
func TestSandboxTLSWritesItsCAAndSaysHowToUseIt(t *testing.T) {
	t.Parallel()
	caOut := filepath.Join(t.TempDir(), "sandbox-ca.pem")
	var status int
	var names []string
	out, _, code := runSandbox(t, func(s *emulator.Server) {
		pem, err := os.ReadFile(caOut) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
		if err != nil {
			t.Error(err)
			return
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		resp, err := hc.Get(s.URL() + "/api/users/me")
		if err != nil {
			t.Error(err)
			return
		}
		_ = resp.Body.Close()
		status = resp.StatusCode
		names = resp.TLS.PeerCertificates[0].DNSNames
		if resp, err := http.Get(s.URL() + "/api/users/me"); err == nil {
			_ = resp.Body.Close()
			t.Error("the system roots trust the sandbox's certificate")
		}
	}, "--tls", "--tls-host", "axero.test", "--ca-out", caOut)
	if code != 0 || status != http.StatusUnauthorized {
		t.Fatalf("exit %d, status %d\n%s", code, status, out)
	}
	if !strings.Contains(strings.Join(names, ","), "axero.test") {
		t.Errorf("certificate names %v lack axero.test", names)
	}
	ex := exports(out)
	if ex["AXERO_CA_FILE"] != caOut || !strings.HasPrefix(ex["AXERO_URL"], "https://127.0.0.1:") {
		t.Errorf("exports %v\n%s", ex, out)
	}
	if !strings.Contains(out, "--ca-file "+caOut) {
		t.Errorf("no --ca-file line:\n%s", out)
	}
}

func TestSandboxTLSCANextToStateOrInATemporaryDirectory(t *testing.T) {
	t.Parallel()
	state := filepath.Join(t.TempDir(), "sandbox.json")
	out, _, code := runSandbox(t, func(*emulator.Server) {}, "--tls", "--state", state)
	want := strings.TrimSuffix(state, ".json") + ".ca.pem"
	if code != 0 || exports(out)["AXERO_CA_FILE"] != want {
		t.Fatalf("exit %d, want the CA at %s:\n%s", code, want, out)
	}
	if _, err := os.Stat(want); err != nil {
		t.Fatal(err)
	}

	var tmp string
	out, _, code = runSandbox(t, func(*emulator.Server) {}, "--tls")
	tmp = exports(out)["AXERO_CA_FILE"]
	if code != 0 || tmp == "" {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if _, err := os.Stat(tmp); err == nil {
		t.Errorf("the temporary CA %s outlived the sandbox", tmp)
	}
}

func TestSandboxTLSFlagsNeedTLS(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--tls-host", "axero.test"}, {"--ca-out", "x.pem"}, {"--tls", "--tls-host", "bad host"}} {
		if _, _, code := runSandbox(t, func(*emulator.Server) {}, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
