package cmd

import (
	"runtime/debug"
)

// Build information, injected by main from -ldflags.
var (
	buildVersion = ""
	buildCommit  = ""
	buildDate    = ""
)

// SetBuildInfo records what the release build injected.
func SetBuildInfo(version, commit, date string) {
	buildVersion, buildCommit, buildDate = version, commit, date
}

// Version is the release version, else the module version from the build
// info (`go install module@v1.2.3`), else "dev".
func Version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
