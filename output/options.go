// Package output prints what commands return: an aligned table on a
// terminal, headerless tab-separated lines when piped, or CSV, JSON or YAML on
// request, with an optional jq expression over the JSON.
//
// Everything in a record may come from the server, so the printer treats
// it as hostile:
//
//   - In the table and in TSV, every cell is shown through
//     textsafe.Terminal: control characters (C0, C1, DEL) and invalid UTF-8
//     are written as visible escapes (\x1b, \u009b, \t, \n), never raw, so a
//     token name cannot retitle the window, clear the screen or break a
//     line into two records.
//   - In CSV (-o csv), every cell but the header is passed through
//     textsafe.CSVCell: a cell that begins with =, +, -, @, a tab or a
//     carriage return gets a leading single quote, as OWASP recommends
//     against CSV injection, so a spreadsheet shows it as text instead of
//     evaluating it. A cell that already begins with a quote before one of
//     those characters gets one more, so textsafe.CSVUncell restores every
//     value exactly.
//   - JSON and YAML keep the exact values; their encoders escape what needs
//     escaping.
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
