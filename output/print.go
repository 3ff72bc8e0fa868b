package output

import (
	"fmt"

	"github.com/axero-cli/axero/internal/iostreams"
)

// Print writes records in the chosen format. data is what json, yaml and
// --jq see: it goes through encoding/json, so JSON tags name the keys, and
// YAML is made from that JSON so both use the same keys. table builds the
// table and CSV forms; tty says whether stdout is a terminal (relative
// times and colour allowed) or not (RFC 3339 and plain words), and is
// false for CSV, which is always for machines. With a nil table, the
// table and CSV forms fall back to JSON.
func Print(ios *iostreams.IOStreams, o Options, data any, table func(tty bool) TableData) error {
	tty := ios.IsStdoutTTY()
	f := o.EffectiveFormat()
	if table == nil && (f == FormatTable || f == FormatCSV) {
		// A record with no table form (a single object) reads well as
		// JSON; better that than no output at all.
		f = FormatJSON
	}
	switch f {
	case FormatJSON:
		return PrintJSON(ios, data, o.JQ)
	case FormatYAML:
		raw, err := toJSON(data)
		if err != nil {
			return err
		}
		return writeYAML(ios.Out, raw)
	case FormatCSV:
		return writeCSV(ios.Out, table(false))
	case FormatTable:
		if tty {
			return writeAligned(ios.Out, table(true), ios.TerminalWidth())
		}
		return writeTSV(ios.Out, table(false))
	default:
		return fmt.Errorf("unknown output format %q", f)
	}
}
