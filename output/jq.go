package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/itchyny/gojq"

	"github.com/axero-cli/axero/internal/textsafe"
)

// runJQ applies expr to the JSON document raw and writes each result: a
// string raw on its own line (as gh and `jq -r` do, so that scripts can
// read IDs and names directly), anything else as JSON, indented when
// pretty (and coloured when color allows).
//
// A bare string cannot carry a control character losslessly, on a
// terminal or in a pipe, so it goes through textsafe.Lines whether stdout
// is a terminal or not: escape sequences, C1 and bidi controls and lone
// carriage returns are shown escaped, while the tabs and line feeds that
// lay the string out (`@tsv`, "\(.a)\t\(.b)") stay. The exact value is one
// `@json` or `tojson` away. JSON results escape what they must with
// JSON's own escapes (textsafe.JSON).
func runJQ(w io.Writer, raw []byte, expr string, pretty, color bool) error {
	code, err := compileJQ(expr)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var input any
	if err := dec.Decode(&input); err != nil {
		return fmt.Errorf("--jq needs a JSON document: %s", textsafe.OneLine(err.Error()))
	}
	iter := code.Run(input)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			return jqError("jq", err)
		}
		if s, isString := v.(string); isString {
			if _, err := fmt.Fprintln(w, textsafe.Lines(s)); err != nil {
				return err
			}
			continue
		}
		b, err := gojq.Marshal(v)
		if err != nil {
			return jqError("jq", err)
		}
		b = textsafe.JSON(b)
		if pretty {
			var buf bytes.Buffer
			if json.Indent(&buf, b, "", "  ") == nil {
				b = buf.Bytes()
				if color {
					b = colorizeJSON(b)
				}
			}
		}
		if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
			return err
		}
	}
}

// jqError makes a gojq error one line, prefixed so users know where it
// came from.
func jqError(prefix string, err error) error {
	return fmt.Errorf("%s: %s", prefix, textsafe.OneLine(err.Error()))
}
