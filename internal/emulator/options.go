package emulator

import (
	"time"
)

// Options configure a Server. The zero value is a working server.
type Options struct {
	// Users is the number of generated users beyond the seeded ones:
	// UserID 1001.., UserName user0001.., Email user0001@example.com,
	// DisplayName "User 0001".
	Users int
	// Policy is the expiration policy. The zero value means DefaultPolicy.
	Policy Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SigningKey signs the JWTs (HS256); nil means 32 random bytes.
	SigningKey []byte
	// StateFile, when set, is loaded at start if present and saved
	// atomically (mode 0600) after every change. It holds hashes, never
	// token values.
	StateFile string
	// Faults are injected from the start; SetFaults changes them later.
	Faults Faults
	// Site is the capacity model from the start; SetSite changes it later.
	Site Site
	// Addr is the address Start listens on; empty means 127.0.0.1:0.
	Addr string
	// URL is the site URL written into tokens (iss) when the handler is
	// served by someone else; Start sets it from the listener.
	URL string
	// History, when set, gives a server that starts without a state file
	// to load a past for audits: tokens created and last used long ago,
	// never used, never expiring, expired, expiring soon and minted by
	// several administrators (admin, secadmin, opsadmin).
	History *History
	// RecordSecrets keeps every token value the server hands out in memory
	// (never in the state file), so that tests can prove none leaked.
	RecordSecrets bool
	// TLS, when set, makes Start serve HTTPS with a certificate from a
	// private CA (see Server.CA); the site URL is then https://.
	TLS *TLSOptions
}

// Faults are the failures a Server injects.
type Faults struct {
	Latency, Jitter time.Duration // added to every request
	// FailRate503 and FailRate500 are probabilities of failing a request
	// before acting on it.
	FailRate503, FailRate500 float64
	// RateLimit is a request rate per second (a token bucket whose burst is
	// about one second's worth); requests beyond it get 429 + Retry-After.
	// It is part of the site model as much as a fault: the control endpoint
	// changes it with the capacity (see Site).
	RateLimit float64
	// RetryAfter is sent with 429 and 503; default 1s, whole seconds on the
	// wire, at least 1. A negative value sends no Retry-After at all.
	RetryAfter time.Duration
	// MaxConcurrent requests may be in flight; more get 503 + Retry-After.
	MaxConcurrent int
	// HTMLMode answers every request with a 200 text/html login page, as a
	// single sign-on proxy in front of a wrong base URL would.
	HTMLMode bool
	// DropAfterMint is the probability that a create commits the token and
	// then closes the connection without answering.
	DropAfterMint float64
	// DropAfterMintNext makes the next N creates commit and then drop.
	DropAfterMintNext int

	// BareJSON answers successes with the bare payload, without the
	// {"IsError":false,"ResponseData":...} envelope.
	BareJSON bool
	// EmptyBody answers with the right status and no body at all.
	EmptyBody bool
	// TruncateNext makes the next N answers (after the emulator acted)
	// send half their body and then close the connection.
	TruncateNext int

	// ClockSkew shifts the Date header of every answer from the real time,
	// as a server whose clock is wrong would send it.
	ClockSkew time.Duration
}

// DefaultPolicy is the policy of a server whose Options.Policy is zero.
var DefaultPolicy = Policy{
	SecurityLevel:            "High",
	MaxExpirationMinutes:     525600,
	AllowNoExpiration:        false,
	DefaultExpirationMinutes: 43200,
}
