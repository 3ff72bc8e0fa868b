// Package output prints what commands return: an aligned table on a
// terminal, headerless tab-separated lines when piped, or CSV, JSON or YAML on
// request, with an optional jq expression over the JSON.
//
// Everything in a record may come from the server, so the printer treats
// it as hostile. The rule: what reaches a terminal never carries a control
// character or a bidi control; what is piped keeps exact values only in
// the formats that can express them losslessly (JSON and YAML).
//
//   - In the table and in TSV, every cell is shown through
//     textsafe.Terminal: control characters (C0, C1, DEL), bidi controls
//     and invalid UTF-8 are written as visible escapes (\x1b, \u009b,
//     \u202e, \t, \n), never raw, so a token name cannot retitle the
//     window, clear the screen, reorder a line or break it into two
//     records.
//   - In CSV (-o csv), every cell but the header is passed through
//     textsafe.CSVCell: a cell that begins with =, +, -, @, a tab or a
//     carriage return gets a leading single quote, as OWASP recommends
//     against CSV injection, so a spreadsheet shows it as text instead of
//     evaluating it. A cell that already begins with a quote before one of
//     those characters gets one more, so textsafe.CSVUncell restores every
//     value that holds no control character exactly. The CSV then goes
//     through textsafe.CSVEscaper, which shows control and bidi characters
//     escaped as TSV does, on a terminal or not: CSV has no lossless form
//     for them that survives a terminal.
//   - JSON keeps the exact values, with JSON's own escapes for what a
//     terminal must not see raw, DEL, C1 and bidi controls included
//     (textsafe.JSON; encoding/json escapes only C0). YAML keeps them too:
//     its encoder escapes control characters, and bidi controls are
//     written as \u escapes in double-quoted strings.
//   - A --jq result that is a string is printed bare, as `jq -r` does,
//     through textsafe.Lines: escaped as in TSV except for its tabs and
//     line feeds, which lay the string out.
package output

import (
	"strings"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"

	"github.com/axero-cli/axero/internal/usage"
)

// Output formats.
const (
	FormatTable = "table"
	FormatJSON  = "json"
	FormatYAML  = "yaml"
	FormatCSV   = "csv"
)

// AllFormats are the formats a command that prints records offers unless it
// says otherwise.
var AllFormats = []string{FormatTable, FormatJSON, FormatYAML, FormatCSV}

// Options are the values of -o/--output and --jq.
type Options struct {
	Format string // "" means table
	JQ     string // a jq expression over the JSON form; implies json
}

// AddFlags binds -o/--output (completing the allowed formats) and --jq to o.
// With no formats given, every format is allowed.
func AddFlags(cmd *cobra.Command, o *Options, formats ...string) {
	if len(formats) == 0 {
		formats = AllFormats
	}
	cmd.Flags().StringVarP(&o.Format, "output", "o", "", "output format: "+strings.Join(formats, ", "))
	cmd.Flags().StringVar(&o.JQ, "jq", "", "filter the JSON output with a jq `expression` (implies -o json)")
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return formats, cobra.ShellCompDirectiveNoFileComp
	})
}

// EffectiveFormat is the format Print will use: json when --jq is given,
// table when nothing is.
func (o Options) EffectiveFormat() string {
	f := strings.ToLower(strings.TrimSpace(o.Format))
	if f == "" {
		if o.JQ != "" {
			return FormatJSON
		}
		return FormatTable
	}
	return f
}

// Validate checks the format against the allowed ones (every format when
// none are given) and that a --jq expression parses and goes with JSON. Its
// errors are usage errors (exit 2).
func (o Options) Validate(allowed ...string) error {
	if len(allowed) == 0 {
		allowed = AllFormats
	}
	f := o.EffectiveFormat()
	ok := false
	for _, a := range allowed {
		if f == a {
			ok = true
			break
		}
	}
	if !ok {
		if strings.TrimSpace(o.Format) == "" {
			return usage.Errorf("--jq needs JSON output, which this command does not offer")
		}
		return usage.Errorf("unknown output format %q: want one of %s", o.Format, strings.Join(allowed, ", "))
	}
	if o.JQ != "" {
		if f != FormatJSON {
			return usage.Errorf("--jq works only with JSON output, not -o %s", f)
		}
		if _, err := compileJQ(o.JQ); err != nil {
			return usage.Wrap(err)
		}
	}
	return nil
}

// compileJQ parses and compiles a jq expression, with errors that name it.
func compileJQ(expr string) (*gojq.Code, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, jqError("invalid --jq expression", err)
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, jqError("invalid --jq expression", err)
	}
	return code, nil
}
