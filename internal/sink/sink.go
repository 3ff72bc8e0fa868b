// Package sink is the contract of a place that receives a new token
// (`--to SINK`): a GitHub Actions secret, a GitLab CI/CD variable, a Vault
// KV entry, an AWS Secrets Manager secret, a file, a keychain profile, a
// command. Each kind lives in a package of its own under internal/sink and
// keeps this contract; the rotation protocol that drives them (check every
// sink, mint, keep the secret safe, put and verify each sink, commit, and
// only then revoke the old token) lives above them.
//
// The rule every kind keeps: a sink never logs, prints or puts into argv
// the secret it delivers or the credentials it uses, and every step is
// idempotent, so that a resumed run may repeat any of them.
package sink

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axero-cli/axero/client"
)

// Value is what a sink receives: the new token and what describes it.
type Value struct {
	// Secret is the token itself. It never reaches a log, an error or argv.
	Secret string
	// TokenID, Name and Expires describe the token (Expires is zero for a
	// token that never expires). Sinks that stage versions derive their
	// idempotency key from TokenID, so that a resumed run repeats the same
	// version instead of making another.
	TokenID int64
	Name    string
	Expires time.Time
	// Started is when the run that minted the token began. A write-only
	// sink proves a write by an update time no earlier than this.
	Started time.Time
}

// Sink is one place a token is delivered to.
type Sink interface {
	// String names the sink as the user wrote it (after any template was
	// applied), never with a credential in it.
	String() string
	// Check runs before anything is minted and changes nothing: the
	// sink's credentials, that it can be reached, its write permission
	// where the service can tell, and whether a token (TokenAlphabet,
	// MinTokenLength) can be stored there at all.
	Check(ctx context.Context) error
	// Put writes v. Calling it again with the same v is harmless.
	Put(ctx context.Context, v Value) error
	// Verify proves that the sink holds v: a read-back compared by hash
	// where the service allows one, else a confirmation of the write.
	Verify(ctx context.Context, v Value) error
	// Commit makes v the current value where the sink stages values (AWS
	// Secrets Manager moves AWSCURRENT to it); elsewhere it does nothing.
	// It runs only once every sink has verified v, just before the old
	// token is revoked, and is idempotent too.
	Commit(ctx context.Context, v Value) error
}

// What a token looks like before it exists, for the checks that a sink
// makes before anything is minted (GitLab's masking rules): a JWT, three
// base64url segments joined by dots, hundreds of characters long.
const (
	TokenAlphabet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	MinTokenLength = 100
)

// Env is what every kind of sink reads its endpoint and credentials from:
// the environment only, never flags or argv.
type Env struct {
	// Getenv reads the process environment (tests pass their own).
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time
	// Network is how a sink that speaks HTTP reaches its service: the
	// proxy variables (read through Network.Getenv) and the extra
	// certificate authorities of --ca-file, as for the site itself.
	Network client.Network
}

// Get reads the environment variable name: "" when it is unset, or when
// there is no Getenv (a sink built without one reads an empty
// environment). Its method value is the getenv a sink keeps.
func (e Env) Get(name string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(name)
}

// Planner is a sink whose Check found something it will change besides
// writing the value (AWS Secrets Manager: a stuck AWSPENDING version left
// by an earlier run, to be replaced), or a fact the user should weigh
// before anything is minted. Plan returns one line per finding, never a
// secret; the caller prints them with the check (and --dry-run stops
// there). Sinks with nothing to say need not implement it.
type Planner interface {
	Plan() []string
}

// Kind classifies a sink failure for the exit code and the advice given.
type Kind int

const (
	// Failed is anything else: the service is down, answered 5xx, or
	// did not hold the value on read-back (exit 1).
	Failed Kind = iota
	// Invalid is a sink that cannot work as written: a malformed sink
	// string, an option that does not exist, a name the service refuses,
	// a token the sink cannot store (exit 2).
	Invalid
	// Denied is a missing or refused credential: 401, 403, no token in
	// the environment (exit 3).
	Denied
)

// Error is a sink failure. Its message names the sink and the step and
// never holds a secret.
type Error struct {
	Sink string // the sink's String()
	Op   string // "check", "put", "verify", "commit"
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Sink, e.Op, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Usage reports a sink that cannot work as written (exit 2).
func (e *Error) Usage() bool { return e.Kind == Invalid }

// Denied reports a missing or refused credential (exit 3).
func (e *Error) Denied() bool { return e.Kind == Denied }

// Errorf builds an *Error for sink s at step op.
func Errorf(s, op string, kind Kind, format string, args ...any) error {
	return &Error{Sink: s, Op: op, Kind: kind, Err: fmt.Errorf(format, args...)}
}

// ParseError is the error of sink s, whose string cannot work as
// written: err, at step "parse" (exit 2).
func ParseError(s string, err error) error {
	return Errorf(s, "parse", Invalid, "%v", err)
}

// KindOf is the Kind of err: that of the first *Error in its chain, else
// Failed.
func KindOf(err error) Kind {
	var se *Error
	if errors.As(err, &se) {
		return se.Kind
	}
	return Failed
}
