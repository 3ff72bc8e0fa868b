package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/cmd/cmdutil"
	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/output"
)

// CallOptions are the inputs of `axero call`.
type CallOptions struct {
	IO     *iostreams.IOStreams
	Client func() (*client.Client, error)
	// Mask hides a secret from the CI log before it is printed
	// (cmdutil.MaskInCI under GitHub Actions).
	Mask func(secret string)

	MethodFlag  string
	Args        []string
	RawFields   []string
	TypedFields []string
	Input       string
	Headers     []string
	Include     bool
	Paginate    bool
	Raw         bool
	JQ          string
}

// NewCmdCall builds `axero call`; runF, when set, runs instead of sending
// the request, once the arguments are checked.
func NewCmdCall(f *cmdutil.Factory, runF func(context.Context, *CallOptions) error) *cobra.Command {
	opts := &CallOptions{IO: f.IO, Client: f.Client, Mask: func(secret string) { cmdutil.MaskInCI(f, secret) }}
	c := &cobra.Command{
		Use:   "call [METHOD] PATH",
		Short: "Make an authenticated request to any Axero API endpoint",
		Long: `Send one request to the Axero REST API with the token in use and print the
answer.

PATH may start with or without /api ("users/me", "/api/users/me"), and may be
a full URL of the site in use; a URL on another host is refused, so that the
token never goes anywhere but the site.

The method is GET, or POST when fields or --input are given; name another
with -X or as the first argument. -f key=value adds a string field; -F
key=value adds a typed one: true, false, null and numbers become JSON values,
@file the file's content and @- standard input. For GET and DELETE the fields
are query parameters; otherwise they make a JSON object body. --input FILE
(or - for standard input) sends that body as it is, and the fields then go in
the query string.

Without --raw the payload is printed: the envelope's ResponseData, or the body
itself when the server sent no envelope; --raw prints the whole body, byte
for byte when piped. --paginate follows StartPage from 1
with PageSize 100 until TotalRecords are fetched and prints one JSON array.
JSON is indented on a terminal and compact when piped; --jq filters it. On a
terminal, control characters in a body that is not JSON are shown escaped.
The token in use is replaced by [REDACTED] wherever the server echoes it;
under GitHub Actions a Token in a successful answer is masked
(::add-mask::) before it is printed.

Exit status: 0 for 2xx, 3 for 401 and 403, 4 for 404, 1 for any other error,
after printing the error body and a one-line message on stderr.`,
		Example: `  $ axero call users/me
  $ axero call bearertokens --paginate --jq '.[] | select(.Status == "Expired") | .TokenID'
  $ axero call POST bearertokens -f Name=ci-deploy -F ExpiresInMinutes=1440
  $ axero call PUT /api/bearertokens/1017 -f Name=renamed
  $ axero call -X DELETE bearertokens/1017
  $ axero call -i https://intranet.example.com/api/bearertokens/policy`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(c.Context(), opts)
			}
			req, err := opts.build()
			if err != nil {
				return err
			}
			return callRun(c, opts, req)
		},
	}
	fl := c.Flags()
	fl.StringVarP(&opts.MethodFlag, "method", "X", "", "HTTP `method` (default GET, or POST with fields or --input)")
	fl.StringArrayVarP(&opts.RawFields, "raw-field", "f", nil, "add a string field `key=value`")
	fl.StringArrayVarP(&opts.TypedFields, "field", "F", nil, "add a typed field `key=value` (true, false, null, numbers, @file, @-)")
	fl.StringVar(&opts.Input, "input", "", "send the body read from `file` (- for standard input)")
	fl.StringArrayVarP(&opts.Headers, "header", "H", nil, "add a request header `'Key: Value'`")
	fl.BoolVarP(&opts.Include, "include", "i", false, "print the status line and response headers before the body")
	fl.BoolVar(&opts.Paginate, "paginate", false, "fetch every page (StartPage/PageSize) and print one JSON array")
	fl.BoolVar(&opts.Raw, "raw", false, "print the whole body, envelope included (byte for byte when piped)")
	fl.StringVar(&opts.JQ, "jq", "", "filter the JSON output with a jq `expression`")
	_ = c.RegisterFlagCompletionFunc("method", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return httpMethods, cobra.ShellCompDirectiveNoFileComp
	})
	c.ValidArgsFunction = completeCallArgs
	return c
}

