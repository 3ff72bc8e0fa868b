package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/axero-cli/axero/keychain"
)

// keychainVars are what a process needs to reach the OS keychain: on Linux,
// the D-Bus session bus of the Secret Service. testscript starts scripts
// with an almost empty environment, so they are passed on explicitly.
var keychainVars = []string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"}

// passKeychainEnv gives a script what it needs to reach the OS keychain
// once it unsets AXERO_KEYCHAIN. Scripts still start with AXERO_KEYCHAIN=off.
func passKeychainEnv(env *testscript.Env) {
	for _, k := range keychainVars {
		if v, ok := os.LookupEnv(k); ok {
			env.Setenv(k, v)
		}
	}
}

var (
	keychainOnce sync.Once
	keychainErr  error
)

// scriptCondition answers the conditions this project adds to testscript:
//
//	[keychain]  an OS keychain answers (on Linux, a Secret Service).
//
// With AXERO_REQUIRE_KEYCHAIN=1 (CI starts a Secret Service on purpose) a
// missing keychain is an error rather than a quiet skip, so that the
// keychain scripts cannot stop running unnoticed.
func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "keychain":
		keychainOnce.Do(func() { keychainErr = keychain.Probe(10 * time.Second) })
		if keychainErr != nil && os.Getenv("AXERO_REQUIRE_KEYCHAIN") == "1" {
			return false, fmt.Errorf("AXERO_REQUIRE_KEYCHAIN=1 but %w", keychainErr)
		}
		return keychainErr == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}
