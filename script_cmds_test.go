package main

// The commands that main_test.go adds to the testscript language, as
// documented there.

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// cmdExitCode runs a program and checks its exit status.
func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! exitcode")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %q is not a number", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		got = ee.ExitCode()
	default:
		ts.Fatalf("exitcode: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

func cmdEmulator(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: emulator fault|policy|mint|history|count|secret-valid|noleak|requests|sole ...")
	}
	if neg && args[0] != "secret-valid" {
		ts.Fatalf("unsupported: ! emulator %s", args[0])
	}
	srv := emulatorOf(ts)
	switch args[0] {
	case "fault":
		emulatorFault(ts, srv, args[1:])
	case "policy":
		emulatorPolicy(ts, srv, args[1:])
	case "mint":
		emulatorMint(ts, srv, args[1:])
	case "history":
		emulatorHistory(ts, srv, args[1:])
	case "count":
		emulatorCount(ts, srv, args[1:])
	case "secret-valid":
		emulatorSecretValid(ts, srv, neg, args[1:])
	case "noleak":
		emulatorNoLeak(ts, srv, args[1:])
	case "requests":
		emulatorRequests(ts, srv, args[1:])
	case "sole":
		emulatorSole(ts, srv, args[1:])
	default:
		ts.Fatalf("emulator: unknown subcommand %q", args[0])
	}
}

func emulatorFault(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) == 1 && args[0] == "reset" {
		srv.SetFaults(emulator.Faults{})
		return
	}
	if len(args) != 2 {
		ts.Fatalf("usage: emulator fault KNOB VALUE | emulator fault reset")
	}
	f := srv.Faults()
	knob, v := args[0], args[1]
	var err error
	switch knob {
	case "latency":
		f.Latency, err = time.ParseDuration(v)
	case "jitter":
		f.Jitter, err = time.ParseDuration(v)
	case "retryafter":
		f.RetryAfter, err = time.ParseDuration(v)
	case "fail503":
		f.FailRate503, err = parseProbability(v)
	case "fail500":
		f.FailRate500, err = parseProbability(v)
	case "drop":
		f.DropAfterMint, err = parseProbability(v)
	case "ratelimit":
		f.RateLimit, err = strconv.ParseFloat(v, 64)
	case "maxconcurrent":
		f.MaxConcurrent, err = strconv.Atoi(v)
	case "dropnext":
		f.DropAfterMintNext, err = strconv.Atoi(v)
	case "html":
		f.HTMLMode, err = parseOnOff(v)
	case "bare":
		f.BareJSON, err = parseOnOff(v)
	case "empty":
		f.EmptyBody, err = parseOnOff(v)
	case "truncatenext":
		f.TruncateNext, err = strconv.Atoi(v)
	default:
		ts.Fatalf("emulator fault: unknown knob %q", knob)
	}
	if err != nil {
		ts.Fatalf("emulator fault %s: %v", knob, err)
	}
	srv.SetFaults(f)
}

func emulatorPolicy(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emulator policy max|default|allownever VALUE")
	}
	p := srv.Policy()
	var err error
	switch args[0] {
	case "max":
		p.MaxExpirationMinutes, err = parseMinutes(args[1])
	case "default":
		p.DefaultExpirationMinutes, err = parseMinutes(args[1])
	case "allownever":
		p.AllowNoExpiration, err = parseOnOff(args[1])
	default:
		ts.Fatalf("emulator policy: unknown setting %q", args[0])
	}
	if err != nil {
		ts.Fatalf("emulator policy %s: %v", args[0], err)
	}
	srv.SetPolicy(p)
}

