// Package buildinfo says which axero a binary is: its version, the commit
// it was built from and when. A release build injects all three with
// -ldflags; a `go install` or a build from a checkout has them recorded by
// the Go toolchain instead, and Resolve reads them from there.
package buildinfo

import (
	"regexp"
	"runtime/debug"
	"time"
)

// Info is a binary's version, commit and build date (RFC 3339, UTC). Empty
// fields are unknown.
type Info struct {
	Version string
	Commit  string
	Date    string
}

// Resolve fills in what injected lacks from read (debug.ReadBuildInfo in
// the binary, a fixture in tests):
//
//   - Version: the module version (`go install module@v1.2.3`), else "dev".
//   - Commit: the VCS stamp that `go build` records in a checkout (with
//     "-dirty" for uncommitted changes), else the commit named by a
//     pseudo-version (`go install module@master`).
//   - Date: the commit time of that stamp or pseudo-version.
func Resolve(injected Info, read func() (*debug.BuildInfo, bool)) Info {
	info := injected
	bi, ok := read()
	if !ok {
		bi = &debug.BuildInfo{}
	}
	if info.Version == "" {
		info.Version = "dev"
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Version = v
		}
	}
	pseudo := pseudoVersion.FindStringSubmatch(bi.Main.Version)
	if info.Commit == "" {
		switch rev := setting(bi, "vcs.revision"); {
		case rev != "" && setting(bi, "vcs.modified") == "true":
			info.Commit = rev + "-dirty"
		case rev != "":
			info.Commit = rev
		case pseudo != nil:
			info.Commit = pseudo[2]
		}
	}
	if info.Date == "" {
		if t := setting(bi, "vcs.time"); t != "" {
			info.Date = t
		} else if pseudo != nil {
			if t, err := time.Parse("20060102150405", pseudo[1]); err == nil {
				info.Date = t.UTC().Format(time.RFC3339)
			}
		}
	}
	return info
}

// pseudoVersion matches the tail of a Go pseudo-version such as
// v0.0.0-20261126173605-0123456789ab (perhaps with +incompatible or
// +dirty): the commit time and a commit prefix.
var pseudoVersion = regexp.MustCompile(`[-.](\d{14})-([0-9a-f]{12})(\+[0-9A-Za-z.]+)?$`)

func setting(bi *debug.BuildInfo, key string) string {
	for _, s := range bi.Settings {
		if s.Key == key {
			return s.Value
		}
	}
	return ""
}
