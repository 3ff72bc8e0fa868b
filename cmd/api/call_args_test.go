package api

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axero-cli/axero/cmd/cmdutil"
)

func wantUsage(t *testing.T, err error, contains string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a usage error containing %q, got none", contains)
	}
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("%v: exit %d, want 2", err, cmdutil.ExitCode(err))
	}
	if !strings.Contains(err.Error(), contains) {
		t.Errorf("got %q, want it to contain %q", err, contains)
	}
}

func TestSplitArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args       []string
		flag       string
		wantMethod string
		wantPath   string
		wantErr    string
	}{
		{args: []string{"users/me"}, wantPath: "users/me"},
		{args: []string{"GET", "users/me"}, wantMethod: "GET", wantPath: "users/me"},
		{args: []string{"delete", "bearertokens/7"}, wantMethod: "DELETE", wantPath: "bearertokens/7"},
		{args: []string{"bearertokens/7"}, flag: "put", wantMethod: "PUT", wantPath: "bearertokens/7"},
		{args: []string{"PUT", "bearertokens/7"}, flag: "PUT", wantMethod: "PUT", wantPath: "bearertokens/7"},
		{args: []string{"PUT", "bearertokens/7"}, flag: "POST", wantErr: "conflicting methods: PUT and -X POST"},
		{args: []string{"FETCH", "users/me"}, wantErr: `"FETCH" is not an HTTP method`},
		{args: []string{"users/me"}, flag: "FETCH", wantErr: `unknown HTTP method "FETCH"`},
		{args: []string{"GET"}, wantErr: "missing the PATH"},
	}
	for _, tt := range tests {
		m, p, err := splitArgs(tt.args, tt.flag)
		if tt.wantErr != "" {
			wantUsage(t, err, tt.wantErr)
			continue
		}
		if err != nil || m != tt.wantMethod || p != tt.wantPath {
			t.Errorf("splitArgs(%q, %q) = %q, %q, %v", tt.args, tt.flag, m, p, err)
		}
	}
}

func TestInferMethod(t *testing.T) {
	t.Parallel()
	if got := inferMethod("", false, false); got != "GET" {
		t.Errorf("no body: %s", got)
	}
	if got := inferMethod("", true, false); got != "POST" {
		t.Errorf("fields: %s", got)
	}
	if got := inferMethod("", false, true); got != "POST" {
		t.Errorf("input: %s", got)
	}
	if got := inferMethod("GET", true, false); got != "GET" {
		t.Errorf("explicit: %s", got)
	}
}

func TestTypedValue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "name.txt")
	if err := os.WriteFile(file, []byte("from a file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   string
		want string // the JSON encoding of the value
	}{
		{"true", "true"},
		{"false", "false"},
		{"null", "null"},
		{"42", "42"},
		{"-7", "-7"},
		{"1.5", "1.5"},
		{"1e3", "1e3"},
		{"12345678901234567890", "12345678901234567890"},
		{"007", `"007"`},
		{"0x10", `"0x10"`},
		{"Inf", `"Inf"`},
		{"NaN", `"NaN"`},
		{"True", `"True"`},
		{"", `""`},
		{"plain", `"plain"`},
		{"@" + file, `"from a file\n"`},
	}
	for _, tt := range tests {
		used := false
		v, err := typedValue(tt.in, strings.NewReader(""), &used)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		b, _ := json.Marshal(v)
		if string(b) != tt.want {
			t.Errorf("typedValue(%q) = %s, want %s", tt.in, b, tt.want)
		}
	}
	used := false
	_, err := typedValue("@"+filepath.Join(dir, "missing"), nil, &used)
	wantUsage(t, err, "no such file or directory")
}

func TestTypedValueStdinOnce(t *testing.T) {
	t.Parallel()
	used := false
	v, err := typedValue("@-", strings.NewReader("piped"), &used)
	if err != nil || v != "piped" || !used {
		t.Fatalf("got %v, %v, used=%v", v, err, used)
	}
	_, err = typedValue("@-", strings.NewReader("again"), &used)
	wantUsage(t, err, "standard input can be read only once")
}

func TestParseFields(t *testing.T) {
	t.Parallel()
	fields, err := parseFields([]string{"Name=42", "Note=a=b"}, []string{"ExpiresInMinutes=60", "Active=true"}, nil, new(bool))
	if err != nil {
		t.Fatal(err)
	}
	body, err := fieldsBody(fields)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Name":"42","Note":"a=b","ExpiresInMinutes":60,"Active":true}`
	if string(body) != want {
		t.Errorf("body %s, want %s", body, want)
	}
	_, err = parseFields([]string{"novalue"}, nil, nil, new(bool))
	wantUsage(t, err, `-f "novalue": want key=value`)
	_, err = parseFields(nil, []string{"=x"}, nil, new(bool))
	wantUsage(t, err, "want key=value")
}

