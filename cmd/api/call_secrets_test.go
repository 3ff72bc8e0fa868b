package api

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestScrubWriterFindsATokenSplitBetweenWrites(t *testing.T) {
	const secret = "opaque-secret-value" //nolint:gosec // test fixture, not a credential
	var out bytes.Buffer
	w := newScrubWriter(&out, func(s string) string { return strings.ReplaceAll(s, secret, "[REDACTED]") })
	text := "first line\nthe token is " + secret + " here\nand at the end " + secret
	for i := 0; i < len(text); i += 3 {
		if _, err := w.Write([]byte(text[i:min(i+3, len(text))])); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Contains(out.String(), "opaque") {
		t.Fatalf("the token was written before its line was complete: %q", out.String())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "first line\nthe token is [REDACTED] here\nand at the end [REDACTED]"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

func TestTokensInFindsEveryTokenField(t *testing.T) {
	body := `{"IsError":false,"ResponseData":{"TokenID":1,"Token":"a.b.c","token":"plain","Nested":[{"TOKEN":"x"}],"TokenName":"not-a-secret","Token2":""}}`
	got := tokensIn([]byte(body))
	slices.Sort(got)
	if want := []string{"a.b.c", "plain", "x"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := tokensIn([]byte("not json")); got != nil {
		t.Errorf("a body that is not JSON gave %q", got)
	}
}
