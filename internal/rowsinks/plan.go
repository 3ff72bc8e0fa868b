// Package rowsinks delivers each token of a bulk run (create-for-user
// --from, rotate --from) to the sinks of its own row: the --to strings are
// templates over the row's user ({{.UserName}}, {{.UserID}}, {{.Email}}),
// rendered, parsed and checked per row, and driven through
// internal/delivery's protocol with every step written to the run's
// journal (internal/job), so that a run killed at any point is finished
// by --resume.
//
// Per row, the operations (internal/mint, internal/renew) do:
//
//	sinks, err := plan.UserSinks(id, u, date) // render and parse; a field that would change a sink's meaning is refused
//	err = plan.Check(ctx, sinks)              // before minting: a row that fails goes to the failed file, nothing minted
//	// mint, commit the record (secret included) to --out and fsync it: the safe place
//	ok, why := plan.FinishRecord(ctx, journal, user, rec, sinks, nil, now) // Finish: put and verify each sink, then commit each, journalled before and after every step
//	if ok { /* only now may an old token be revoked */ }
//
// A resume rebuilds each token's sink states from the journal (Ledger)
// and hands them to FinishRecord as prev: Finish skips the sinks that
// hold the token and puts again into the others (a put is idempotent, and
// a hidden GitLab variable must be put again before it can be verified).
//
// Nothing here holds a secret beyond a Value: the journal records sink
// strings, steps and one-line reasons with the secret cut out.
package rowsinks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/delivery"
	"github.com/axero-cli/axero/internal/sink"
)

// MaxSinks bounds the sinks of a bulk run: every row gets each of them,
// and the journal's header names them all.
const MaxSinks = 32

// maxTemplate bounds one sink template, as written.
const maxTemplate = 4096

// Plan is the sinks of a bulk run, as templates over each row's user.
// It is safe for concurrent use by the run's workers.
type Plan struct {
	texts     []string
	templates []*delivery.Template
	parse     func(spec string) (sink.Sink, error)
	needsUser bool
	// Crash is called at every point between two steps of a row with the
	// point's name ("row:minted", "row:put:1", "row:put:1:done", ...):
	// the end-to-end tests kill the process there. nil in production.
	Crash func(point string)

	mu    sync.Mutex
	taken map[string]int64 // each rendered sink → the UserID whose token goes there
}

// Parse is how a plan turns a rendered sink string into a sink:
// delivery.ParseOne with the command's dependencies.
type Parse func(spec string) (sink.Sink, error)

