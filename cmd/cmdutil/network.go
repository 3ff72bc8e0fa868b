package cmdutil

import (
	"path/filepath"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/config"
)

// CAFileEnv names the environment variable that gives a CA bundle.
const CAFileEnv = "AXERO_CA_FILE"

// CAFile is the PEM bundle of extra certificate authorities for a site:
// --ca-file, else AXERO_CA_FILE, else the profile's ca_file (p may be
// nil). "" means the system roots alone.
func (f *Factory) CAFile(p *config.Profile) string {
	if v := strings.TrimSpace(f.CAFileFlag); v != "" {
		return v
	}
	if v := strings.TrimSpace(f.Getenv(CAFileEnv)); v != "" {
		return v
	}
	if p != nil {
		return strings.TrimSpace(p.CAFile)
	}
	return ""
}

// CAFileSource says where CAFile found the bundle: "--ca-file",
// "AXERO_CA_FILE", "profile", or "" when there is none.
func (f *Factory) CAFileSource(p *config.Profile) string {
	switch {
	case strings.TrimSpace(f.CAFileFlag) != "":
		return "--ca-file"
	case strings.TrimSpace(f.Getenv(CAFileEnv)) != "":
		return CAFileEnv
	case p != nil && strings.TrimSpace(p.CAFile) != "":
		return "profile"
	}
	return ""
}

// Network is how the clients of this factory reach a profile's site: its
// CA bundle added to the system roots, and the proxy variables read
// through Getenv, so that a factory with an environment of its own
// (tests, demo) decides for itself.
func (f *Factory) Network(p *config.Profile) client.Network {
	return client.Network{CAFile: f.CAFile(p), Getenv: f.Getenv}
}

// AbsCAFile is the bundle to record in a profile: CAFile made absolute,
// so that the profile works from any directory.
func (f *Factory) AbsCAFile(p *config.Profile) (string, error) {
	path := f.CAFile(p)
	if path == "" {
		return "", nil
	}
	return filepath.Abs(path)
}
