package sandbox

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/emulator"
)

// caFileSuffix names the CA certificate written next to a --state file.
const caFileSuffix = ".ca.pem"

// sandboxTLS is what `sandbox --tls` asks for: HTTPS from a private CA
// generated for the run, valid for loopback and the extra --tls-host names.
type sandboxTLS struct {
	Enabled bool
	Hosts   []string
	CAOut   string
}

// validate refuses TLS settings that need --tls, and host names that
// could not go in a certificate.
func (t *sandboxTLS) validate() error {
	if !t.Enabled {
		if len(t.Hosts) > 0 || t.CAOut != "" {
			return cmdutil.FlagErrorf("--tls-host and --ca-out need --tls")
		}
		return nil
	}
	for _, h := range t.Hosts {
		if net.ParseIP(h) != nil {
			continue
		}
		if !validHostName(h) {
			return cmdutil.FlagErrorf("--tls-host: %q is not a host name", h)
		}
	}
	return nil
}

// validHostName accepts DNS names: labels of letters, digits and hyphens.
func validHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !isAlnum(r) && r != '-' {
				return false
			}
		}
	}
	return true
}

// options is the emulator's TLS configuration, or nil without --tls.
func (t *sandboxTLS) options() *emulator.TLSOptions {
	if !t.Enabled {
		return nil
	}
	return &emulator.TLSOptions{Hosts: t.Hosts}
}

// writeCA writes the sandbox's CA certificate where the user can point
// --ca-file at it: --ca-out, else next to the --state file, else a new
// temporary directory. It returns the absolute path and a cleanup that
// removes what only this run needed (the temporary directory).
func (t *sandboxTLS) writeCA(ca *emulator.CA, stateFile string) (string, func(), error) {
	cleanup := func() {}
	path := t.CAOut
	switch {
	case path != "":
	case stateFile != "":
		path = strings.TrimSuffix(stateFile, filepath.Ext(stateFile)) + caFileSuffix
	default:
		dir, err := os.MkdirTemp("", "axero-sandbox-")
		if err != nil {
			return "", cleanup, fmt.Errorf("writing the sandbox CA: %w", err)
		}
		cleanup = func() { _ = os.RemoveAll(dir) }
		path = filepath.Join(dir, "ca.pem")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("writing the sandbox CA: %w", err)
	}
	if err := ca.WriteFile(abs); err != nil {
		cleanup()
		return "", func() {}, fmt.Errorf("writing the sandbox CA to %s: %w", abs, err)
	}
	return abs, cleanup, nil
}

// printTLSBanner says where the CA is and how to trust it, as lines that
// can be pasted into a shell.
func printTLSBanner(w io.Writer, url, caPath string, hosts []string) {
	fmt.Fprintln(w, "# TLS: the certificate comes from a private CA generated for this run")
	names := append([]string{"127.0.0.1", "::1", "localhost"}, hosts...)
	fmt.Fprintf(w, "# (valid for %s). Its certificate, to trust with --ca-file or AXERO_CA_FILE:\n", strings.Join(names, ", "))
	fmt.Fprintf(w, "export AXERO_CA_FILE=%s\n", shellQuote(caPath))
	fmt.Fprintf(w, "# or per command: axero --ca-file %s --url %s token list\n", shellQuote(caPath), url)
	fmt.Fprintf(w, "# or recorded in a profile: echo \"$ADMIN_TOKEN\" | axero login --url %s --ca-file %s --with-token\n", url, shellQuote(caPath))
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !isAlnum(r) && !strings.ContainsRune("/._-+:", r)
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
