package delivery

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/axero-cli/axero/internal/sink/sinkspec"
)

// MaxSinksFile bounds a --sinks file: a list of sink strings is small,
// and a file that is not can only be a mistake.
const MaxSinksFile = 256 << 10

// optionSchemes are the kinds of sink that take query options; the
// others (a path, a command line, a secret ID) would read a '?' as part of
// what they name.
var optionSchemes = map[string]bool{"github": true, "gitlab": true, "vault": true}

// LoadSinksFile reads a --sinks file: a YAML list whose items are either
// a sink string or a map with the sink string under `to` and its options
// beside it:
//
//   - vault:secret/ci/axero#token
//   - to: gitlab:project/acme/api#AXERO_TOKEN
//     masked: true
//     environment_scope: production
//
// An option given both in the string and in the map is an error, as is a
// key that is not a scalar. The file is read only if it is a regular file
// (never through a symbolic link) of at most MaxSinksFile bytes.
func LoadSinksFile(path string) ([]string, error) {
	data, err := readInputFile(path, MaxSinksFile)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("--sinks %s: not valid YAML: %s", path, oneLine(err.Error()))
	}
	if doc.Kind == 0 || (doc.Kind == yaml.DocumentNode && len(doc.Content) == 0) {
		return nil, fmt.Errorf("--sinks %s is empty: want a list of sinks", path)
	}
	list := &doc
	if doc.Kind == yaml.DocumentNode {
		list = doc.Content[0]
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("--sinks %s: want a list of sinks (lines starting with '- '), line %d", path, list.Line)
	}
	specs := make([]string, 0, len(list.Content))
	for _, item := range list.Content {
		spec, err := sinkItem(item)
		if err != nil {
			return nil, fmt.Errorf("--sinks %s, line %d: %w", path, item.Line, err)
		}
		specs = append(specs, spec)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("--sinks %s lists no sinks", path)
	}
	return specs, nil
}

// sinkItem reads one item of the list.
func sinkItem(n *yaml.Node) (string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" {
			return "", fmt.Errorf("want a sink string, got %q", oneLine(n.Value))
		}
		return n.Value, nil
	case yaml.MappingNode:
	default:
		return "", errors.New("want a sink string or a map with `to:`")
	}
	var to string
	hasTo := false
	opts := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return "", errors.New("a key is not a plain word")
		}
		if v.Kind != yaml.ScalarNode {
			return "", fmt.Errorf("the value of %q is not a single value", k.Value)
		}
		if k.Value == "to" {
			if hasTo {
				return "", errors.New("`to` is given twice")
			}
			to, hasTo = v.Value, true
			continue
		}
		if _, dup := opts[k.Value]; dup {
			return "", fmt.Errorf("option %q is given twice", k.Value)
		}
		opts[k.Value] = v.Value
	}
	if !hasTo || strings.TrimSpace(to) == "" {
		return "", errors.New("a map item needs `to: SINK`")
	}
	return withOptions(to, opts)
}

// withOptions adds opts to the query options of the sink string spec.
func withOptions(spec string, opts map[string]string) (string, error) {
	if len(opts) == 0 {
		return spec, nil
	}
	scheme, rest, _ := strings.Cut(spec, ":")
	if !optionSchemes[strings.ToLower(scheme)] {
		return "", fmt.Errorf("%s sinks take no options", scheme)
	}
	sp, err := sinkspec.Parse(rest)
	if err != nil {
		return "", fmt.Errorf("%s: %w", spec, err)
	}
	keys := make([]string, 0, len(opts))
	for k := range opts {
		if k == "" {
			return "", errors.New("an option has no name")
		}
		if sp.Options.Has(k) {
			return "", fmt.Errorf("option %q is given both in %q and beside it", k, spec)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var q strings.Builder
	for i, k := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(queryEscape(k) + "=" + queryEscape(opts[k]))
	}
	// The options go after the last part of the string: after the name
	// when there is one, else after the target.
	sep := "?"
	tail := spec
	if i := strings.LastIndexByte(spec, '#'); i >= 0 {
		tail = spec[i:]
	}
	if strings.Contains(tail, "?") {
		sep = "&"
	}
	return spec + sep + q.String(), nil
}

// queryEscape escapes what would end or split an option.
func queryEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "#", "%23", "+", "%2B", " ", "%20", "?", "%3F")
	return r.Replace(s)
}

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// readInputFile reads a small input file that the user names, never
// through a symbolic link and only if it is a regular file.
func readInputFile(path string, limit int64) ([]byte, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("--sinks %s: %w", path, unwrapPath(err))
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("--sinks %s is a symbolic link; give the path of the file itself", path)
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("--sinks %s is not a regular file", path)
	}
	f, err := os.Open(path) //nolint:gosec // the user's own --sinks file, checked above and again after opening
	if err != nil {
		return nil, fmt.Errorf("--sinks %s: %w", path, unwrapPath(err))
	}
	defer func() { _ = f.Close() }()
	if now, err := f.Stat(); err != nil || !os.SameFile(fi, now) {
		return nil, fmt.Errorf("--sinks %s changed while it was being opened", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("--sinks %s: %w", path, unwrapPath(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("--sinks %s is larger than %d bytes", path, limit)
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
