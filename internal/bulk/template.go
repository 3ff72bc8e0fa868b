package bulk

import (
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/axero-cli/axero/client"
)

// DefaultNameTemplate names each token after its user and the day of the
// run, e.g. "jdoe-2026-11-26".
const DefaultNameTemplate = "{{.UserName}}-{{.Date}}"

// NameData is what a name template can use.
type NameData struct {
	UserID      int64
	UserName    string
	Email       string
	DisplayName string
	Date        string // the day the run started, UTC, YYYY-MM-DD
}

// NameTemplate renders token names from a Go template.
type NameTemplate struct {
	t         *template.Template
	needsUser bool
}

// ParseNameTemplate compiles text. Its error is one line that names the
// problem.
func ParseNameTemplate(text string) (*NameTemplate, error) {
	t, err := template.New("name").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("invalid --name-template %q: %v", text, strings.TrimPrefix(err.Error(), "template: "))
	}
	// Render once with sample data so that a reference to a field that does
	// not exist fails now, not on every row.
	var b strings.Builder
	if err := t.Execute(&b, NameData{UserID: 1, UserName: "u", Email: "u@example.com", DisplayName: "U", Date: "2006-01-02"}); err != nil {
		return nil, fmt.Errorf("invalid --name-template %q: %v", text, strings.TrimPrefix(err.Error(), "template: "))
	}
	return &NameTemplate{t: t, needsUser: usesUserFields(t.Root)}, nil
}

// NeedsUser reports whether the template uses anything but .UserID and
// .Date. When it does not, a row given by UserID needs no user lookup: the
// create itself says whether the user exists.
func (nt *NameTemplate) NeedsUser() bool { return nt.needsUser }

// Render returns the name for one user, trimmed.
func (nt *NameTemplate) Render(d NameData) (string, error) {
	var b strings.Builder
	if err := nt.t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("the name template failed: %v", strings.TrimPrefix(err.Error(), "template: "))
	}
	return strings.TrimSpace(b.String()), nil
}

// NameDataFor fills NameData from a user record.
func NameDataFor(u *client.User, date string) NameData {
	return NameData{UserID: u.UserID, UserName: u.UserName, Email: u.Email, DisplayName: u.DisplayName, Date: date}
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
