package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/axero-cli/axero/internal/textsafe"
)

// writeYAML converts a JSON document to YAML. It walks the JSON tokens
// itself instead of going through map[string]any so that keys keep the
// order of the JSON (TokenID before Name, as in the API), and the YAML
// keys match the JSON ones exactly.
//
// The YAML encoder escapes control characters itself but writes bidi
// controls raw, which would let a name reorder what the terminal shows. A
// string holding one is written double-quoted, the one YAML style with
// escapes, and the control is then replaced by its \u escape: the value
// stays exact.
func writeYAML(w io.Writer, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	node, err := yamlNode(dec)
	if err != nil {
		return fmt.Errorf("converting JSON to YAML: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(node); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = w.Write(escapeBidi(buf.Bytes()))
	return err
}

// stringNode is a YAML string scalar, double-quoted when it holds a bidi
// control, so that escapeBidi may escape it.
func stringNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.ContainsFunc(s, textsafe.IsBidiControl) {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// escapeBidi replaces every bidi control in a YAML document by its \u
// escape. stringNode has put each of them inside a double-quoted scalar,
// where the escape means the same character.
func escapeBidi(doc []byte) []byte {
	if !bytes.ContainsFunc(doc, textsafe.IsBidiControl) {
		return doc
	}
	var out bytes.Buffer
	for len(doc) > 0 {
		r, size := utf8.DecodeRune(doc)
		if textsafe.IsBidiControl(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(doc[:size])
		}
		doc = doc[size:]
	}
	return out.Bytes()
}

func yamlNode(dec *json.Decoder) (*yaml.Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				v, err := yamlNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, stringNode(key), v)
			}
			_, err := dec.Token() // the closing brace
			return n, err
		case '[':
			n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for dec.More() {
				v, err := yamlNode(dec)
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
			_, err := dec.Token() // the closing bracket
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return stringNode(t), nil
	case json.Number:
		tag := "!!int"
		if _, err := t.Int64(); err != nil {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: t.String()}, nil
	case bool:
		v := "false"
		if t {
			v = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: v}, nil
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}
