package bulk

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, text string) (*Input, []Row) {
	t.Helper()
	in, err := NewInput(iotest.OneByteReader(strings.NewReader(text)), "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []Row
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

func TestInputTolerance(t *testing.T) {
	text := "\ufeff Name ,USER,Expires,team\r\n" +
		"\r\n" +
		"x, jdoe ,30d,a\r\n" +
		"  \"Jane, Doe\" , \"j@example.com\"\t, \"1y\" ,\"b \"\"q\"\"\"\r\n" +
		"\n" +
		",42\n" +
		"last,7"
	in, rows := readAll(t, text)
	if got := strings.Join(in.Header(), "|"); got != "name|user|expires|team" {
		t.Fatalf("header %q", got)
	}
	want := []Row{
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

func TestInputBadRowsDoNotStopTheReading(t *testing.T) {
	_, rows := readAll(t, "user\nab\"c\nok\n")
	if len(rows) != 2 || rows[0].Err == nil || !strings.Contains(rows[0].Err.Error(), "line 2") || rows[1].User != "ok" {
		t.Fatalf("%+v", rows)
	}
}

func TestInputFileErrors(t *testing.T) {
	for text, want := range map[string]string{
		"":                "test.csv is empty",
		"\ufeff":          "test.csv is empty",
		"email,name\nx,y": `test.csv has no "user" column in its header row (found: email, name)`,
	} {
		_, err := NewInput(strings.NewReader(text), "test.csv")
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", text, err, want)
		}
	}
}

func TestUserKey(t *testing.T) {
	same := [][2]string{{"042", "42"}, {" JDoe ", "jdoe"}, {"A@Example.com", "a@example.com"}}
	for _, p := range same {
		if UserKey(p[0]) != UserKey(p[1]) {
			t.Errorf("%q and %q should be one user", p[0], p[1])
		}
	}
	if UserKey("42") == UserKey("user42") {
		t.Error("different users share a key")
	}
}

func TestNameTemplate(t *testing.T) {
	cases := map[string]bool{
		"{{.UserID}}-{{.Date}}":               false,
		"fixed":                               false,
		"{{.UserName}}":                       true,
		"{{if .UserID}}{{.Email}}{{end}}":     true,
		`{{printf "%v" .}}`:                   true,
		"{{with $x := .UserID}}{{$x}}{{end}}": true,
	}
	for text, needs := range cases {
		nt, err := ParseNameTemplate(text)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if nt.NeedsUser() != needs {
			t.Errorf("%q: NeedsUser %v, want %v", text, nt.NeedsUser(), needs)
		}
	}
	nt, _ := ParseNameTemplate(DefaultNameTemplate)
	got, err := nt.Render(NameData{UserID: 7, UserName: "jdoe", Date: "2026-11-26"})
	if err != nil || got != "jdoe-2026-11-26" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"{{.Nope}}", "{{.UserID", "{{template \"x\"}}"} {
		if _, err := ParseNameTemplate(bad); err == nil || !strings.HasPrefix(err.Error(), "invalid --name-template") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
