package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// CertProblem is what failed when a server's certificate was checked.
type CertProblem int

const (
	CertOther            CertProblem = iota // any other verification failure
	CertUnknownAuthority                    // signed by a CA this machine does not trust
	CertExpired                             // past its NotAfter
	CertNotYetValid                         // before its NotBefore
	CertWrongHost                           // not issued for the host name in the site URL
)

// String names the problem in a few words, for doctor's JSON output.
func (p CertProblem) String() string {
	switch p {
	case CertUnknownAuthority:
		return "unknown authority"
	case CertExpired:
		return "expired"
	case CertNotYetValid:
		return "not yet valid"
	case CertWrongHost:
		return "wrong host name"
	}
	return "verification failed"
}

// CertError is a server certificate that did not verify. Its message is one
// line that names the host, says what failed and what to do; none of the
// crypto/tls and x509 wording is repeated. Everything taken from the
// certificate is sanitised: the server chose it.
type CertError struct {
	Host    string
	Problem CertProblem
	Issuer  string    // the issuer of the certificate that failed, when known
	Names   []string  // the names the certificate is valid for (CertWrongHost)
	When    time.Time // NotAfter (CertExpired) or NotBefore (CertNotYetValid)
	Err     error     // the x509 or tls error
}

func (e *CertError) Error() string { return e.Summary() + "; " + e.Hint() }

// Summary says what failed, without the hint.
func (e *CertError) Summary() string {
	subject := "the TLS certificate of " + e.Host
	switch e.Problem {
	case CertUnknownAuthority:
		if e.Issuer != "" {
			return fmt.Sprintf("%s is signed by an unknown authority (%q)", subject, e.Issuer)
		}
		return subject + " is signed by an unknown authority"
	case CertExpired:
		return fmt.Sprintf("%s expired on %s", subject, e.When.UTC().Format(time.RFC3339))
	case CertNotYetValid:
		return fmt.Sprintf("%s is not valid before %s", subject, e.When.UTC().Format(time.RFC3339))
	case CertWrongHost:
		if len(e.Names) > 0 {
			return fmt.Sprintf("%s is issued for %s, not for that name", subject, strings.Join(e.Names, ", "))
		}
		return subject + " is not issued for that name"
	}
	return subject + " could not be verified"
}

// Hint is the next step for the user.
func (e *CertError) Hint() string {
	switch e.Problem {
	case CertExpired, CertNotYetValid:
		return "check this machine's clock; if it is right, the site's administrators must renew the certificate, which no --ca-file can fix"
	case CertWrongHost:
		return "use the host name the certificate was issued for in the site URL"
	}
	return "if your organisation uses its own certificate authority, pass its PEM bundle with --ca-file or set AXERO_CA_FILE"
}

func (e *CertError) Unwrap() error { return e.Err }

// AsCertError classifies err as a certificate verification failure of
// host, or returns nil when err is something else (refused, reset, a
// timeout, a TLS protocol error).
func AsCertError(err error, host string) *CertError {
	if err == nil {
		return nil
	}
	var already *CertError
	if errors.As(err, &already) {
		return already
	}
	e := &CertError{Host: host, Err: err}
	var unverified []*x509.Certificate
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) {
		unverified = cve.UnverifiedCertificates
	}
	var (
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		rootsErr x509.SystemRootsError
	)
	switch {
	case errors.As(err, &unknown):
		e.Problem = CertUnknownAuthority
		if unknown.Cert != nil {
			e.Issuer = certIssuer(unknown.Cert)
		}
	case errors.As(err, &hostErr):
		e.Problem = CertWrongHost
		if hostErr.Certificate != nil {
			e.Names = certNames(hostErr.Certificate)
		}
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		e.Problem = CertExpired
		if c := invalid.Cert; c != nil {
			e.When = c.NotAfter
			if time.Now().Before(c.NotBefore) {
				e.Problem, e.When = CertNotYetValid, c.NotBefore
			}
		}
	case errors.As(err, &invalid), errors.As(err, &rootsErr), cve != nil:
		e.Problem = CertOther
	default:
		return nil
	}
	if e.Issuer == "" && len(unverified) > 0 {
		e.Issuer = certIssuer(unverified[0])
	}
	return e
}

// certIssuer names a certificate's issuer: its common name, else its
// organisation.
func certIssuer(c *x509.Certificate) string {
	name := c.Issuer.CommonName
	if name == "" && len(c.Issuer.Organization) > 0 {
		name = c.Issuer.Organization[0]
	}
	return printable(name)
}

// maxCertNames bounds how many of a certificate's names a message lists.
const maxCertNames = 5

// certNames lists the DNS names and IP addresses a certificate is valid for.
func certNames(c *x509.Certificate) []string {
	var names []string
	for _, n := range c.DNSNames {
		names = append(names, printable(n))
	}
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, printable(c.Subject.CommonName))
	}
	if len(names) > maxCertNames {
		names = append(names[:maxCertNames], fmt.Sprintf("and %d more", len(names)-maxCertNames))
	}
	return names
}

// maxNameRunes bounds one name taken from a certificate.
const maxNameRunes = 80

// printable keeps a name from a certificate safe for a terminal and one
// line: control and other non-printing characters become '?', and the name
// is cut short.
func printable(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxNameRunes {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
