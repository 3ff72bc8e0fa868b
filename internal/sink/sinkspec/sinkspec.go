// Package sinkspec takes apart the part of a sink string after its
// scheme: TARGET, then #NAME, with options written as a URL query either
// after the target or after the name (`OWNER/REPO?env=prod#NAME` and
// `ORG#NAME?visibility=all` both occur in the documentation, so both are
// read). Its errors are plain; each kind of sink wraps them as
// sink.Invalid with its own name.
package sinkspec

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxLength bounds a sink string: the longest real one (a GitLab path of
// nested groups and a scope) is far shorter.
const MaxLength = 2048

// Spec is a sink string taken apart.
type Spec struct {
	// Target is what comes before the options and the '#': a repository,
	// a project path, a mount and path.
	Target string
	// Name is what comes after the '#', without options; "" when the
	// string has no '#'.
	Name string
	// HasName reports whether the string has a '#'.
	HasName bool
	// Options are the query options from either place, each given once.
	Options url.Values
}

// Parse takes s apart. It refuses control characters, invalid UTF-8, more
// than one '#', options that do not parse, and an option given twice.
func Parse(s string) (Spec, error) {
	if len(s) > MaxLength {
		return Spec{}, fmt.Errorf("longer than %d characters", MaxLength)
	}
	if !utf8.ValidString(s) {
		return Spec{}, fmt.Errorf("not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Spec{}, fmt.Errorf("holds a control character")
		}
	}
	if strings.Count(s, "#") > 1 {
		return Spec{}, fmt.Errorf("holds more than one '#'")
	}
	var sp Spec
	left, right, hasName := strings.Cut(s, "#")
	sp.HasName = hasName
	target, q1, _ := strings.Cut(left, "?")
	name, q2, _ := strings.Cut(right, "?")
	sp.Target, sp.Name = target, name
	sp.Options = url.Values{}
	for _, q := range []string{q1, q2} {
		if q == "" {
			continue
		}
		vals, err := url.ParseQuery(q)
		if err != nil {
			return Spec{}, fmt.Errorf("options %q do not parse as key=value pairs joined by &", q)
		}
		for k, vv := range vals {
			if k == "" {
				return Spec{}, fmt.Errorf("an option has no name")
			}
			if len(vv) > 1 || sp.Options.Has(k) {
				return Spec{}, fmt.Errorf("option %q is given more than once", k)
			}
			sp.Options.Set(k, vv[0])
		}
	}
	return sp, nil
}

// Allow refuses any option not in names, naming the first one (in sorted
// order, so that the message does not change from run to run) and the
// options that exist.
func (s Spec) Allow(names ...string) error {
	keys := make([]string, 0, len(s.Options))
	for k := range s.Options {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(names, k) {
			if len(names) == 0 {
				return fmt.Errorf("unknown option %q: this kind of sink takes no options", k)
			}
			return fmt.Errorf("unknown option %q (known: %s)", k, strings.Join(names, ", "))
		}
	}
	return nil
}

// Bool reads a true/false option: set reports whether it was given at all.
func (s Spec) Bool(name string) (value, set bool, err error) {
	if !s.Options.Has(name) {
		return false, false, nil
	}
	switch strings.ToLower(s.Options.Get(name)) {
	case "true", "1", "yes":
		return true, true, nil
	case "false", "0", "no":
		return false, true, nil
	}
	return false, true, fmt.Errorf("option %s=%q: want true or false", name, s.Options.Get(name))
}
