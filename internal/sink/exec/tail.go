package exec

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/textsafe"
)

// tailBuffer keeps the last limit bytes written to it and counts the rest.
type tailBuffer struct {
	mu      sync.Mutex
	limit   int
	buf     []byte
	dropped int64
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := len(p)
	if len(p) >= b.limit {
		b.dropped += int64(len(b.buf) + len(p) - b.limit)
		b.buf = append(b.buf[:0], p[len(p)-b.limit:]...)
		return n, nil
	}
	if over := len(b.buf) + len(p) - b.limit; over > 0 {
		b.dropped += int64(over)
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

func (b *tailBuffer) snapshot() (string, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf), b.dropped
}

// redacted replaces a copy of the token in a command's output.
const redacted = "[REDACTED]"

// minFragment is the shortest piece of the token, cut at the edge of the
// kept output, that is redacted too: shorter pieces tell nothing.
const minFragment = 4

// scrub is what the command wrote to b, fit for an error message: every
// copy of secret (as is, and base64-encoded as a Kubernetes manifest
// would hold it) and anything shaped like a token replaced, a piece of
// the token cut at either edge of the kept text replaced too, control
// characters escaped.
func scrub(b *tailBuffer, secret string) string {
	s, dropped := b.snapshot()
	if secret != "" {
		for _, form := range []string{
			secret,
			base64.StdEncoding.EncodeToString([]byte(secret)),
			base64.RawStdEncoding.EncodeToString([]byte(secret)),
			base64.URLEncoding.EncodeToString([]byte(secret)),
		} {
			s = strings.ReplaceAll(s, form, redacted)
		}
		s = redactEdges(s, secret, dropped > 0)
	}
	s = textsafe.Terminal(jwtinfo.Redact(s))
	if dropped > 0 {
		s = fmt.Sprintf("[%d bytes before this cut] %s", dropped, s)
	}
	return s
}

// redactEdges replaces the end of secret at the start of s when the start
// of s was cut off, and the start of secret at the end of s (a command
// that died while writing it).
func redactEdges(s, secret string, cut bool) string {
	if cut {
		for k := min(len(secret)-1, len(s)); k >= minFragment; k-- {
			if strings.HasPrefix(s, secret[len(secret)-k:]) {
				s = redacted + s[k:]
				break
			}
		}
	}
	for k := min(len(secret)-1, len(s)); k >= minFragment; k-- {
		if strings.HasSuffix(s, secret[:k]) {
			s = s[:len(s)-k] + redacted
			break
		}
	}
	return s
}
