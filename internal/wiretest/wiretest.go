// Package wiretest reads the wire goldens under testdata/wire: exchanges of
// the API contract (docs/api.md) that the client's decoding tests and the
// emulator's encoding tests both check. It only reads files and compares
// JSON; it shares no type with either side, so neither can pass by agreeing
// with the other.
package wiretest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
)

// Exchange is one golden: a request and the answer to it.
type Exchange struct {
	About      string            `json:"about"`
	ClientOnly bool              `json:"client_only"`
	Request    Request           `json:"request"`
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Response   json.RawMessage   `json:"response"`
}

// Request is a golden's request.
type Request struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	As     string          `json:"as"`
	Body   json.RawMessage `json:"body"`
}

// TB is the part of testing.TB the loaders need.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Dir finds testdata/wire from the working directory of a test: the
// module's root is the first parent holding go.mod.
func Dir(t TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("wiretest: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "wire")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("wiretest: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Names lists the goldens, without .json, in order.
func Names(t TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(Dir(t), "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("wiretest: no goldens in %s (%v)", Dir(t), err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	sort.Strings(names)
	return names
}

// Load reads one golden by name (without .json).
func Load(t TB, name string) Exchange {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(Dir(t), name+".json")) //nolint:gosec // a golden file of this repository
	if err != nil {
		t.Fatalf("wiretest: %v", err)
	}
	var x Exchange
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		t.Fatalf("wiretest: %s.json: %v", name, err)
	}
	if x.About == "" || x.Request.Method == "" || x.Request.Path == "" || x.Status == 0 || len(x.Response) == 0 {
		t.Fatalf("wiretest: %s.json lacks about, request.method, request.path, status or response", name)
	}
	return x
}

// Diff compares two JSON documents field for field, numbers by their text,
// and describes each difference by its path (ResponseData.TokenID: want 3,
// got "3"). Keys are compared exactly: a key with the wrong case is a
// missing key and an extra one. An empty result means equal.
func Diff(want, got []byte) []string {
	var w, g any
	if err := unmarshal(want, &w); err != nil {
		return []string{"want is not JSON: " + err.Error()}
	}
	if err := unmarshal(got, &g); err != nil {
		return []string{"got is not JSON: " + err.Error()}
	}
	var out []string
	diff("", w, g, &out)
	return out
}

func unmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func diff(path string, want, got any, out *[]string) {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok && gok {
		keys := map[string]bool{}
		for k := range wm {
			keys[k] = true
		}
		for k := range gm {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, win := wm[k]
			gv, gin := gm[k]
			switch {
			case !gin:
				*out = append(*out, fmt.Sprintf("%s: missing (want %s)", join(path, k), show(wv)))
			case !win:
				*out = append(*out, fmt.Sprintf("%s: not in the contract (got %s)", join(path, k), show(gv)))
			default:
				diff(join(path, k), wv, gv, out)
			}
		}
		return
	}
	wl, wok := want.([]any)
	gl, gok := got.([]any)
	if wok && gok {
		if len(wl) != len(gl) {
			*out = append(*out, fmt.Sprintf("%s: %d items, want %d", orRoot(path), len(gl), len(wl)))
			return
		}
		for i := range wl {
			diff(fmt.Sprintf("%s[%d]", path, i), wl[i], gl[i], out)
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		*out = append(*out, fmt.Sprintf("%s: want %s, got %s", orRoot(path), show(want), show(got)))
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "(the document)"
	}
	return path
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
