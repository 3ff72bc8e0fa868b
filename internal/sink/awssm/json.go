package awssm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The value of a #JSONKEY sink is a JSON object. Only its key is set; the
// others are kept as they were written (order, spelling of numbers), so
// that a consumer reading other keys sees no change.

// errNotObject: the secret's value is not a JSON object.
var errNotObject = errors.New("the secret's current value is not a JSON object")

// member is one key and its value, as written.
type member struct {
	key   string
	value json.RawMessage
}

// decodeObject reads a JSON object, keeping its members in order.
func decodeObject(text string) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, errNotObject
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotObject
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errNotObject
		}
		out = append(out, member{key, raw})
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errNotObject
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errNotObject
	}
	return out, nil
}

// setKey returns the object text with key set to the string value (every
// occurrence, should the key be there twice), or added at the end.
func setKey(text, key, value string) (string, error) {
	members, err := decodeObject(text)
	if err != nil {
		return "", err
	}
	encoded, err := marshalString(value)
	if err != nil {
		return "", err
	}
	found := false
	for i := range members {
		if members[i].key == key {
			members[i].value = encoded
			found = true
		}
	}
	if !found {
		members = append(members, member{key, encoded})
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshalString(m.key)
		if err != nil {
			return "", err
		}
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, m.value); err != nil {
			return "", err
		}
	}
	b.WriteByte('}')
	return b.String(), nil
}

// getKey reads the string value of key from the object text.
func getKey(text, key string) (string, error) {
	members, err := decodeObject(text)
	if err != nil {
		return "", err
	}
	value, found := "", false
	for _, m := range members {
		if m.key != key {
			continue
		}
		if err := json.Unmarshal(m.value, &value); err != nil {
			return "", fmt.Errorf("the key %q does not hold a string", key)
		}
		found = true
	}
	if !found {
		return "", fmt.Errorf("the key %q is missing", key)
	}
	return value, nil
}

// marshalString is s as a JSON string, with <, > and & as they are.
func marshalString(s string) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
