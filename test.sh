#!/usr/bin/env bash
# Runs every check the project has: formatting, go vet, a tidy go.mod,
# golangci-lint (.golangci.yml, at the version tools/lint/go.mod pins), and the whole test
# suite under the race detector. The keychain tests talk to a real Secret
# Service: when dbus-run-session and gnome-keyring-daemon are installed (as
# .ci/run does), the suite runs inside a private D-Bus session with an
# unlocked gnome-keyring; without them those tests skip.
set -euo pipefail
cd "$(dirname "$0")"
# go.mod asks for go1.27.3, the first toolchain without known
# vulnerabilities in what axero ships. Where the machine's go is older and
# its go.env says GOTOOLCHAIN=local (Debian's images here), auto lets the go
# command fetch go1.27.3 from the Go module proxy once (about 76 MB).
export GOTOOLCHAIN=${GOTOOLCHAIN:-auto}

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...

# go.mod and go.sum must be exactly what `go mod tidy` makes them.
go mod tidy -diff

# golangci-lint at the exact version that tools/lint/go.mod pins, since
# each release finds different things. `go tool` builds it from the Go
# module proxy on first use (a few minutes, once: the Go build cache keeps
# it), so a machine with Go and nothing else runs every check.
go tool -modfile=tools/lint/go.mod golangci-lint run --allow-parallel-runners ./...

if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
	# In CI a missing Secret Service is a failure, not a skip.
	if [ -n "${CI:-}" ]; then export AXERO_REQUIRE_KEYCHAIN=1; fi
	# The daemon keeps its keyrings in a throwaway XDG_DATA_HOME: a login
	# keyring left by an earlier run with another password would otherwise
	# stay locked and send the daemon looking for a graphical prompt.
	keyrings=$(mktemp -d)
	trap 'rm -rf "$keyrings"' EXIT
	KEYRINGS=$keyrings dbus-run-session -- bash -c '
		echo -n axero-test | XDG_DATA_HOME=$KEYRINGS gnome-keyring-daemon --unlock --components=secrets >/dev/null
		exec go test -race -count=1 ./...
	'
else
	echo "test.sh: dbus-run-session or gnome-keyring-daemon not found; the keychain tests will skip" >&2
	go test -race -count=1 ./...
fi
