//go:build !axero_crashpoints || !unix

package token

import "github.com/axero-cli/axero/cmd/cmdutil"

// crashHook is nil in every released binary: only a binary built with the
// axero_crashpoints tag (the end-to-end tests build one) can be told to
// kill itself between two steps of a rotation (crashpoint_on.go).
func crashHook(*cmdutil.Factory) func(string) { return nil }
