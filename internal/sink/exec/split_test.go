package exec

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitLikeAShell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"kubectl apply -f -", []string{"kubectl", "apply", "-f", "-"}},
		{"  gh   secret\tset  NAME ", []string{"gh", "secret", "set", "NAME"}},
		{`sh -c 'cat > "$HOME/t" | wc -c; echo $1'`, []string{"sh", "-c", `cat > "$HOME/t" | wc -c; echo $1`}},
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`"a\"b" "c\\d" "e\f"`, []string{`a"b`, `c\d`, `e\f`}},
		{`a\ b c\'d`, []string{"a b", "c'd"}},
		{`x'y'"z"`, []string{"xyz"}},
		{`'' ""`, []string{"", ""}},
		{"a \\\nb", []string{"a", "b"}},
		{`vault kv put secret/x token=-`, []string{"vault", "kv", "put", "secret/x", "token=-"}},
		{`a#b c~d '#' '~' "*?[]"`, []string{"a#b", "c~d", "#", "~", "*?[]"}},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := split(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSplitRefusesWhatAShellWouldInterpret(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"kubectl apply -f - | tee log", `"|" at byte 20 is unquoted`},
		{"cmd > out", `">"`},
		{"cmd && other", `"&"`},
		{"cmd; other", `";"`},
		{"echo $HOME", `"$"`},
		{"echo `id`", "\"`\""},
		{`echo "$HOME"`, `"$" at byte 7 is inside double quotes`},
		{"ls *.env", `"*"`},
		{"cmd # comment", `"#"`},
		{"cat ~/x", `"~"`},
		{"(sub)", `"("`},
		{`a 'open`, "never closed"},
		{`a "open`, "never closed"},
		{`a \`, "lone backslash"},
	}
	for _, tt := range tests {
		_, err := split(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("split(%q) = %v, want an error saying %s", tt.in, err, tt.want)
		}
	}
}

// FuzzSplit: splitting never panics, and words that are quoted back
// split to themselves.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"a b", `'x y' "z\"w"`, `a\ b`, "a\\\nb", `"$"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := split(line)
		if err != nil {
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
		again, err := split(strings.Join(quoted, " "))
		if err != nil || !slices.Equal(again, words) {
			t.Fatalf("%q split to %q; quoted back, to %q, %v", line, words, again, err)
		}
	})
}
