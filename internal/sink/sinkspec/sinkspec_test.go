package sinkspec

import (
	"strings"
	"testing"
)

func TestParseReadsOptionsOnEitherSide(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"o/r?env=prod#NAME", "o/r#NAME?env=prod"} {
		sp, err := Parse(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if sp.Target != "o/r" || sp.Name != "NAME" || !sp.HasName || sp.Options.Get("env") != "prod" {
			t.Errorf("%s: got %+v", in, sp)
		}
	}
	sp, err := Parse("secret/app?x=1")
	if err != nil || sp.HasName || sp.Target != "secret/app" || sp.Options.Get("x") != "1" {
		t.Errorf("no name: %+v, %v", sp, err)
	}
	sp, err = Parse("o/r?env=my%20env#N")
	if err != nil || sp.Options.Get("env") != "my env" {
		t.Errorf("escaped option: %+v, %v", sp, err)
	}
}

func TestParseRefusesMalformedStrings(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"o/r#A#B":                        "more than one '#'",
		"o/r?env=a#N?env=b":              `option "env" is given more than once`,
		"o/r?env=a&env=b#N":              `option "env" is given more than once`,
		"o/r?%zz#N":                      "do not parse",
		"o/r?=x#N":                       "has no name",
		"o/r#N\x1b[2J":                   "control character",
		"o/r#\xff":                       "UTF-8",
		strings.Repeat("a", MaxLength+1): "longer than",
	}
	for in, want := range cases {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

func TestAllowAndBool(t *testing.T) {
	t.Parallel()
	sp, err := Parse("p#K?masked=true&protected=no&colour=red")
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Allow("masked", "protected"); err == nil || !strings.Contains(err.Error(), `unknown option "colour" (known: masked, protected)`) {
		t.Errorf("Allow = %v", err)
	}
	if err := sp.Allow(); err == nil || !strings.Contains(err.Error(), "takes no options") {
		t.Errorf("Allow() = %v", err)
	}
	if v, set, err := sp.Bool("masked"); !v || !set || err != nil {
		t.Errorf("masked = %v %v %v", v, set, err)
	}
	if v, set, err := sp.Bool("protected"); v || !set || err != nil {
		t.Errorf("protected = %v %v %v", v, set, err)
	}
	if _, set, err := sp.Bool("hidden"); set || err != nil {
		t.Errorf("hidden = %v %v", set, err)
	}
	if _, _, err := sp.Bool("colour"); err == nil || !strings.Contains(err.Error(), "want true or false") {
		t.Errorf("colour = %v", err)
	}
}
