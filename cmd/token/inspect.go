package token

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/output"
)

// maxTokenInput bounds what inspect reads from stdin: a JWT is a few
// hundred bytes, and a runaway pipe must not fill memory.
const maxTokenInput = 64 << 10

// InspectOptions are the inputs of `axero token inspect`.
type InspectOptions struct {
	Factory *cmdutil.Factory
	Arg     string // a token given on the command line, "-" or ""
	Output  output.Options
}

// NewCmdInspect builds `axero token inspect`; runF, when set, runs instead
// of the command once the arguments are checked.
func NewCmdInspect(f *cmdutil.Factory, runF func(context.Context, *InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{Factory: f}
	c := &cobra.Command{
		Use:   "inspect [-]",
		Short: "Decode a token read from stdin, offline",
		Long: `Decode a bearer token offline and show what it says about itself: its ID
(jti), user (sub), issuer, when it was issued, when it expires, and the
administrator impersonating the user (act), if any.

It verifies nothing: only the server can say whether a token is valid. The
token is read from stdin; at a terminal it is asked for with a prompt that
hides what you paste, as login's does. One given as an argument works too,
but lands in your shell history, so you are warned.`,
		Example: `  $ axero token inspect < token.txt
  $ jq -r .Token backup-token.json | axero token inspect -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Arg = args[0]
			}
			if err := opts.Output.Validate(output.FormatTable, output.FormatJSON, output.FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return inspectRun(c.Context(), opts)
		},
	}
	output.AddFlags(c, &opts.Output, output.FormatTable, output.FormatJSON, output.FormatYAML)
	return c
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	f := opts.Factory
	ios := f.IO
	var raw string
	if opts.Arg != "" && opts.Arg != "-" {
		fmt.Fprintln(ios.ErrOut, "! A token given as an argument lands in your shell history; pipe it on stdin instead: axero token inspect < FILE")
		raw = opts.Arg
	} else {
		b, err := readTokenInput(ctx, ios)
		if err != nil {
			return err
		}
		raw = string(b)
	}
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return cmdutil.FlagErrorf("no token on stdin: pipe one in, e.g. axero token inspect < token.txt")
	}
	info, err := jwtinfo.Decode(raw)
	if err != nil {
		// The error never repeats the input: it may be a secret.
		return err
	}
	return output.Print(ios, opts.Output, info, func(tty bool) output.TableData {
		return inspectTable(info, f.Now())
	})
}

// readTokenInput reads the token from stdin: at a terminal, one line
// from a prompt that hides what is pasted, as login's does (a token is a
// secret even when it is only being looked at); else everything up to
// maxTokenInput.
func readTokenInput(ctx context.Context, ios *iostreams.IOStreams) ([]byte, error) {
	if ios.IsStdinTTY() && cmdutil.CanHideInput(ios) {
		t, err := cmdutil.PromptHidden(ctx, ios, "Paste the token and press Enter (input is hidden): ", "pipe it in, e.g. axero token inspect < token.txt")
		if err != nil {
			return nil, err
		}
		if len(t) > maxTokenInput {
			return nil, errors.New("not a JWT: the input is larger than 64 KiB")
		}
		return []byte(t), nil
	}
	in := bufio.NewReader(io.LimitReader(ios.In, maxTokenInput+1))
	var b []byte
	var err error
	if ios.IsStdinTTY() {
		// A terminal the tests fake (AXERO_FORCE_TTY): one line, as typed.
		fmt.Fprintln(ios.ErrOut, "Paste the token and press Enter:")
		b, err = in.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			err = nil
		}
	} else {
		b, err = io.ReadAll(in)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the token from stdin: %w", err)
	}
	if len(b) > maxTokenInput {
		return nil, errors.New("not a JWT: the input on stdin is larger than 64 KiB")
	}
	return b, nil
}

// inspectTable is a two-column FIELD/VALUE table. Times are absolute with
// the relative form alongside, on a terminal and piped alike, since a person
// reading either wants both.
func inspectTable(info *jwtinfo.Info, now time.Time) output.TableData {
	td := output.TableData{Headers: []string{"FIELD", "VALUE"}}
	add := func(k, v string) { td.Rows = append(td.Rows, []string{k, v}) }
	add("Token ID", fmt.Sprint(info.TokenID))
	if info.Name != "" {
		add("Name", info.Name)
	}
	add("User", fmt.Sprint(info.UserID))
	add("Issuer", info.Issuer)
	if info.IssuedAt != nil {
		add("Issued", info.IssuedAt.UTC().Format(time.RFC3339)+" ("+output.FormatTime(*info.IssuedAt, true, now)+")")
	}
	if info.ExpiresAt == nil {
		add("Expires", "never")
	} else {
		add("Expires", info.ExpiresAt.UTC().Format(time.RFC3339)+" ("+output.FormatExpiry(info.ExpiresAt, true, now)+")")
	}
	if info.ActorID != 0 {
		add("Impersonated by", fmt.Sprintf("user %d (an administrator)", info.ActorID))
	} else {
		add("Impersonated by", "nobody")
	}
	return td
}