func emulatorMint(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: emulator mint USER NAME LIFETIME|never|expired [by ADMIN] [env VAR]")
	}
	user := lookupUser(ts, srv, args[0])
	name, life := args[1], args[2]
	var expires *time.Time
	switch life {
	case "never":
	case "expired":
		e := time.Now().Add(-time.Hour)
		expires = &e
	default:
		d, err := parseLifetime(life)
		if err != nil {
			ts.Fatalf("emulator mint: %v", err)
		}
		e := time.Now().Add(d)
		expires = &e
	}
	var actorID int64
	var envVar string
	for rest := args[3:]; len(rest) > 0; rest = rest[2:] {
		if len(rest) < 2 {
			ts.Fatalf("emulator mint: %q needs a value", rest[0])
		}
		switch rest[0] {
		case "by":
			actorID = lookupUser(ts, srv, rest[1]).UserID
		case "env":
			envVar = rest[1]
		default:
			ts.Fatalf("emulator mint: unexpected %q (want by ADMIN or env VAR)", rest[0])
		}
	}
	ct, err := srv.MintToken(user.UserID, name, expires, actorID)
	if err != nil {
		ts.Fatalf("emulator mint: %v", err)
	}
	if envVar != "" {
		ts.Setenv(envVar, ct.Secret)
	}
	fmt.Fprintln(ts.Stdout(), ct.TokenID)
}

func emulatorHistory(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	usage := "usage: emulator history USER NAME CREATED-AGO LAST-USED-AGO|never EXPIRES-IN|-EXPIRED-AGO|never [by ADMIN]"
	if len(args) != 5 && len(args) != 7 {
		ts.Fatalf("%s", usage)
	}
	now := time.Now()
	ago := func(v string) time.Time {
		d, err := parseLifetime(v)
		if err != nil {
			ts.Fatalf("emulator history: %v", err)
		}
		return now.Add(-d)
	}
	h := emulator.HistoryToken{UserID: lookupUser(ts, srv, args[0]).UserID, Name: args[1], Created: ago(args[2])}
	if args[3] != "never" {
		t := ago(args[3])
		h.LastUsed = &t
	}
	switch e := args[4]; {
	case e == "never":
	case strings.HasPrefix(e, "-"):
		t := ago(e[1:])
		h.Expires = &t
	default:
		t := now.Add(now.Sub(ago(e)))
		h.Expires = &t
	}
	if len(args) == 7 {
		if args[5] != "by" {
			ts.Fatalf("%s", usage)
		}
		h.ImpersonatedBy = lookupUser(ts, srv, args[6]).UserID
	}
	ids, err := srv.SeedHistory([]emulator.HistoryToken{h})
	if err != nil {
		ts.Fatalf("emulator history: %v", err)
	}
	fmt.Fprintln(ts.Stdout(), ids[0])
}

func emulatorCount(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: emulator count USER NAME|* active|expired|live|revoked|all|undelivered|dropped N")
	}
	user := lookupUser(ts, srv, args[0])
	name, state := args[1], args[2]
	want, err := strconv.Atoi(args[3])
	if err != nil {
		ts.Fatalf("emulator count: %q is not a number", args[3])
	}
	var match func(t emulator.TokenState) bool
	switch state {
	case "active":
		match = func(t emulator.TokenState) bool { return !t.Revoked && t.Status == client.StatusActive }
	case "expired":
		match = func(t emulator.TokenState) bool { return !t.Revoked && t.Status == client.StatusExpired }
	case "live":
		match = func(t emulator.TokenState) bool { return !t.Revoked }
	case "revoked":
		match = func(t emulator.TokenState) bool { return t.Revoked }
	case "all":
		match = func(t emulator.TokenState) bool { return true }
	case "undelivered":
		match = func(t emulator.TokenState) bool { return !t.Revoked && !t.Delivered }
	case "dropped":
		match = func(t emulator.TokenState) bool { return !t.Delivered }
	default:
		ts.Fatalf("emulator count: unknown state %q", state)
	}
	got := 0
	for _, t := range srv.Tokens() {
		if t.UserID == user.UserID && (name == "*" || t.Name == name) && match(t) {
			got++
		}
	}
	if got != want {
		ts.Fatalf("%s has %d %s tokens named %q, want %d", user.UserName, got, state, name, want)
	}
}

func emulatorSecretValid(ts *testscript.TestScript, srv *emulator.Server, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: emulator secret-valid FILE")
	}
	content := ts.ReadFile(args[0])
	var valid []int64
	for _, candidate := range jwtinfo.Shape.FindAllString(content, -1) {
		t, ok := srv.TokenByHash(srv.HashSecret(candidate))
		if ok && !t.Revoked && t.Status == client.StatusActive {
			valid = append(valid, t.TokenID)
		}
	}
	switch {
	case !neg && len(valid) == 0:
		ts.Fatalf("%s holds no value of a live, unexpired token", args[0])
	case neg && len(valid) > 0:
		ts.Fatalf("%s holds the value of live token(s) %v", args[0], valid)
	}
}

