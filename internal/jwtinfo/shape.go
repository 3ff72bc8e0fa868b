package jwtinfo

import "regexp"

// Shape matches anything shaped like a JWT: three base64url segments, the
// first starting with "eyJ", the encoding of `{"`. It is deliberately loose
// (empty payload or signature segments match too), since it exists to keep
// token values out of logs and messages, where a false match costs nothing.
var Shape = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)

// Redacted is what Redact puts in place of a token.
const Redacted = "[REDACTED]"

// Redact replaces every JWT-shaped string in s with Redacted.
func Redact(s string) string { return Shape.ReplaceAllString(s, Redacted) }
