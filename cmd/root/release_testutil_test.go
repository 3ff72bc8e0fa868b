package root

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/keychain"
)

// isolatedFactory returns a Factory that reads env instead of the process
// environment, keeps its config in a fresh directory (AXERO_CONFIG_DIR), and fails the test
// when anything opens the keychain or, unless allowNetwork, sends a
// request.
func isolatedFactory(t *testing.T, env map[string]string, allowNetwork bool) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	vars := map[string]string{"AXERO_CONFIG_DIR": t.TempDir()}
	for k, v := range env {
		vars[k] = v
	}
	f := cmdutil.New("1.2.3")
	ios, _, out, errOut := iostreams.Test()
	f.IO = ios
	f.Getenv = func(k string) string { return vars[k] }
	f.Keychain = func() keychain.Store {
		t.Errorf("the keychain was opened")
		return refusingKeychain{}
	}
	if !allowNetwork {
		f.Transport = denyingTransport(func(r *http.Request) (*http.Response, error) {
			t.Errorf("a request was sent: %s %s", r.Method, r.URL)
			return nil, errors.New("no network in this test")
		})
	}
	return f, out, errOut
}

// runAxero runs the command tree built on f with args.
func runAxero(f *cmdutil.Factory, args ...string) error {
	root := NewCmdRoot(f)
	root.SetArgs(args)
	return root.Execute()
}

type denyingTransport func(*http.Request) (*http.Response, error)

func (fn denyingTransport) RoundTrip(r *http.Request) (*http.Response, error) { return fn(r) }

type refusingKeychain struct{}

var errKeychainRefused = errors.New("keychain refused in this test")

func (refusingKeychain) Get(string) (string, error) { return "", errKeychainRefused }
func (refusingKeychain) Set(string, string) error   { return errKeychainRefused }
func (refusingKeychain) Delete(string) error        { return errKeychainRefused }
