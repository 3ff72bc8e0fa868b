package bulk

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A binary --from file is refused without its bytes reaching the message.
func TestBinaryInputIsNotEchoed(t *testing.T) {
	for name, text := range map[string]string{
		"NUL in header":     "user\x00\x01\x02,\x1b]0;pwned\a\n1\n",
		"invalid UTF-8":     "us\xff\xfeer,x\n1\n",
		"escape, no user":   "email,\x1b]0;pwned\a" + strings.Repeat("A", 5000) + "\n",
		"ELF-ish, no user":  "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 300) + "\n",
		"long header, junk": strings.Repeat("z", 100000) + "\n",
	} {
		_, err := NewInput(strings.NewReader(text), "users.bin")
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\x00\x1b\a\n") || !utf8.ValidString(msg) || len(msg) > 200 || !strings.HasPrefix(msg, "users.bin") {
			t.Errorf("%s: message %q (%d bytes)", name, msg, len(msg))
		}
	}
}

func TestBinaryRowIsNotEchoed(t *testing.T) {
	_, rows := readAll(t, "user\nok\nbad\x00\x1b[2J\nbad\xff\n")
	if len(rows) != 3 || rows[0].Err != nil {
		t.Fatalf("%+v", rows)
	}
	for _, r := range rows[1:] {
		if r.Err == nil || strings.ContainsAny(r.Err.Error(), "\x00\x1b") || !utf8.ValidString(r.Err.Error()) || !strings.Contains(r.Err.Error(), "is not text") {
			t.Errorf("row error %v", r.Err)
		}
	}
}

func TestBriefQuote(t *testing.T) {
	if got := briefQuote("a\x1bb"); got != `"a\x1bb"` {
		t.Fatal(got)
	}
	long := strings.Repeat("é", 100)
	if got := briefQuote(long); !strings.HasSuffix(got, `"…`) || len(got) > maxQuoted+8 || strings.ContainsRune(got, '\uFFFD') {
		t.Fatal(got)
	}
}

func TestOverlongFieldIsARowError(t *testing.T) {
	_, rows := readAll(t, "user\n"+strings.Repeat("x", maxField+1)+"\nok\n")
	if len(rows) != 2 || rows[0].Err == nil || len(rows[0].Err.Error()) > 100 || rows[1].User != "ok" {
		t.Fatalf("%+v", rows)
	}
}