func emulatorNoLeak(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: emulator noleak FILE|DIR...")
	}
	secrets := srv.Secrets()
	check := func(where, content string) {
		for _, secret := range secrets {
			signature := secret[strings.LastIndex(secret, ".")+1:]
			if strings.Contains(content, secret) || strings.Contains(content, signature) {
				// Say which token leaked, never its value.
				id := "?"
				if t, ok := srv.TokenByHash(srv.HashSecret(secret)); ok {
					id = strconv.FormatInt(t.TokenID, 10)
				}
				ts.Fatalf("%s contains the value of token %s", where, id)
			}
		}
	}
	for _, arg := range args {
		if arg == "stdout" || arg == "stderr" {
			check(arg, ts.ReadFile(arg))
			continue
		}
		root := ts.MkAbs(arg)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			// Nothing written there, so nothing leaked there.
			ts.Logf("noleak: %s does not exist", arg)
			continue
		}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path) //nolint:gosec // test reads a file it wrote itself in its temporary directory or testdata
			if err != nil {
				return err
			}
			check(path, string(data))
			return nil
		})
		if err != nil {
			ts.Fatalf("emulator noleak: %v", err)
		}
	}
}

func emulatorRequests(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: emulator requests METHOD|* PATH-PREFIX N")
	}
	method := args[0]
	if method == "*" {
		method = ""
	}
	want, err := strconv.Atoi(args[2])
	if err != nil {
		ts.Fatalf("emulator requests: %q is not a number", args[2])
	}
	if got := srv.RequestCount(method, args[1]); got != want {
		ts.Fatalf("the emulator received %d %s requests under %s, want %d", got, args[0], args[1], want)
	}
}

func lookupUser(ts *testscript.TestScript, srv *emulator.Server, name string) client.User {
	u, ok := srv.UserByName(name)
	if !ok {
		ts.Fatalf("emulator: no user %q", name)
	}
	return u
}

func parseProbability(v string) (float64, error) {
	p, err := strconv.ParseFloat(v, 64)
	if err != nil || p < 0 || p > 1 {
		return 0, fmt.Errorf("want a probability from 0 to 1, got %q", v)
	}
	return p, nil
}

func parseOnOff(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("want on or off, got %q", v)
}

var lifetimePattern = regexp.MustCompile(`^(\d+)([dwy])$`)

// parseLifetime reads a Go duration (90m, 12h) or a number of days, weeks
// or years (30d, 26w, 1y).
func parseLifetime(v string) (time.Duration, error) {
	if m := lifetimePattern.FindStringSubmatch(v); m != nil {
		n, _ := strconv.Atoi(m[1])
		unit := map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour}[m[2]]
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("want a lifetime such as 90m, 12h, 30d, 26w or 1y, got %q", v)
	}
	return d, nil
}

// parseMinutes reads a bare number of minutes or a lifetime.
func parseMinutes(v string) (int64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, nil
	}
	d, err := parseLifetime(v)
	if err != nil {
		return 0, err
	}
	return int64(d / time.Minute), nil
}

func cmdEnvFrom(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: envfrom FILE REGEXP VAR")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	if err != nil {
		ts.Fatalf("envfrom: %v", err)
	}
	m := re.FindStringSubmatch(ts.ReadFile(args[0]))
	if len(m) < 2 {
		ts.Fatalf("envfrom: no match for %q in %s", args[1], args[0])
	}
	ts.Setenv(args[2], m[1])
}

// sandboxWait bounds how long sandbox-url waits for a sandbox to come up.
const sandboxWait = time.Minute

func cmdSandboxURL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: sandbox-url STATEFILE VAR")
	}
	path := ts.MkAbs(args[0])
	hc := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(sandboxWait)
	for {
		if u := emulator.StateURL(path); u != "" {
			if resp, err := hc.Get(u + "/api/users/me"); err == nil {
				_ = resp.Body.Close()
				ts.Setenv(args[1], u)
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no sandbox answered with state file %s within %s", args[0], sandboxWait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
