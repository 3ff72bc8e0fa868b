package main

import (
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/jwtinfo"
)

// emulatorSole checks a token file against the emulator's true state: it
// holds exactly N token values, each of a live, unexpired token whose hash
// matches, and each is its user's only active token of its name. That is
// what a completed renewal promises for every record of NEW.
func emulatorSole(ts *testscript.TestScript, srv *emulator.Server, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: emulator sole FILE N")
	}
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("emulator sole: %q is not a number", args[1])
	}
	type key struct {
		user int64
		name string
	}
	active := map[key]int{}
	for _, t := range srv.Tokens() {
		if !t.Revoked && t.Status == client.StatusActive {
			active[key{t.UserID, t.Name}]++
		}
	}
	seen := map[int64]bool{}
	for _, secret := range jwtinfo.Shape.FindAllString(ts.ReadFile(args[0]), -1) {
		t, ok := srv.TokenByHash(srv.HashSecret(secret))
		switch {
		case !ok:
			ts.Fatalf("%s holds a token value the emulator never minted", args[0])
		case t.Revoked || t.Status != client.StatusActive:
			ts.Fatalf("%s holds token %d, which is not active", args[0], t.TokenID)
		case seen[t.TokenID]:
			ts.Fatalf("%s holds token %d twice", args[0], t.TokenID)
		case active[key{t.UserID, t.Name}] != 1:
			ts.Fatalf("user %d has %d active tokens named %q, want only the one in %s", t.UserID, active[key{t.UserID, t.Name}], t.Name, args[0])
		}
		seen[t.TokenID] = true
	}
	if len(seen) != want {
		ts.Fatalf("%s holds %d token values, want %d", args[0], len(seen), want)
	}
}
