package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/axero-cli/axero/internal/iostreams"
	"github.com/axero-cli/axero/internal/textsafe"
)

// PrintJSON writes v as JSON: indented with two spaces on a terminal,
// compact when piped, so that people read it and scripts get one line. v may
// be raw JSON ([]byte or json.RawMessage), whose key order is kept, or any
// value that encoding/json can marshal. With a jq expression, its results
// are printed instead.
func PrintJSON(ios *iostreams.IOStreams, v any, jq string) error {
	raw, err := toJSON(v)
	if err != nil {
		return err
	}
	pretty := ios.IsStdoutTTY()
	if jq != "" {
		return runJQ(ios.Out, raw, jq, pretty, ios.ColorEnabled())
	}
	return writeJSON(ios.Out, raw, pretty, ios.ColorEnabled())
}

// toJSON marshals v without escaping <, > and &, which would make names
// and URLs harder to read for no benefit outside HTML.
func toJSON(v any) ([]byte, error) {
	switch b := v.(type) {
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding JSON: %w", err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeJSON reformats a JSON document and ends it with a newline, coloured
// when pretty and color allow it. Strings keep their exact values but
// carry DEL, C1 and bidi controls as \u escapes (textsafe.JSON), which
// encoding/json and most servers leave raw. A body that is not valid JSON
// (a server's error page) is written as it is when piped, and with its
// control characters escaped on a terminal (pretty).
func writeJSON(w io.Writer, raw []byte, pretty, color bool) error {
	var buf bytes.Buffer
	var err error
	if pretty {
		err = json.Indent(&buf, raw, "", "  ")
	} else {
		err = json.Compact(&buf, raw)
	}
	out := buf.Bytes()
	switch {
	case err != nil && pretty:
		out = []byte(textsafe.Lines(string(raw)))
	case err != nil:
		out = raw
	case pretty && color:
		out = colorizeJSON(textsafe.JSON(out))
	default:
		out = textsafe.JSON(out)
	}
	if len(out) == 0 || out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	_, err = w.Write(out)
	return err
}
