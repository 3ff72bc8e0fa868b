package emulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// TLSOptions make Start serve HTTPS with a certificate from a private CA,
// as an intranet Axero behind a corporate CA does.
type TLSOptions struct {
	// CA issues the server's certificate; nil means a fresh CA made for
	// this server.
	CA *CA
	// Hosts are names or addresses the certificate is valid for besides
	// 127.0.0.1, ::1 and localhost (e.g. "axero.test", for tests that
	// reach the server through a proxy, which Go never uses for loopback).
	Hosts []string
	// Expired issues a certificate whose validity ended yesterday.
	Expired bool
}

// CA is a private certificate authority kept in memory. Its certificate is
// public: write it anywhere a client can read it. Its key never leaves
// the process.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// caValidity is how long a generated CA is valid: long enough for a
// sandbox left running, short enough not to outlive its purpose.
const caValidity = 365 * 24 * time.Hour

// leafValidity is how long a server certificate is valid.
const leafValidity = 30 * 24 * time.Hour

// NewCA generates a certificate authority (ECDSA P-256) whose certificate
// carries name as its common name.
func NewCA(name string) (*CA, error) {
	if strings.TrimSpace(name) == "" {
		name = "Axero Sandbox CA"
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"axero sandbox"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Certificate is the CA's certificate.
func (ca *CA) Certificate() *x509.Certificate { return ca.cert }

// PEM is the CA's certificate in PEM form, what --ca-file expects.
func (ca *CA) PEM() []byte { return append([]byte(nil), ca.pem...) }

// WriteFile writes the CA certificate to path, mode 0644: it is public.
// An existing file is replaced atomically, and a symlink at path is
// replaced rather than followed.
func (ca *CA) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ca-*.pem")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(ca.pem); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Leaf describes a server certificate for Issue.
type Leaf struct {
	// Hosts are the DNS names and IP addresses it is valid for.
	Hosts []string
	// NotBefore and NotAfter bound its validity; zero values mean an hour
	// ago and 30 days from now.
	NotBefore, NotAfter time.Time
}

// Issue signs a server certificate (ECDSA P-256) for the hosts of l.
func (ca *CA) Issue(l Leaf) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	if l.NotBefore.IsZero() {
		l.NotBefore = now.Add(-time.Hour)
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = now.Add(leafValidity)
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "axero sandbox"},
		NotBefore:    l.NotBefore,
		NotAfter:     l.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range l.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("issuing the server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// defaultTLSHosts are the names every sandbox certificate is valid for.
var defaultTLSHosts = []string{"127.0.0.1", "::1", "localhost"}

// serverTLS builds the server side of TLSOptions: the CA (made when not
// given) and a tls.Config holding the issued certificate.
func serverTLS(o *TLSOptions) (*CA, *tls.Config, error) {
	ca := o.CA
	if ca == nil {
		var err error
		if ca, err = NewCA(""); err != nil {
			return nil, nil, err
		}
	}
	leaf := Leaf{Hosts: append(append([]string(nil), defaultTLSHosts...), o.Hosts...)}
	if o.Expired {
		now := time.Now()
		leaf.NotBefore, leaf.NotAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
	}
	cert, err := ca.Issue(leaf)
	if err != nil {
		return nil, nil, err
	}
	return ca, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		// crypto/rand does not fail on supported platforms.
		panic(err)
	}
	return n.Add(n, big.NewInt(1))
}
