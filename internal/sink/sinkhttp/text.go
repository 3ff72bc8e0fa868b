package sinkhttp

import (
	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/textsafe"
)

// safeText shows control characters escaped: error messages quote the
// service, and a hostile service must not drive the terminal.
func safeText(s string) string { return textsafe.Terminal(s) }

// asCertError reuses the client's reading of a certificate failure, so
// that a sink says what failed in the same words as every other command.
func asCertError(err error, host string) *client.CertError { return client.AsCertError(err, host) }
