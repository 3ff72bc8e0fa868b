// Package delivery is everything between "a list of --to strings" and "the
// old token may be revoked": it parses sink strings (Parse, LoadSinksFile,
// and per-row templates for the bulk commands), checks every sink before
// anything is minted (Check), puts and verifies the new token in each
// (Deliver), promotes it where a sink stages values (Commit), and reports
// what each sink did (Report).
//
// One token (token create/rotate --to) and each row of a bulk run use it
// the same way:
//
//	sinks, err := delivery.Parse(specs, deps)      // or Template.Render(row) then Parse
//	if err := delivery.Check(ctx, sinks); err != nil { ... nothing minted ... }
//	// mint, then keep the secret safe (a pending file, the bulk --out)
//	rep := delivery.Deliver(ctx, sinks, value, rec, prev) // rec journals each step
//	if rep.AllVerified() {
//		rep = delivery.Commit(ctx, sinks, value, rec, rep)
//		// only now may the old token be revoked
//	}
//
// Deliver and Commit call the Recorder before and after every step, so
// that the caller's journal always says how far a sink got; a resumed run
// passes the Report rebuilt from that journal as prev, and Deliver skips
// the sinks it says are verified. Sinks run one after another, in the
// order given: a row's sinks are few, and a fixed order keeps the journal
// and the report easy to read.
//
// A sink never sees the secret outside Value, and nothing here logs it:
// a Report's details are single lines, escaped for a terminal, with every
// copy of the secret cut out.
package delivery

import (
	"fmt"
	"sort"
	"strings"

	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/sink/awssm"
	"github.com/axero-cli/axero/internal/sink/exec"
	"github.com/axero-cli/axero/internal/sink/file"
	"github.com/axero-cli/axero/internal/sink/github"
	"github.com/axero-cli/axero/internal/sink/gitlab"
	"github.com/axero-cli/axero/internal/sink/keychain"
	"github.com/axero-cli/axero/internal/sink/sinkhttp"
	"github.com/axero-cli/axero/internal/sink/vault"
)

// Deps is what parsing needs besides the strings: the environment the
// sinks read their endpoints and credentials from, the HTTP stack of the
// REST sinks, and, for keychain:PROFILE, where profiles live (nil
// Keychain refuses that scheme).
type Deps struct {
	Env      sink.Env
	Stack    *sinkhttp.Stack
	Keychain *keychain.Home
}

// parsers maps each scheme to its parser; one switch in one place.
func parserFor(scheme string, d Deps) (func(string) (sink.Sink, error), bool) {
	switch scheme {
	case github.Scheme:
		return func(s string) (sink.Sink, error) { return github.Parse(s, d.Env, d.Stack) }, true
	case gitlab.Scheme:
		return func(s string) (sink.Sink, error) { return gitlab.Parse(s, d.Env, d.Stack) }, true
	case vault.Scheme:
		return func(s string) (sink.Sink, error) { return vault.Parse(s, d.Env, d.Stack) }, true
	case awssm.Scheme:
		return func(s string) (sink.Sink, error) { return awssm.Parse(s, d.Env) }, true
	case file.Scheme:
		return func(s string) (sink.Sink, error) { return file.Parse(s, d.Env) }, true
	case exec.Scheme:
		return func(s string) (sink.Sink, error) { return exec.Parse(s, d.Env) }, true
	case keychain.Scheme:
		return func(s string) (sink.Sink, error) {
			if d.Keychain == nil {
				return nil, sink.Errorf(keychain.Scheme+":"+s, "parse", sink.Invalid, "keychain sinks are not available here")
			}
			return keychain.Parse(s, d.Env, *d.Keychain)
		}, true
	}
	return nil, false
}

// Schemes are the known sink schemes, in the order the help lists them.
var Schemes = []string{github.Scheme, gitlab.Scheme, vault.Scheme, awssm.Scheme, file.Scheme, keychain.Scheme, exec.Scheme}

// ParseOne parses one sink string, SCHEME:REST.
func ParseOne(spec string, d Deps) (sink.Sink, error) {
	spec = strings.TrimSpace(spec)
	scheme, rest, ok := strings.Cut(spec, ":")
	if !ok || scheme == "" {
		return nil, sink.Errorf(spec, "parse", sink.Invalid, "a sink is SCHEME:..., with SCHEME one of %s", strings.Join(Schemes, ", "))
	}
	parse, known := parserFor(strings.ToLower(scheme), d)
	if !known {
		return nil, sink.Errorf(spec, "parse", sink.Invalid, "unknown sink scheme %q (known: %s)", scheme, strings.Join(Schemes, ", "))
	}
	return parse(rest)
}

// Parse parses every sink string and refuses two that name the same
// sink: delivering twice to one place is always a mistake in the list.
func Parse(specs []string, d Deps) ([]sink.Sink, error) {
	sinks := make([]sink.Sink, 0, len(specs))
	seen := map[string]bool{}
	for _, spec := range specs {
		s, err := ParseOne(spec, d)
		if err != nil {
			return nil, err
		}
		if seen[s.String()] {
			return nil, sink.Errorf(s.String(), "parse", sink.Invalid, "this sink is given twice")
		}
		seen[s.String()] = true
		sinks = append(sinks, s)
	}
	return sinks, nil
}

// severity orders sink failures for the one error a command reports:
// a sink that cannot work as written first (exit 2), then a refused
// credential (exit 3), then anything else (exit 1).
func severity(k sink.Kind) int {
	switch k {
	case sink.Invalid:
		return 2
	case sink.Denied:
		return 1
	}
	return 0
}

// worst returns the most severe of errs, the first one among equals.
func worst(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	idx := make([]int, len(errs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		return severity(sink.KindOf(errs[idx[a]])) > severity(sink.KindOf(errs[idx[b]]))
	})
	return errs[idx[0]]
}

// CheckError is every failure Check met; it reads as the most severe one
// and classifies the exit code by it.
type CheckError struct {
	Errs []error
}

func (e *CheckError) Error() string {
	w := worst(e.Errs)
	if len(e.Errs) == 1 {
		return w.Error()
	}
	return fmt.Sprintf("%v (and %d more sink(s) failed their check)", w, len(e.Errs)-1)
}

// Unwrap is the most severe failure, so that errors.As finds its kind.
func (e *CheckError) Unwrap() error { return worst(e.Errs) }
