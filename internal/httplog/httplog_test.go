package httplog

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-resty/resty/v2"
)

func TestLogRedactsHeadersBodiesAndEscapesControls(t *testing.T) {
	t.Parallel()
	const credential = "glpat-credential-value" //nolint:gosec // test fixture, not a credential
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("\x1b]0;pwned\a answer with body-secret\r\n"))
	}))
	defer srv.Close()

	var out bytes.Buffer
	log := New(&out, Options{
		Redact:           func(s string) string { return strings.ReplaceAll(s, credential, Redacted) },
		RedactBody:       func(s string) string { return strings.ReplaceAll(s, "body-secret", Redacted) },
		SensitiveHeaders: []string{"PRIVATE-TOKEN"},
	})
	rc := resty.New()
	log.Install(rc)
	_, err := rc.R().
		SetHeader("PRIVATE-TOKEN", "anything").
		SetHeader("X-Echo", "prefix "+credential).
		SetBody("request body-secret").
		Post(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, secret := range []string{credential, "body-secret", "anything", "\x1b", "\a", "\r"} {
		if strings.Contains(got, secret) {
			t.Errorf("log holds %q:\n%s", secret, got)
		}
	}
	for _, want := range []string{"Private-Token: " + Redacted, "prefix " + Redacted, `\x1b]0;pwned\x07`, "~~~ RESPONSE ~~~", "\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}

func TestLogWithoutWriterIsSilent(t *testing.T) {
	t.Parallel()
	log := New(nil, Options{})
	if log.Enabled() {
		t.Fatal("a log without a writer says it is enabled")
	}
	log.Printf("nothing %s", "at all") // must not panic
}
