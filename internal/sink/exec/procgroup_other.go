//go:build !unix

package exec

import "os/exec"

// ownProcessGroup: without Unix process groups, the context's end kills
// the command itself (exec.CommandContext's default).
func ownProcessGroup(*exec.Cmd) {}
