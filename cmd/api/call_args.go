package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

// httpMethods are the methods `axero call` accepts, as a flag or as the
// first positional argument.
var httpMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

func isHTTPMethod(s string) bool {
	for _, m := range httpMethods {
		if s == m {
			return true
		}
	}
	return false
}

// callField is one -f or -F key=value pair, kept in the order given so
// that query strings come out the way the user wrote them.
type callField struct {
	Key   string
	Value any // string, bool, nil or json.Number
}

// splitArgs turns [METHOD] PATH into a method and a path. A first argument
// that is an HTTP method (in any case) names the method; -X, when also
// given, must agree with it.
func splitArgs(args []string, flagMethod string) (method, path string, err error) {
	method = strings.ToUpper(strings.TrimSpace(flagMethod))
	if method != "" && !isHTTPMethod(method) {
		return "", "", cmdutil.FlagErrorf("unknown HTTP method %q: want one of %s", flagMethod, strings.Join(httpMethods, ", "))
	}
	switch len(args) {
	case 1:
		if isHTTPMethod(strings.ToUpper(args[0])) && !strings.Contains(args[0], "/") {
			return "", "", cmdutil.FlagErrorf("missing the PATH to call after %s", strings.ToUpper(args[0]))
		}
		return method, args[0], nil
	case 2:
		m := strings.ToUpper(args[0])
		if !isHTTPMethod(m) {
			return "", "", cmdutil.FlagErrorf("%q is not an HTTP method: usage: axero call [METHOD] PATH", args[0])
		}
		if method != "" && method != m {
			return "", "", cmdutil.FlagErrorf("conflicting methods: %s and -X %s", m, method)
		}
		return m, args[1], nil
	}
	return "", "", cmdutil.FlagErrorf("usage: axero call [METHOD] PATH")
}

// inferMethod is GET, or POST when the request carries a body, as gh api
// does; an explicit method always wins.
func inferMethod(explicit string, hasFields, hasInput bool) string {
	if explicit != "" {
		return explicit
	}
	if hasFields || hasInput {
		return http.MethodPost
	}
	return http.MethodGet
}

// fieldsInQuery says whether fields travel as query parameters: for
// methods that carry no body, and when --input supplies the body.
func fieldsInQuery(method string, hasInput bool) bool {
	switch method {
	case http.MethodGet, http.MethodDelete, http.MethodHead, http.MethodOptions:
		return true
	}
	return hasInput
}

func splitKeyValue(flag, kv string) (string, string, error) {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return "", "", cmdutil.FlagErrorf("%s %q: want key=value", flag, kv)
	}
	return k, v, nil
}

// jsonNumber matches exactly the numbers JSON allows, so that -F never
// sends Go-only forms such as 0x10, Inf or NaN as numbers.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// typedValue gives -F its types: true, false and null as themselves,
// numbers as numbers, @file as the file's content, @- as stdin's; anything
// else stays a string.
func typedValue(v string, stdin io.Reader, stdinUsed *bool) (any, error) {
	switch {
	case v == "true":
		return true, nil
	case v == "false":
		return false, nil
	case v == "null":
		return nil, nil
	case jsonNumber.MatchString(v):
		return json.Number(v), nil
	case v == "@-":
		if *stdinUsed {
			return nil, cmdutil.FlagErrorf("standard input can be read only once (by one @- or --input -)")
		}
		*stdinUsed = true
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return string(b), nil
	case strings.HasPrefix(v, "@"):
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return nil, cmdutil.FlagErrorf("reading %s: %v", v[1:], withoutPath(err))
		}
		return string(b), nil
	}
	return v, nil
}

// withoutPath drops the path from an *os.PathError, which the message
// around it already names.
func withoutPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parseFields reads -f (raw strings) and -F (typed) pairs, raw ones first
// as they were given, then typed ones.
func parseFields(raw, typed []string, stdin io.Reader, stdinUsed *bool) ([]callField, error) {
	fields := make([]callField, 0, len(raw)+len(typed))
	for _, kv := range raw {
		k, v, err := splitKeyValue("-f", kv)
		if err != nil {
			return nil, err
		}
		fields = append(fields, callField{Key: k, Value: v})
	}
	for _, kv := range typed {
		k, v, err := splitKeyValue("-F", kv)
		if err != nil {
			return nil, err
		}
		val, err := typedValue(v, stdin, stdinUsed)
		if err != nil {
			return nil, err
		}
		fields = append(fields, callField{Key: k, Value: val})
	}
	return fields, nil
}

// fieldsBody is the JSON object the fields make, keys in the order given.
// A key given twice keeps its last value, as a JSON decoder would.
func fieldsBody(fields []callField) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	seen := map[string]int{}
	var order []callField
	for _, f := range fields {
		if i, ok := seen[f.Key]; ok {
			order[i].Value = f.Value
			continue
		}
		seen[f.Key] = len(order)
		order = append(order, f)
	}
	for i, f := range order {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(f.Key)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// queryValue is how a field looks in a query string: null is empty.
func queryValue(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// addQuery appends the fields to path's query string, after what the
// path already carries.
func addQuery(path string, fields []callField) string {
	if len(fields) == 0 {
		return path
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.Key))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(queryValue(f.Value)))
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
		if strings.HasSuffix(path, "?") || strings.HasSuffix(path, "&") {
			sep = ""
		}
	}
	return path + sep + b.String()
}

// parseHeaders reads -H 'Key: Value' pairs. Authorization is refused: the
// token comes from the profile or AXERO_TOKEN, never from argv, where other
// users of the machine could read it.
func parseHeaders(hs []string) (http.Header, error) {
	h := http.Header{}
	for _, s := range hs {
		k, v, ok := strings.Cut(s, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, cmdutil.FlagErrorf("-H %q: want 'Key: Value'", redactHeaderArg(s))
		}
		if strings.EqualFold(k, "Authorization") {
			return nil, cmdutil.FlagErrorf("-H Authorization is not allowed: the token comes from `axero login` or AXERO_TOKEN, never from the command line")
		}
		h.Add(k, strings.TrimSpace(v))
	}
	return h, nil
}

// redactHeaderArg keeps only the name of a malformed header argument in an
// error message, in case its value was a secret.
func redactHeaderArg(s string) string {
	if k, _, ok := strings.Cut(s, ":"); ok {
		return k + ": ..."
	}
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// sitePath turns a full URL of the site in use into a path on it, so that
// a URL pasted from a browser works. A URL on another host is refused: the
// token must never be sent anywhere but the site.
func sitePath(p, siteURL string) (string, error) {
	lower := strings.ToLower(p)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return p, nil
	}
	u, err := url.Parse(p)
	if err != nil {
		return "", cmdutil.FlagErrorf("invalid URL %q", p)
	}
	site, err := url.Parse(siteURL)
	if err != nil {
		return "", err
	}
	if !strings.EqualFold(u.Scheme, site.Scheme) || !strings.EqualFold(u.Host, site.Host) {
		return "", cmdutil.FlagErrorf("%s://%s is not the site in use (%s): refusing to send the token there", u.Scheme, u.Host, siteURL)
	}
	rest := u.EscapedPath()
	if base := strings.TrimRight(site.EscapedPath(), "/"); base != "" {
		if rest != base && !strings.HasPrefix(rest, base+"/") {
			return "", cmdutil.FlagErrorf("%s is outside the site in use (%s)", u.Path, siteURL)
		}
		rest = strings.TrimPrefix(rest, base)
	}
	if rest == "" {
		rest = "/"
	}
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	return rest, nil
}
