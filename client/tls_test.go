package client_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

// tlsEmulator serves the emulator over HTTPS from a private CA and writes
// the CA's certificate to a file.
func tlsEmulator(t *testing.T, opts emulator.TLSOptions) (*emulator.Server, string) {
	t.Helper()
	srv := emulator.NewTest(t, emulator.Options{TLS: &opts})
	if !strings.HasPrefix(srv.URL(), "https://") {
		t.Fatalf("URL = %q, want https", srv.URL())
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := srv.CA().WriteFile(caFile); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

func newClient(t *testing.T, cfg client.Config) *client.Client {
	t.Helper()
	c, err := client.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestPrivateCAWithoutBundleFailsNamingCAFile(t *testing.T) {
	srv, _ := tlsEmulator(t, emulator.TLSOptions{})
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe")})
	_, err := c.Me(t.Context())
	if client.KindOf(err) != client.KindCertificate {
		t.Fatalf("err = %v (kind %v), want a certificate error", err, client.KindOf(err))
	}
	var ce *client.CertError
	if !errors.As(err, &ce) || ce.Problem != client.CertUnknownAuthority {
		t.Fatalf("err = %#v, want an unknown-authority CertError", err)
	}
	msg := err.Error()
	for _, want := range []string{"127.0.0.1", "unknown authority", "Axero Sandbox CA", "--ca-file", "AXERO_CA_FILE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	for _, noise := range []string{"x509:", "tls:", "\n", "Get \""} {
		if strings.Contains(msg, noise) {
			t.Errorf("message %q holds Go error noise %q", msg, noise)
		}
	}
}

func TestPrivateCAFileSucceeds(t *testing.T) {
	srv, caFile := tlsEmulator(t, emulator.TLSOptions{})
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe"), Network: client.Network{CAFile: caFile}})
	me, err := c.Me(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if me.UserName != "jdoe" {
		t.Fatalf("me = %+v", me)
	}
}

func TestPrivateCAPEMSucceeds(t *testing.T) {
	srv, _ := tlsEmulator(t, emulator.TLSOptions{})
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe"), Network: client.Network{CAPEM: srv.CA().PEM()}})
	if _, err := c.Me(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestNonMatchingCAFails(t *testing.T) {
	srv, _ := tlsEmulator(t, emulator.TLSOptions{})
	other, err := emulator.NewCA("Unrelated CA")
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe"), Network: client.Network{CAPEM: other.PEM()}})
	_, err = c.Me(t.Context())
	var ce *client.CertError
	if !errors.As(err, &ce) || ce.Problem != client.CertUnknownAuthority {
		t.Fatalf("err = %v, want an unknown-authority CertError", err)
	}
}

func TestExpiredCertificateSaysExpired(t *testing.T) {
	srv, caFile := tlsEmulator(t, emulator.TLSOptions{Expired: true})
	c := newClient(t, client.Config{BaseURL: srv.URL(), Token: srv.SeedToken("jdoe"), Network: client.Network{CAFile: caFile}})
	_, err := c.Me(t.Context())
	var ce *client.CertError
	if !errors.As(err, &ce) || ce.Problem != client.CertExpired {
		t.Fatalf("err = %v, want an expired CertError", err)
	}
	if !strings.Contains(err.Error(), "expired on") || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("message %q", err)
	}
}

// handshakeCounter serves a certificate from ca for hosts and counts the
// TLS handshakes clients start.
func handshakeCounter(t *testing.T, ca *emulator.CA, hosts ...string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	cert, err := ca.Issue(emulator.Leaf{Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	var hellos atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"IsError":false,"ResponseData":{"UserID":1,"UserName":"jdoe"}}`))
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			hellos.Add(1)
			return nil, nil
		},
	}
	srv.Config.ErrorLog = discardLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &hellos
}

func TestWrongHostNamesTheCertificateNames(t *testing.T) {
	ca, err := emulator.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := handshakeCounter(t, ca, "intranet.example.com")
	c := newClient(t, client.Config{BaseURL: srv.URL, Token: "t", Network: client.Network{CAPEM: ca.PEM()}})
	_, err = c.Me(t.Context())
	var ce *client.CertError
	if !errors.As(err, &ce) || ce.Problem != client.CertWrongHost {
		t.Fatalf("err = %v, want a wrong-host CertError", err)
	}
	if !strings.Contains(err.Error(), "intranet.example.com") {
		t.Fatalf("message %q does not say which names the certificate has", err)
	}
}

func TestCertificateFailureIsNotRetried(t *testing.T) {
	ca, err := emulator.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	srv, hellos := handshakeCounter(t, ca, "127.0.0.1")
	c := newClient(t, client.Config{BaseURL: srv.URL, Token: "t", MaxRetries: 3})
	if _, err := c.Me(t.Context()); client.KindOf(err) != client.KindCertificate {
		t.Fatalf("err = %v", err)
	}
	if n := hellos.Load(); n != 1 {
		t.Fatalf("%d handshakes, want 1: a certificate error must not be retried", n)
	}
}

func TestCABundleErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil { //nolint:gosec // golden files are committed and readable by everyone
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for _, tc := range []struct {
		name string
		net  client.Network
		want string
	}{
		{"missing", client.Network{CAFile: missing}, "cannot read CA file " + missing},
		{"directory", client.Network{CAFile: dir}, "cannot read CA file " + dir + ": not a regular file"},
		{"no certificate", client.Network{CAFile: empty}, "CA file " + empty + " holds no PEM certificate"},
		{"pem bytes", client.Network{CAPEM: []byte("junk")}, "holds no PEM certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.New(client.Config{BaseURL: "https://intranet.example.com", Network: tc.net})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestCABundleAndCustomTransportConflict(t *testing.T) {
	_, err := client.New(client.Config{BaseURL: "https://intranet.example.com", Transport: http.DefaultTransport, Network: client.Network{CAPEM: []byte("x")}})
	if err == nil {
		t.Fatal("a CA bundle with a custom transport was silently ignored")
	}
}

// Every certificate failure points at --ca-file, after what to check first
// when no bundle can fix it.
func TestEveryCertificateHintNamesCAFile(t *testing.T) {
	for _, p := range []client.CertProblem{client.CertOther, client.CertUnknownAuthority, client.CertExpired, client.CertNotYetValid, client.CertWrongHost} {
		e := &client.CertError{Host: "intranet.example.com", Problem: p}
		if !strings.Contains(e.Hint(), "--ca-file") {
			t.Errorf("%v: hint %q does not name --ca-file", p, e.Hint())
		}
	}
	expired := (&client.CertError{Problem: client.CertExpired}).Hint()
	if strings.Index(expired, "clock") > strings.Index(expired, "--ca-file") {
		t.Errorf("expired: hint %q names --ca-file before the clock", expired)
	}
	wrong := (&client.CertError{Problem: client.CertWrongHost}).Hint()
	if strings.Index(wrong, "host name") > strings.Index(wrong, "--ca-file") {
		t.Errorf("wrong host: hint %q names --ca-file before the host name", wrong)
	}
}
