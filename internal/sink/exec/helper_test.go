package exec

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// helperArg, as the first argument of the test binary, makes it the
// command a sink runs (see TestMain) instead of the tests.
const helperArg = "axero-exec-sink-helper"

// parentCredential is the AXERO_TOKEN of the test process: the command
// must not get it.
const parentCredential = "parent-credential-must-not-leak" //nolint:gosec // a made-up credential for the tests

// runHelper is the command under test. It reads the token from stdin and
// fails with status 97 if the token is anywhere in its argv or its
// environment; then, by its first argument:
//
//	record FILE   writes what it read and what it was told to FILE, exit 0
//	fail CODE     echoes the token to stderr among other output, exit CODE
func runHelper(args []string) int {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading stdin:", err)
		return 98
	}
	token := string(in)
	if token == "" {
		fmt.Fprintln(os.Stderr, "nothing on stdin")
		return 96
	}
	for _, a := range os.Args {
		if strings.Contains(a, token) {
			fmt.Fprintln(os.Stderr, "the token is in argv")
			return 97
		}
	}
	for _, kv := range os.Environ() {
		if strings.Contains(kv, token) {
			fmt.Fprintln(os.Stderr, "the token is in the environment")
			return 97
		}
	}
	switch args[0] {
	case "record":
		record := fmt.Sprintf("stdin=%q\nid=%s\nname=%s\nexpires=%s\naxero_token=%q\n",
			token, os.Getenv(EnvTokenID), os.Getenv(EnvTokenName), os.Getenv(EnvTokenExpires), os.Getenv("AXERO_TOKEN"))
		if err := os.WriteFile(args[1], []byte(record), 0o600); err != nil { //nolint:gosec // the file the test names, in its temporary directory
			fmt.Fprintln(os.Stderr, err)
			return 95
		}
		return 0
	case "fail":
		code, _ := strconv.Atoi(args[1])
		fmt.Fprintln(os.Stdout, strings.Repeat("progress line\n", 1000))
		fmt.Fprintf(os.Stderr, "error: the server refused %s\x1b[31m (red)\n", token)
		return code
	}
	return 99
}
