package token

import (
	"io"
	"os"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/bulk"
)

// openUserList opens a CSV of users (create-for-user's --from, audit's
// --users; "-" is stdin) and reads its header, so that a file without a
// user column is refused before any request. flag names the option in
// errors, which are usage errors.
func openUserList(flag, path string, stdin io.Reader) (*bulk.Input, func(), error) {
	if path == "-" {
		in, err := bulk.NewInput(stdin, "standard input")
		if err != nil {
			return nil, nil, &cmdutil.FlagError{Err: err}
		}
		return in, func() {}, nil
	}
	file, err := os.Open(path) //nolint:gosec // the input file the user names on the command line
	if err != nil {
		return nil, nil, cmdutil.FlagErrorf("%s %s: %v", flag, path, unwrapPathError(err))
	}
	in, err := bulk.NewInput(file, path)
	if err != nil {
		_ = file.Close()
		return nil, nil, &cmdutil.FlagError{Err: err}
	}
	return in, func() { _ = file.Close() }, nil
}
