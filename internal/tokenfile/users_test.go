package tokenfile

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/axero-cli/axero/internal/usage"
)

func readUsers(t *testing.T, text string) (*Users, []UserRow) {
	t.Helper()
	in, err := NewUsers(iotest.OneByteReader(strings.NewReader(text)), "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []UserRow
	for {
		r, err := in.Next()
		if errors.Is(err, io.EOF) {
			return in, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
}

func TestUsersTolerance(t *testing.T) {
	t.Parallel()
	text := "\ufeff Name ,USER,Expires,team\r\n" +
		"\r\n" +
		"x, jdoe ,30d,a\r\n" +
		"  \"Jane, Doe\" , \"j@example.com\"\t, \"1y\" ,\"b \"\"q\"\"\"\r\n" +
		"\n" +
		",42\n" +
		"last,7"
	in, rows := readUsers(t, text)
	if got := strings.Join(in.Header(), "|"); got != "name|user|expires|team" {
		t.Fatalf("header %q", got)
	}
	want := []UserRow{
		{Line: 3, User: "jdoe", Name: "x", Expires: "30d"},
		{Line: 4, User: "j@example.com", Name: "Jane, Doe", Expires: "1y"},
		{Line: 6, User: "42"},
		{Line: 7, User: "7", Name: "last"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows: %+v", len(rows), rows)
	}
	for i, w := range want {
		g := rows[i]
		if g.Err != nil || g.Line != w.Line || g.User != w.User || g.Name != w.Name || g.Expires != w.Expires {
			t.Errorf("row %d: got %+v, want %+v", i, g, w)
		}
	}
	if rows[1].Fields[3] != `b "q"` {
		t.Errorf("escaped quotes: %q", rows[1].Fields[3])
	}
}

func TestUsersBadRowsDoNotStopTheReading(t *testing.T) {
	t.Parallel()
	_, rows := readUsers(t, "user\nab\"c\nok\n")
	if len(rows) != 2 || rows[0].Err == nil || !strings.Contains(rows[0].Err.Error(), "line 2") || rows[1].User != "ok" {
		t.Fatalf("%+v", rows)
	}
}

func TestUsersFileErrors(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"":                "test.csv is empty",
		"\ufeff":          "test.csv is empty",
		"email,name\nx,y": `test.csv has no "user" column in its header row (found: email, name)`,
	} {
		_, err := NewUsers(strings.NewReader(text), "test.csv")
		var ie *usage.Error
		if !errors.As(err, &ie) || !ie.Usage() || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}

// A failed file that axero wrote reads back as the rows that failed; any
// other file is read as written.
func TestUsersUndoTheNeutralisationOfAFailedFileOnly(t *testing.T) {
	t.Parallel()
	_, rows := readUsers(t, "user,reason\n'=cmd,why\n")
	if rows[0].User != "=cmd" {
		t.Errorf("failed file: user %q, want =cmd", rows[0].User)
	}
	_, rows = readUsers(t, "user\n'=cmd\n")
	if rows[0].User != "'=cmd" {
		t.Errorf("hand-written file: user %q, want '=cmd", rows[0].User)
	}
}

// A binary --from file is refused without its bytes reaching the message.
func TestBinaryUsersFileIsNotEchoed(t *testing.T) {
	t.Parallel()
	for name, text := range map[string]string{
		"NUL in header":     "user\x00\x01\x02,\x1b]0;pwned\a\n1\n",
		"invalid UTF-8":     "us\xff\xfeer,x\n1\n",
		"escape, no user":   "email,\x1b]0;pwned\a" + strings.Repeat("A", 5000) + "\n",
		"ELF-ish, no user":  "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 300) + "\n",
		"long header, junk": strings.Repeat("z", 100000) + "\n",
	} {
		_, err := NewUsers(strings.NewReader(text), "users.bin")
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
	t.Parallel()
	_, rows := readUsers(t, "user\nok\nbad\x00\x1b[2J\nbad\xff\n")
	if len(rows) != 3 || rows[0].Err != nil {
		t.Fatalf("%+v", rows)
	}
	for _, r := range rows[1:] {
		if r.Err == nil || strings.ContainsAny(r.Err.Error(), "\x00\x1b") || !utf8.ValidString(r.Err.Error()) || !strings.Contains(r.Err.Error(), "is not text") {
			t.Errorf("row error %v", r.Err)
		}
	}
}

func TestOverlongFieldIsARowError(t *testing.T) {
	t.Parallel()
	_, rows := readUsers(t, "user\n"+strings.Repeat("x", maxUserField+1)+"\nok\n")
	if len(rows) != 2 || rows[0].Err == nil || len(rows[0].Err.Error()) > 100 || rows[1].User != "ok" {
		t.Fatalf("%+v", rows)
	}
}

// Peek shows the next row without taking it, also at the end.
func TestUsersPeek(t *testing.T) {
	t.Parallel()
	in, err := NewUsers(strings.NewReader("user\njdoe\n42\n"), "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"jdoe", "jdoe"} {
		if r, err := in.Peek(); err != nil || r.User != want {
			t.Fatalf("Peek = %q, %v", r.User, err)
		}
	}
	for _, want := range []string{"jdoe", "42"} {
		if r, err := in.Next(); err != nil || r.User != want {
			t.Fatalf("Next = %q, %v", r.User, err)
		}
	}
	if _, err := in.Peek(); !errors.Is(err, io.EOF) {
		t.Fatalf("Peek at the end: %v", err)
	}
	if _, err := in.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("Next at the end: %v", err)
	}
}
