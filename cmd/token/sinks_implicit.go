package token

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/config"
	"github.com/axero-cli/axero/internal/credentials"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/safefile"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/output"
)

// The implicit sinks: what `token rotate` and `token create` did before
// --to existed, run through the same protocol so that a profile, an --out
// file and stdout are journalled, resumed and verified like any --to sink.
// Their strings (which the pending file records) use schemes of their own
// that --to does not accept:
//
//	profile:NAME     a profile that held the old token (keychain or file)
//	out:PATH         --out: the JSON record, as token create writes it
//	stdout?...       without --to: the token shown once, and --keychain and
//	                 --out stored, exactly as before (deliverToken)
//	show             with --to and --show: the token printed on stdout
const (
	schemeProfile = "profile"
	schemeOut     = "out"
	specStdout    = "stdout"
	specShow      = "show"
)

// implicitSink builds the sink an implicit string names; ok is false for
// any other string.
func (r *oneRun) implicitSink(spec string) (s sink.Sink, ok bool, err error) {
	switch {
	case strings.HasPrefix(spec, schemeProfile+":"):
		name := strings.TrimPrefix(spec, schemeProfile+":")
		if err := config.ValidateProfileName(name); err != nil {
			return nil, true, sink.ParseError(spec, err)
		}
		return &profileSink{r: r, name: name}, true, nil
	case strings.HasPrefix(spec, schemeOut+":"):
		return &outSink{r: r, path: strings.TrimPrefix(spec, schemeOut+":")}, true, nil
	case spec == specShow:
		return &showSink{r: r}, true, nil
	case spec == specStdout || strings.HasPrefix(spec, specStdout+"?"):
		d, err := decodeStdout(spec)
		if err != nil {
			return nil, true, sink.ParseError(spec, err)
		}
		return &stdoutSink{r: r, spec: spec, d: d}, true, nil
	}
	return nil, false, nil
}

// created is the new token as deliverToken and the records want it.
func (r *oneRun) created(v sink.Value) *client.CreatedToken {
	ct := &client.CreatedToken{Secret: v.Secret}
	ct.TokenID, ct.Name, ct.Status = v.TokenID, v.Name, "Active"
	if p := r.pending; p != nil && p.New != nil && p.New.ID == v.TokenID {
		ct.UserID = p.New.UserID
		ct.DateCreated = client.Time{Time: p.New.Created}
	}
	if !v.Expires.IsZero() {
		ct.ExpirationDate = &client.Time{Time: v.Expires.UTC()}
	}
	return ct
}

func sameSecret(a, b string) bool {
	x, y := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

// profileSink stores the token as the credential of a profile that held
// the old one, where that profile keeps it (keychain or file), under the
// profile's lock.
type profileSink struct {
	r    *oneRun
	name string
}

func (s *profileSink) String() string { return schemeProfile + ":" + s.name }

func (s *profileSink) Check(context.Context) error { return nil }

func (s *profileSink) Put(ctx context.Context, v sink.Value) error {
	release, err := s.r.store.LockProfile(ctx, s.r.site, s.name, s.r.f.IO.ErrOut, s.r.f.Now)
	if err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "%v", err)
	}
	defer release()
	cfg, err := s.r.f.Config()
	if err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "%v", err)
	}
	p, ok := cfg.Profile(s.name)
	if !ok {
		return sink.Errorf(s.String(), "put", sink.Failed, "profile %q no longer exists", s.name)
	}
	cp := *p
	if err := s.r.f.Credentials().Store(s.name, &cp, v.Secret); err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "profile %q: %s", s.name, jwtinfo.RedactSecrets(err.Error(), v.Secret))
	}
	h := credentials.Held{TokenID: v.TokenID, Name: v.Name, Expires: v.Expires}
	credentials.SetHeld(&cp, cp.TokenStore, h, v.Secret)
	cfg.SetProfile(s.name, &cp)
	if err := cfg.Save(); err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "saving the config: %v", err)
	}
	return nil
}

func (s *profileSink) Verify(_ context.Context, v sink.Value) error {
	cfg, err := s.r.f.Config()
	if err != nil {
		return sink.Errorf(s.String(), "verify", sink.Failed, "%v", err)
	}
	p, ok := cfg.Profile(s.name)
	if !ok || p.TokenID != v.TokenID {
		return sink.Errorf(s.String(), "verify", sink.Failed, "profile %q does not record token %d", s.name, v.TokenID)
	}
	cp := *p
	got, _, err := s.r.f.Credentials().Get(s.name, &cp)
	if err != nil || !sameSecret(got, v.Secret) {
		return sink.Errorf(s.String(), "verify", sink.Failed, "profile %q does not hold the new token", s.name)
	}
	// Only now, stored and read back by this run, may it be said.
	fmt.Fprintf(s.r.f.IO.ErrOut, "Profile %q now holds the new token %d.\n", s.name, v.TokenID)
	return nil
}