// callPathHints are the documented endpoints, offered when completing PATH.
var callPathHints = []string{"users/me", "users", "bearertokens", "bearertokens/policy"}

// completeCallArgs offers a method or a path first, then a path after a
// method. It works offline: completion must never touch the network.
func completeCallArgs(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	switch {
	case len(args) == 0:
		return append(append([]string{}, httpMethods...), callPathHints...), cobra.ShellCompDirectiveNoFileComp
	case len(args) == 1 && isHTTPMethod(strings.ToUpper(args[0])):
		return callPathHints, cobra.ShellCompDirectiveNoFileComp
	}
	return nil, cobra.ShellCompDirectiveNoFileComp
}

// callRequest is a parsed invocation: what to send, before the site URL is
// known.
type callRequest struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// build checks the flags and arguments and assembles the request. It reads
// files and standard input but sends nothing.
func (o *CallOptions) build() (*callRequest, error) {
	if o.JQ != "" {
		if err := (output.Options{Format: output.FormatJSON, JQ: o.JQ}).Validate(); err != nil {
			return nil, err
		}
	}
	explicit, path, err := splitArgs(o.Args, o.MethodFlag)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(path) == "" {
		return nil, cmdutil.FlagErrorf("the PATH to call is empty")
	}
	headers, err := parseHeaders(o.Headers)
	if err != nil {
		return nil, err
	}
	stdinUsed := false
	var body []byte
	hasInput := o.Input != ""
	if hasInput {
		body, err = o.readInput(&stdinUsed)
		if err != nil {
			return nil, err
		}
	}
	fields, err := parseFields(o.RawFields, o.TypedFields, o.IO.In, &stdinUsed)
	if err != nil {
		return nil, err
	}
	method := inferMethod(explicit, len(fields) > 0, hasInput)
	if o.Paginate && method != "GET" {
		return nil, cmdutil.FlagErrorf("--paginate works only with GET, not %s", method)
	}
	if fieldsInQuery(method, hasInput) {
		path = addQuery(path, fields)
	} else if len(fields) > 0 {
		if body, err = fieldsBody(fields); err != nil {
			return nil, err
		}
	}
	if body != nil && headers.Get("Content-Type") == "" {
		headers.Set("Content-Type", "application/json")
	}
	return &callRequest{Method: method, Path: path, Header: headers, Body: body}, nil
}

func (o *CallOptions) readInput(stdinUsed *bool) ([]byte, error) {
	if o.Input == "-" {
		*stdinUsed = true
		b, err := io.ReadAll(o.IO.In)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(o.Input)
	if err != nil {
		return nil, cmdutil.FlagErrorf("--input %s: %v", o.Input, withoutPath(err))
	}
	return b, nil
}

// callRun sends the request (every page of it with --paginate) and prints
// the answer. Everything it prints, stdout and its error, has the token in
// use scrubbed out, whatever its shape.
func callRun(c *cobra.Command, o *CallOptions, req *callRequest) error {
	cl, err := o.Client()
	if err != nil {
		return err
	}
	out := newScrubWriter(o.IO.Out, cl.RedactTokens)
	ios := *o.IO
	ios.Out = out
	p := &callPrinter{IO: &ios, Include: o.Include, Raw: o.Raw, JQ: o.JQ, Mask: o.Mask}
	err = callSend(c.Context(), cl, req, p, o.Paginate)
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return &redactedError{err: err, redact: cl.RedactTokens}
	}
	return nil
}

func callSend(ctx context.Context, cl *client.Client, req *callRequest, p *callPrinter, pages bool) error {
	path, err := sitePath(req.Path, cl.BaseURL())
	if err != nil {
		return err
	}
	raw := client.RawRequest{Method: req.Method, Path: path, Header: req.Header, Body: req.Body}
	if pages {
		return paginate(ctx, cl, raw, p)
	}
	resp, err := cl.Do(ctx, raw)
	if err != nil {
		return err
	}
	return p.single(raw, resp)
}
