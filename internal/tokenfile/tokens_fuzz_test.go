package tokenfile

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzTokenFile reads arbitrary bytes as a token file (--from of rotate
// and revoke): nothing panics or loops, a refusal of the file is one line
// that does not echo raw bytes, and a record that cannot be read says so
// without repeating the file's bytes either (a misplaced column could
// hold a secret, or an escape sequence).
func FuzzTokenFile(f *testing.F) {
	for _, s := range []string{
		`{"user":"jdoe","UserID":3,"TokenID":100,"name":"ci","expiry":"2027-01-01T00:00:00Z","token":"eyJ.a.b"}` + "\n",
		"[\n" + `{"UserID":"3","TokenID":100,"Name":"=x","Expires":null}` + "\n]\n",
		"\ufeffuser,UserID,TokenID,name,expiry,token,reason\r\njdoe,3,100,'=ci,never,eyJ.a.b,why\r\n",
		"TokenID\n1\n\x1b]0;pwned\a\n", "[{", "{oops\n{\"TokenID\":1}\n", "", " \n", "\x00\xff",
		"TokenID,UserID\n" + strings.Repeat("9", 40) + ",1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			oneCleanLine(t, err.Error())
			return
		}
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("Next never returned io.EOF")
			}
			e, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				oneCleanLine(t, err.Error())
				return
			}
			if e.Err != nil {
				oneCleanLine(t, e.Err.Error())
			} else if e.TokenID <= 0 || e.UserID < 0 {
				t.Fatalf("a record without a token was read: %+v", e)
			}
		}
	})
}

func oneCleanLine(t *testing.T, msg string) {
	t.Helper()
	if !utf8.ValidString(msg) {
		t.Fatalf("message is not UTF-8: %q", msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("message holds a control character: %q", msg)
		}
	}
}