// New compiles the sink templates of a bulk run. It refuses a template
// that is not one, a sink that would be the same place for every row
// (every user's token would overwrite the one before; a command, exec:,
// may route by the token's name in its environment and is allowed), a
// keychain profile (a bulk run's tokens are not this machine's
// credentials), and a template given twice. Its errors are the caller's
// to fix.
func New(texts []string, parse Parse) (*Plan, error) {
	if len(texts) > MaxSinks {
		return nil, fmt.Errorf("at most %d sinks can be given to a bulk run, not %d", MaxSinks, len(texts))
	}
	p := &Plan{parse: parse, taken: map[string]int64{}}
	seen := map[string]bool{}
	for _, text := range texts {
		text = strings.TrimSpace(text)
		if err := p.add(text, seen); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// samples are two users that differ in every field: a template that
// renders the same for both names one place for every row; one that
// renders differently for two users with the same UserID needs the
// user's record.
var samples = [3]delivery.Row{
	{UserID: 1, UserName: "sample-a", Email: "a@example.com", DisplayName: "SampleA", Date: "2006-01-02"},
	{UserID: 2, UserName: "sample-b", Email: "b@example.com", DisplayName: "SampleB", Date: "2006-01-02"},
	{UserID: 1, UserName: "sample-c", Email: "c@example.com", DisplayName: "SampleC", Date: "2006-01-02"},
}

func (p *Plan) add(text string, seen map[string]bool) error {
	scheme, _, _ := strings.Cut(text, ":")
	scheme = strings.ToLower(strings.TrimSpace(scheme))
	switch {
	case len(text) > maxTemplate:
		return fmt.Errorf("--to %.40q...: a sink template is at most %d bytes", text, maxTemplate)
	case seen[text]:
		return fmt.Errorf("--to %s is given twice", text)
	case scheme == "keychain":
		return fmt.Errorf("--to %s: keychain sinks do not apply to a bulk run, whose tokens are other users'; use a file:, vault:, aws-sm: or exec: sink per user", text)
	}
	seen[text] = true
	t, err := delivery.ParseTemplate(text)
	if err != nil {
		return err
	}
	var out [len(samples)]string
	for i, r := range samples {
		if out[i], err = t.Render(r); err != nil {
			return fmt.Errorf("--to %s: %w", text, err)
		}
	}
	if out[0] == out[1] && scheme != "exec" {
		return fmt.Errorf("--to %s names the same place for every user, so each token would replace the one before: put {{.UserName}}, {{.UserID}} or {{.Email}} in it", text)
	}
	p.needsUser = p.needsUser || out[0] != out[2]
	p.texts = append(p.texts, text)
	p.templates = append(p.templates, t)
	return nil
}

// Specs are the templates as given, for the journal's header.
func (p *Plan) Specs() []string { return append([]string(nil), p.texts...) }

// NeedsUser reports whether a template uses more than .UserID (and
// .Date): a row given by UserID must then be looked up.
func (p *Plan) NeedsUser() bool { return p.needsUser }

// Columns are the headers of a dry run's plan for the sinks: "sink", or
// "sink 1", "sink 2"... for several.
func (p *Plan) Columns() []string {
	if len(p.texts) == 1 {
		return []string{"sink"}
	}
	cols := make([]string, len(p.texts))
	for i := range cols {
		cols[i] = fmt.Sprintf("sink %d", i+1)
	}
	return cols
}

// CrashAt calls the crash hook, if any.
func (p *Plan) CrashAt(point string) {
	if p != nil && p.Crash != nil {
		p.Crash(point)
	}
}

// Sinks renders and parses the sinks of one row's user. A sink that
// another user's token already goes to in this run is refused: two users
// whose fields render alike (an e-mail shared by two accounts) must not
// overwrite each other's token.
func (p *Plan) Sinks(r delivery.Row) ([]sink.Sink, error) {
	out := make([]sink.Sink, 0, len(p.templates))
	specs := make([]string, 0, len(p.templates))
	for _, t := range p.templates {
		spec, err := t.Render(r)
		if err != nil {
			return nil, err
		}
		s, err := p.parse(spec)
		if err != nil {
			return nil, err
		}
		for _, prev := range specs {
			if prev == s.String() {
				return nil, sink.Errorf(s.String(), "parse", sink.Invalid, "this sink is given twice for the user")
			}
		}
		specs = append(specs, s.String())
		out = append(out, s)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, spec := range specs {
		if other, ok := p.taken[spec]; ok && other != r.UserID {
			return nil, sink.Errorf(spec, "parse", sink.Invalid, "this sink is also where the token of UserID %d goes", other)
		}
	}
	for _, spec := range specs {
		p.taken[spec] = r.UserID
	}
	return out, nil
}

// UserSinks are Sinks for the token of userID on date: u is the user's
// record, or nil when it was not looked up (the templates need only the
// UserID).
func (p *Plan) UserSinks(userID int64, u *client.User, date string) ([]sink.Sink, error) {
	r := delivery.Row{UserID: userID, Date: date}
	if u != nil {
		r.UserName, r.Email, r.DisplayName = u.UserName, u.Email, u.DisplayName
	}
	return p.Sinks(r)
}

// PlanColumns are a dry run's plan cells for a row's sinks, one under
// each of Columns; none when p is nil (the run does not deliver).
func (p *Plan) PlanColumns(sinks []sink.Sink) []string {
	if p == nil {
		return nil
	}
	cols := make([]string, len(p.Columns()))
	for i, s := range sinks {
		if i < len(cols) {
			cols[i] = s.String()
		}
	}
	return cols
}

// Check runs every sink's check, changing nothing (delivery.Check).
func (p *Plan) Check(ctx context.Context, sinks []sink.Sink) error {
	return delivery.Check(ctx, sinks)
}

// CheckFirst is the check a run makes before its first row: the sinks of
// one user (the first row's), rendered and checked, so that a template
// that cannot work or a credential that is missing or refused stops the
// run before anything is minted. The sinks are not taken for the user.
func (p *Plan) CheckFirst(ctx context.Context, r delivery.Row) error {
	for _, t := range p.templates {
		spec, err := t.Render(r)
		if err != nil {
			return &FirstRowError{Err: err}
		}
		s, err := p.parse(spec)
		if err == nil {
			err = p.Check(ctx, []sink.Sink{s})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FirstRowError is a first row whose user cannot be put into the sinks
// (a field that would change a sink's meaning): that row fails, but it
// says nothing about the others, so the run goes on.
type FirstRowError struct{ Err error }

func (e *FirstRowError) Error() string { return e.Err.Error() }
func (e *FirstRowError) Unwrap() error { return e.Err }

// IsFirstRowOnly reports an error of CheckFirst that concerns only the
// row it was given.
func IsFirstRowOnly(err error) bool {
	var fe *FirstRowError
	return errors.As(err, &fe)
}