func (s *profileSink) Commit(context.Context, sink.Value) error { return nil }

// outSink is --out with --to: the token's JSON record in a new 0600
// file, as token create writes it. Writing it again for the same token
// (a resumed run) is harmless; a file that holds anything else is kept.
type outSink struct {
	r    *oneRun
	path string
}

func (s *outSink) String() string { return schemeOut + ":" + s.path }

func (s *outSink) Check(context.Context) error { return nil }

func (s *outSink) Put(_ context.Context, v sink.Value) error {
	if s.holds(v) {
		return nil
	}
	ct := s.r.created(v)
	if err := writeTokenRecord(s.path, ct, s.r.force); err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "%s", jwtinfo.RedactSecrets(err.Error(), v.Secret))
	}
	return nil
}

func (s *outSink) holds(v sink.Value) bool {
	data, fi, err := safefile.ReadFile(s.path, 1<<20)
	if err != nil || fi == nil || safefile.CheckPrivate(s.path, fi) != nil {
		return false
	}
	var rec client.CreatedToken
	return json.Unmarshal(data, &rec) == nil && rec.TokenID == v.TokenID && sameSecret(rec.Secret, v.Secret)
}

func (s *outSink) Verify(_ context.Context, v sink.Value) error {
	if !s.holds(v) {
		return sink.Errorf(s.String(), "verify", sink.Failed, "%s does not hold the record of token %d", s.path, v.TokenID)
	}
	return nil
}

func (s *outSink) Commit(context.Context, sink.Value) error { return nil }

// showSink is --show with --to: the token printed on stdout once more,
// because the user asked for it explicitly.
type showSink struct{ r *oneRun }

func (s *showSink) String() string              { return specShow }
func (s *showSink) Check(context.Context) error { return nil }
func (s *showSink) Put(_ context.Context, v sink.Value) error {
	cmdutil.MaskInCI(s.r.f, v.Secret)
	if _, err := fmt.Fprintln(s.r.f.IO.Out, v.Secret); err != nil {
		return sink.Errorf(s.String(), "put", sink.Failed, "%v", err)
	}
	return nil
}
func (s *showSink) Verify(context.Context, sink.Value) error { return nil }
func (s *showSink) Commit(context.Context, sink.Value) error { return nil }

// stdoutSink is the delivery of a create or rotate without --to: the
// token shown once, and stored with --keychain and --out, exactly as
// before (deliverToken). Its string records those flags so that a
// resumed run delivers the same way.
type stdoutSink struct {
	r    *oneRun
	spec string
	d    TokenDelivery
}

func (s *stdoutSink) String() string              { return s.spec }
func (s *stdoutSink) Check(context.Context) error { return nil }
func (s *stdoutSink) Put(_ context.Context, v sink.Value) error {
	if err := deliverToken(s.r.f, s.r.created(v), s.d); err != nil {
		return sink.Errorf("stdout", "put", sink.Failed, "%s", jwtinfo.RedactSecrets(cmdutil.Message(err), v.Secret))
	}
	return nil
}
func (s *stdoutSink) Verify(context.Context, sink.Value) error { return nil }
func (s *stdoutSink) Commit(context.Context, sink.Value) error { return nil }

// encodeStdout is the string of the stdout sink for d.
func encodeStdout(d TokenDelivery) string {
	q := url.Values{}
	if d.Keychain {
		q.Set("keychain", d.KeychainProfile)
		if d.KeychainProfile == "" {
			q.Set("keychain", "")
		}
	}
	if d.Out != "" {
		abs, err := filepath.Abs(d.Out)
		if err != nil {
			abs = d.Out
		}
		q.Set("out", abs)
	}
	if d.Force {
		q.Set("force", "1")
	}
	if d.replaceProfile {
		q.Set("replace", "1")
	}
	if d.UserName != "" {
		q.Set("user", d.UserName)
	}
	if f := d.Output.Format; f != "" {
		q.Set("output", f)
	}
	if d.Output.JQ != "" {
		q.Set("jq", d.Output.JQ)
	}
	if len(q) == 0 {
		return specStdout
	}
	return specStdout + "?" + q.Encode()
}

func decodeStdout(spec string) (TokenDelivery, error) {
	var d TokenDelivery
	_, raw, _ := strings.Cut(spec, "?")
	q, err := url.ParseQuery(raw)
	if err != nil {
		return d, err
	}
	if q.Has("keychain") {
		d.Keychain, d.KeychainProfile = true, q.Get("keychain")
	}
	d.Out, d.Force, d.replaceProfile, d.UserName = q.Get("out"), q.Get("force") == "1", q.Get("replace") == "1", q.Get("user")
	d.Output = output.Options{Format: q.Get("output"), JQ: q.Get("jq")}
	return d, nil
}
