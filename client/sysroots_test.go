package client_test

import (
	"io"
	"log"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
)

func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }

// The system root pool is loaded once per process, so this test runs its
// checks in a child process whose SSL_CERT_FILE holds a CA that plays the
// system's role. The parent serves one site signed by that "system" CA and
// one signed by a private CA, and the child must reach both with the
// private CA given as a bundle: the bundle adds to the system roots.
const sysRootsChild = "AXERO_TEST_SYSROOTS_CHILD"

func TestCABundleKeepsSystemRoots(t *testing.T) {
	if os.Getenv(sysRootsChild) == "1" {
		sysRootsChildChecks(t)
		return
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		t.Skip("SSL_CERT_FILE does not set the system roots on " + runtime.GOOS)
	}
	systemSite, systemCA := tlsEmulator(t, emulator.TLSOptions{})
	privateSite, privateCA := tlsEmulator(t, emulator.TLSOptions{})

	cmd := exec.Command(os.Args[0], "-test.run=^TestCABundleKeepsSystemRoots$", "-test.count=1", "-test.v") //nolint:gosec // test runs the test binary or the go tool it was built with
	cmd.Env = append(os.Environ(),
		sysRootsChild+"=1",
		"SSL_CERT_FILE="+systemCA,
		"SSL_CERT_DIR="+t.TempDir(),
		"SYSTEM_SITE="+systemSite.URL(), "SYSTEM_TOKEN="+systemSite.SeedToken("jdoe"),
		"PRIVATE_SITE="+privateSite.URL(), "PRIVATE_TOKEN="+privateSite.SeedToken("jdoe"),
		"PRIVATE_CA="+privateCA,
	)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestCABundleKeepsSystemRoots") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func sysRootsChildChecks(t *testing.T) {
	bundle := client.Network{CAFile: os.Getenv("PRIVATE_CA")}
	reach := func(site, token string, n client.Network) error {
		c, err := client.New(client.Config{BaseURL: site, Token: token, Network: n})
		if err != nil {
			return err
		}
		_, err = c.Me(t.Context())
		return err
	}
	systemSite, systemToken := os.Getenv("SYSTEM_SITE"), os.Getenv("SYSTEM_TOKEN")
	privateSite, privateToken := os.Getenv("PRIVATE_SITE"), os.Getenv("PRIVATE_TOKEN")

	// The stand-in system roots are in force: without a bundle the
	// system-signed site works and the private one does not.
	if err := reach(systemSite, systemToken, client.Network{}); err != nil {
		t.Fatalf("system-signed site without a bundle: %v", err)
	}
	if err := reach(privateSite, privateToken, client.Network{}); client.KindOf(err) != client.KindCertificate {
		t.Fatalf("private site without a bundle: %v", err)
	}
	// With the bundle, both work.
	if err := reach(privateSite, privateToken, bundle); err != nil {
		t.Fatalf("private site with the bundle: %v", err)
	}
	if err := reach(systemSite, systemToken, bundle); err != nil {
		t.Fatalf("system-signed site with the bundle (system roots dropped?): %v", err)
	}
}
