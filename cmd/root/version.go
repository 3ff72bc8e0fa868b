package root

import (
	"context"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/buildinfo"
	"github.com/axero-cli/axero/output"
)

// VersionOptions are the inputs of `axero version`.
type VersionOptions struct {
	Factory *cmdutil.Factory
	Output  output.Options
}

// VersionInfo is what `axero version -o json` prints.
type VersionInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
}

// NewCmdVersion builds `axero version`; runF, when set, runs instead of the
// command once the flags are checked.
func NewCmdVersion(f *cmdutil.Factory, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Factory: f}
	c := &cobra.Command{
		Use:   "version",
		Short: "Show the version, commit and build details of axero",
		Long: `Show axero's version, the commit it was built from, the build date, the Go
version that built it and the platform it runs on.

A release build carries all of these. A binary from "go install" reports the
module version it was installed at; a build from a checkout reports the
commit it was built from. Nothing is sent over the network.`,
		Example: `  $ axero version
  $ axero version -o json
  # In CI, record which axero a job used:
  $ axero version -o json --jq .version`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if err := opts.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return versionRun(opts)
		},
	}
	output.AddFlags(c, &opts.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	return c
}

// versionInfo is what `axero version` reports: the build details main
// resolved, and the Go toolchain and platform of this binary.
func versionInfo(b buildinfo.Info) VersionInfo {
	return VersionInfo{
		Version:   b.Version,
		Commit:    b.Commit,
		Date:      b.Date,
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
	}
}

func versionRun(opts *VersionOptions) error {
	info := versionInfo(opts.Factory.Build)
	io := opts.Factory.IO
	if opts.Output.EffectiveFormat() != output.FormatTable {
		return output.Print(io, opts.Output, info, nil)
	}
	// The first line matches `axero --version`, so scripts that read it get
	// the same answer from either.
	fmt.Fprintf(io.Out, "axero %s\n", info.Version)
	fmt.Fprintf(io.Out, "commit:   %s\n", orUnknown(info.Commit))
	fmt.Fprintf(io.Out, "built:    %s\n", orUnknown(info.Date))
	fmt.Fprintf(io.Out, "go:       %s\n", info.GoVersion)
	fmt.Fprintf(io.Out, "platform: %s/%s\n", info.OS, info.Arch)
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
