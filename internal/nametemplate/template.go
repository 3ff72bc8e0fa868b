// Package nametemplate names the tokens of a bulk run from a Go template
// over each user's fields (--name-template).
package nametemplate

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/textsafe"
)

// Default names each token after its user and the day of the
// run, e.g. "jdoe-2026-11-26".
const Default = "{{.UserName}}-{{.Date}}"

// MaxRenderedName bounds what a name template may produce, in bytes: far
// more than the 100 characters a token name may have, so that the server
// still says what is wrong with a long name, yet small enough that a
// template cannot make the client build megabytes per row.
const MaxRenderedName = 4096

// errNameTooLong stops a rendering that passed MaxRenderedName.
var errNameTooLong = fmt.Errorf("the name template produced more than %d bytes", MaxRenderedName)

// Data is what a name template can use.
type Data struct {
	UserID      int64
	UserName    string
	Email       string
	DisplayName string
	Date        string // the day the run started, UTC, YYYY-MM-DD
}

// Template renders token names from a Go template.
type Template struct {
	t         *template.Template
	needsUser bool
}

// Parse compiles text. Its error is one line that names the
// problem.
func Parse(text string) (*Template, error) {
	t, err := template.New("name").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid --name-template %q: %v", text, templateErrText(err))
	}
	// A name needs no loop, and a loop over a large number would run for
	// ages on every row without writing a byte.
	for _, tt := range t.Templates() {
		if tt.Tree != nil && hasRange(tt.Root) {
			return nil, fmt.Errorf("invalid --name-template %q: {{range}} is not supported in a name template", text)
		}
	}
	// Render once with sample data so that a reference to a field that does
	// not exist fails now, not on every row.
	b := &limitedBuilder{}
	if err := t.Execute(b, Data{UserID: 1, UserName: "u", Email: "u@example.com", DisplayName: "U", Date: "2006-01-02"}); err != nil {
		return nil, fmt.Errorf("invalid --name-template %q: %v", text, templateErrText(err))
	}
	return &Template{t: t, needsUser: usesUserFields(t.Root)}, nil
}

// NeedsUser reports whether the template uses anything but .UserID and
// .Date. When it does not, a row given by UserID needs no user lookup: the
// create itself says whether the user exists.
func (nt *Template) NeedsUser() bool { return nt.needsUser }

// Render returns the name for one user, trimmed.
func (nt *Template) Render(d Data) (string, error) {
	b := &limitedBuilder{}
	if err := nt.t.Execute(b, d); err != nil {
		if errors.Is(err, errNameTooLong) {
			return "", errNameTooLong
		}
		return "", fmt.Errorf("the name template failed: %v", templateErrText(err))
	}
	return strings.TrimSpace(b.String()), nil
}

// limitedBuilder is a strings.Builder that refuses to grow past
// MaxRenderedName, which stops the template's execution.
type limitedBuilder struct{ strings.Builder }

func (b *limitedBuilder) Write(p []byte) (int, error) {
	if b.Len()+len(p) > MaxRenderedName {
		return 0, errNameTooLong
	}
	return b.Builder.Write(p)
}

// templateErrText is a text/template error as one line: the parser quotes
// the offending template text raw, control characters included, so they
// are shown escaped.
func templateErrText(err error) string {
	return textsafe.Terminal(textsafe.OneLine(strings.TrimPrefix(err.Error(), "template: ")))
}

// hasRange reports whether a template tree, or any template it defines,
// contains a {{range}}.
func hasRange(n parse.Node) bool {
	found := false
	walkTemplate(n, func(n parse.Node) {
		if _, ok := n.(*parse.RangeNode); ok {
			found = true
		}
	})
	return found
}

// walkTemplate calls fn on n and every node below it.
func walkTemplate(n parse.Node, fn func(parse.Node)) {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return
	}
	fn(n)
	switch n := n.(type) {
	case *parse.ListNode:
		for _, c := range n.Nodes {
			walkTemplate(c, fn)
		}
	case *parse.IfNode:
		walkTemplate(n.List, fn)
		walkTemplate(n.ElseList, fn)
	case *parse.RangeNode:
		walkTemplate(n.List, fn)
		walkTemplate(n.ElseList, fn)
	case *parse.WithNode:
		walkTemplate(n.List, fn)
		walkTemplate(n.ElseList, fn)
	}
}

// For fills Data from a user record.
func For(u *client.User, date string) Data {
	return Data{UserID: u.UserID, UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName, Date: date}
}

// usesUserFields walks a template tree and reports whether anything in it
// could read a field other than UserID or Date: any other field, or the
// whole dot (as in {{printf "%v" .}}), counts.
func usesUserFields(n parse.Node) bool {
	switch n := n.(type) {
	case nil:
		return false
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if usesUserFields(c) {
				return true
			}
		}
	case *parse.ActionNode:
		return usesUserFields(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			if usesUserFields(c) {
				return true
			}
		}
	case *parse.CommandNode:
		for _, a := range n.Args {
			if usesUserFields(a) {
				return true
			}
		}
	case *parse.FieldNode:
		return len(n.Ident) == 0 || (n.Ident[0] != "UserID" && n.Ident[0] != "Date")
	case *parse.DotNode, *parse.ChainNode, *parse.VariableNode:
		// A variable may hold the dot ($ always does); be conservative.
		return true
	case *parse.IfNode:
		return usesUserFields(n.Pipe) || usesUserFields(n.List) || usesUserFields(n.ElseList)
	case *parse.RangeNode:
		return usesUserFields(n.Pipe) || usesUserFields(n.List) || usesUserFields(n.ElseList)
	case *parse.WithNode:
		return usesUserFields(n.Pipe) || usesUserFields(n.List) || usesUserFields(n.ElseList)
	case *parse.TemplateNode:
		return true
	}
	return false
}
