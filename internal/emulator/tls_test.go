package emulator_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axero-cli/axero/internal/emulator"
)

func TestTLSServesWithPrivateCA(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{TLS: &emulator.TLSOptions{Hosts: []string{"axero.test"}}})
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(srv.CA().PEM()) {
		t.Fatal("CA PEM does not parse")
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(srv.URL() + "/api/users/me")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	leaf := resp.TLS.PeerCertificates[0]
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || leaf.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
		t.Errorf("leaf key is %T, want ECDSA P-256", leaf.PublicKey)
	}
	for _, name := range []string{"localhost", "axero.test"} {
		if !slices.Contains(leaf.DNSNames, name) {
			t.Errorf("leaf DNS names %v lack %s", leaf.DNSNames, name)
		}
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Contains(ips, "127.0.0.1") || !slices.Contains(ips, "::1") {
		t.Errorf("leaf IPs %v", ips)
	}

	// The system roots alone do not trust it.
	if resp, err := http.Get(srv.URL() + "/api/users/me"); err == nil {
		_ = resp.Body.Close()
		t.Fatal("a private-CA certificate verified against the system roots")
	}
}

func TestTLSExpiredLeaf(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{TLS: &emulator.TLSOptions{Expired: true}})
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(srv.CA().PEM())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get(srv.URL() + "/api/users/me")
	if err == nil {
		_ = resp.Body.Close()
	}
	var invalid x509.CertificateInvalidError
	if !errors.As(err, &invalid) || invalid.Reason != x509.Expired {
		t.Fatalf("err = %v, want an expired certificate", err)
	}
}

func TestTLSWithGivenCA(t *testing.T) {
	ca, err := emulator.NewCA("Corp Root")
	if err != nil {
		t.Fatal(err)
	}
	srv := emulator.NewTest(t, emulator.Options{TLS: &emulator.TLSOptions{CA: ca}})
	if srv.CA() != ca || ca.Certificate().Subject.CommonName != "Corp Root" {
		t.Fatal("the given CA was not used")
	}
}

func TestCAWriteFileIsPublicAndReplacesSymlinks(t *testing.T) {
	ca, err := emulator.NewCA("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ca.pem")
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	if err := ca.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		t.Fatalf("mode = %v, want a regular 0644 file", st.Mode())
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" { //nolint:gosec // test reads a file it wrote itself in its temporary directory
		t.Fatal("WriteFile followed a symlink")
	}
	if b, _ := os.ReadFile(path); string(b) != string(ca.PEM()) { //nolint:gosec // test reads a file it wrote itself in its temporary directory
		t.Fatal("file does not hold the CA PEM")
	}
}

func TestClockSkewShiftsDateHeader(t *testing.T) {
	srv := emulator.NewTest(t, emulator.Options{Faults: emulator.Faults{ClockSkew: -time.Hour}})
	resp, err := http.Get(srv.URL() + "/api/users/me")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	date, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	if skew := time.Since(date); skew < 50*time.Minute || skew > 70*time.Minute {
		t.Fatalf("Date is %v behind, want about an hour", skew)
	}
}
