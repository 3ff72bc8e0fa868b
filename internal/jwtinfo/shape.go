package jwtinfo

import (
	"regexp"
	"strings"
)

// Shape matches anything shaped like a JWT: three base64url segments, the
// first starting with "eyJ", the encoding of `{"`. It is deliberately loose
// (empty payload or signature segments match too), since it exists to keep
// token values out of logs and messages, where a false match costs nothing.
var Shape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// Redacted is what Redact puts in place of a token.
const Redacted = "[REDACTED]"

// Redact replaces every JWT-shaped string in s with Redacted.
func Redact(s string) string { return Shape.ReplaceAllString(s, Redacted) }

// MinSecretLen is the shortest token value RedactSecrets looks for. A
// shorter value is no secret worth the name, and replacing every
// occurrence of a few common characters would mangle the text around it.
const MinSecretLen = 8

// RedactSecrets replaces every copy of each secret (a token value of any
// shape, not only a JWT) with Redacted, then every JWT-shaped string, as
// Redact does. Secrets shorter than MinSecretLen are left alone.
func RedactSecrets(s string, secrets ...string) string {
	for _, secret := range secrets {
		if len(secret) >= MinSecretLen {
			s = strings.ReplaceAll(s, secret, Redacted)
		}
	}
	return Redact(s)
}
