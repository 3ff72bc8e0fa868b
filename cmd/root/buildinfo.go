package root

import (
	"regexp"
	"runtime/debug"
	"time"
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

// readBuildInfo is debug.ReadBuildInfo; tests replace it.
var readBuildInfo = debug.ReadBuildInfo

// Version is the release version, else the module version from the build
// info (`go install module@v1.2.3`), else "dev".
func Version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := readBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Commit is the commit the binary was built from: the injected one, else the
// VCS stamp that `go build` records in a checkout, else the commit named by
// a pseudo-version (`go install module@master`), else "".
func Commit() string {
	if buildCommit != "" {
		return buildCommit
	}
	bi, ok := readBuildInfo()
	if !ok {
		return ""
	}
	if rev := buildSetting(bi, "vcs.revision"); rev != "" {
		if buildSetting(bi, "vcs.modified") == "true" {
			return rev + "-dirty"
		}
		return rev
	}
	if m := pseudoVersion.FindStringSubmatch(bi.Main.Version); m != nil {
		return m[2]
	}
	return ""
}

// Date is when the binary was built, or for a build without an injected
// date, when its commit was made (RFC 3339, UTC), or "".
func Date() string {
	if buildDate != "" {
		return buildDate
	}
	bi, ok := readBuildInfo()
	if !ok {
		return ""
	}
	if t := buildSetting(bi, "vcs.time"); t != "" {
		return t
	}
	if m := pseudoVersion.FindStringSubmatch(bi.Main.Version); m != nil {
		if t, err := time.Parse("20060102150405", m[1]); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// pseudoVersion matches the tail of a Go pseudo-version such as
// v0.0.0-20261126173605-0123456789ab (perhaps with +incompatible or
// +dirty): the commit time and a commit prefix.
var pseudoVersion = regexp.MustCompile(`[-.](\d{14})-([0-9a-f]{12})(\+[0-9A-Za-z.]+)?$`)

func buildSetting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