func TestFieldsBodyLastValueWins(t *testing.T) {
	t.Parallel()
	body, _ := fieldsBody([]callField{{"a", "1"}, {"b", true}, {"a", "2"}})
	if string(body) != `{"a":"2","b":true}` {
		t.Errorf("got %s", body)
	}
}

func TestAddQuery(t *testing.T) {
	t.Parallel()
	f := []callField{{"Email", "j doe@example.com"}, {"N", json.Number("2")}, {"X", nil}}
	if got := addQuery("users", f); got != "users?Email=j+doe%40example.com&N=2&X=" {
		t.Errorf("got %s", got)
	}
	if got := addQuery("users?A=1", f[:1]); got != "users?A=1&Email=j+doe%40example.com" {
		t.Errorf("got %s", got)
	}
	if got := addQuery("users", nil); got != "users" {
		t.Errorf("got %s", got)
	}
}

func TestParseHeaders(t *testing.T) {
	t.Parallel()
	h, err := parseHeaders([]string{"X-Trace: abc", "Accept:application/json"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Trace") != "abc" || h.Get("Accept") != "application/json" {
		t.Errorf("got %v", h)
	}
	_, err = parseHeaders([]string{"authorization: Bearer secret-value"})
	wantUsage(t, err, "-H Authorization is not allowed")
	if strings.Contains(err.Error(), "secret-value") {
		t.Errorf("the refused header's value leaked: %q", err)
	}
	_, err = parseHeaders([]string{"no colon here"})
	wantUsage(t, err, "want 'Key: Value'")
}

func TestSitePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, site, want, wantErr string
	}{
		{in: "users/me", site: "https://x.example.com", want: "users/me"},
		{in: "https://x.example.com/api/users/me?A=1", site: "https://x.example.com", want: "/api/users/me?A=1"},
		{in: "HTTPS://X.example.com/api/users/me", site: "https://x.example.com", want: "/api/users/me"},
		{in: "https://x.example.com/intranet/api/users/me", site: "https://x.example.com/intranet/", want: "/api/users/me"},
		{in: "https://x.example.com/other/api", site: "https://x.example.com/intranet", wantErr: "outside the site in use"},
		{in: "https://evil.example.com/api/users/me", site: "https://x.example.com", wantErr: "refusing to send the token there"},
		{in: "http://x.example.com/api/users/me", site: "https://x.example.com", wantErr: "is not the site in use"},
	}
	for _, tt := range tests {
		got, err := sitePath(tt.in, tt.site)
		if tt.wantErr != "" {
			wantUsage(t, err, tt.wantErr)
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sitePath(%q, %q) = %q, %v; want %q", tt.in, tt.site, got, err, tt.want)
		}
	}
}

func TestWithPage(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"bearertokens", "bearertokens?StartPage=3&PageSize=100"},
		{"users?Email=a%40b&startpage=9&PageSize=5", "users?Email=a%40b&StartPage=3&PageSize=100"},
	}
	for _, tt := range tests {
		if got := withPage(tt.in, 3, 100); got != tt.want {
			t.Errorf("withPage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnwrapEnvelope(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{"IsError":false,"ResponseData":{"UserID":1}}`, `{"UserID":1}`},
		{`{"IsError":false}`, ``},
		{`{"UserID":1}`, `{"UserID":1}`},
		{`[1,2]`, `[1,2]`},
		{`not json`, `not json`},
	}
	for _, tt := range tests {
		if got := unwrapEnvelope([]byte(tt.in)); !bytes.Equal(got, []byte(tt.want)) {
			t.Errorf("unwrapEnvelope(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestCleanMessage(t *testing.T) {
	t.Parallel()
	got := cleanMessage("bad\ttoken\n eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl rejected\x1b[31m")
	if got != "bad token [REDACTED] rejected [31m" {
		t.Errorf("got %q", got)
	}
}

func TestCompleteCallArgs(t *testing.T) {
	t.Parallel()
	got, _ := completeCallArgs(nil, nil, "")
	if !strings.Contains(strings.Join(got, " "), "GET") || !strings.Contains(strings.Join(got, " "), "users/me") {
		t.Errorf("first argument: %v", got)
	}
	got, _ = completeCallArgs(nil, []string{"post"}, "")
	if strings.Join(got, " ") != strings.Join(callPathHints, " ") {
		t.Errorf("after a method: %v", got)
	}
	if got, _ = completeCallArgs(nil, []string{"users/me"}, ""); len(got) != 0 {
		t.Errorf("after a path: %v", got)
	}
}
