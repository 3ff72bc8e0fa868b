package delivery

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/axero-cli/axero/internal/nametemplate"
)

// The name-template engine of the bulk commands (bounded output, no
// {{range}}, fields checked at parse time) renders sink templates too.
// It is reached only through these two functions, so that its import
// lives in one place.
type nameTemplate = nametemplate.Template

func parseNameTemplate(text string) (*nameTemplate, error) { return nametemplate.Parse(text) }

func renderName(t *nameTemplate, r Row) (string, error) {
	return t.Render(nametemplate.Data{UserID: r.UserID, UserName: r.UserName, Email: r.Email, DisplayName: r.DisplayName, Date: r.Date})
}

// Row is what a sink template can use: the row's user.
type Row struct {
	UserID      int64
	UserName    string
	Email       string
	DisplayName string
	Date        string // the day the run started, UTC, YYYY-MM-DD
}

// Template is a sink string that may hold {{.UserName}}, {{.UserID}},
// {{.Email}} (and the other fields of a name template), rendered per row
// of a bulk run.
type Template struct {
	text string
	t    *nameTemplate // nil when text has no action
}

// ParseTemplate compiles a sink string of a bulk command.
func ParseTemplate(text string) (*Template, error) {
	if !strings.Contains(text, "{{") {
		return &Template{text: text}, nil
	}
	t, err := parseNameTemplate(text)
	if err != nil {
		// The engine speaks of --name-template; this is a sink.
		msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid --name-template %q: ", text))
		return nil, fmt.Errorf("invalid sink template %q: %s", text, msg)
	}
	return &Template{text: text, t: t}, nil
}

// String is the template as written.
func (t *Template) String() string { return t.text }

// Render returns the sink string for one row. A field that would change
// the meaning of the sink string rather than fill a place in it (a '/',
// '#', '?', a space, a control character, "..") is refused: fields come
// from the server, and a user named "../x" must not reach another path.
func (t *Template) Render(r Row) (string, error) {
	if t.t == nil {
		return t.text, nil
	}
	for _, f := range []struct{ name, v string }{{"UserName", r.UserName}, {"Email", r.Email}, {"DisplayName", r.DisplayName}} {
		if f.v != "" && strings.Contains(t.text, "."+f.name) && !safeField(f.v) {
			return "", fmt.Errorf("the user's %s %q cannot be put into a sink: it holds characters that would change the sink's meaning", f.name, oneLine(f.v))
		}
	}
	s, err := renderName(t.t, r)
	if err != nil {
		return "", fmt.Errorf("sink template %q: %w", t.text, err)
	}
	return s, nil
}

// safeField accepts letters, digits and ". _ - @ +", but not a value that
// is only dots.
func safeField(v string) bool {
	if strings.Trim(v, ".") == "" {
		return false
	}
	for _, r := range v {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-@+", r) {
			continue
		}
		return false
	}
	return !strings.Contains(v, "..")
}
