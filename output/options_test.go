package output

import (
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		allowed []string
		wantErr string
	}{
		{name: "default is table", opts: Options{}},
		{name: "json", opts: Options{Format: "json"}},
		{name: "case and blanks ignored", opts: Options{Format: " YAML "}},
		{name: "unknown", opts: Options{Format: "xml"}, wantErr: `unknown output format "xml": want one of table, json, yaml, csv`},
		{name: "not allowed here", opts: Options{Format: "csv"}, allowed: []string{"table", "json"}, wantErr: "want one of table, json"},
		{name: "jq implies json", opts: Options{JQ: ".[]"}},
		{name: "jq with json", opts: Options{Format: "json", JQ: ".[].Name"}},
		{name: "jq with yaml", opts: Options{Format: "yaml", JQ: "."}, wantErr: "--jq works only with JSON output, not -o yaml"},
		{name: "jq where json is not offered", opts: Options{JQ: "."}, allowed: []string{"table"}, wantErr: "--jq needs JSON output, which this command does not offer"},
		{name: "jq does not parse", opts: Options{JQ: ".[] |"}, wantErr: "invalid --jq expression"},
		{name: "jq unknown function", opts: Options{JQ: "nosuchfn"}, wantErr: "invalid --jq expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate(tt.allowed...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			var u interface{ Usage() bool }
			if !errors.As(err, &u) || !u.Usage() {
				t.Errorf("%v is not a usage error (exit 2)", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestAddFlags(t *testing.T) {
	var o Options
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	AddFlags(cmd, &o, "table", "json")
	cmd.SetArgs([]string{"-o", "json", "--jq", ".Name"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if o.Format != "json" || o.JQ != ".Name" {
		t.Errorf("flags not bound: %+v", o)
	}
	complete, ok := cmd.GetFlagCompletionFunc("output")
	if !ok {
		t.Fatal("no completion for --output")
	}
	got, dir := complete(cmd, nil, "")
	if strings.Join(got, ",") != "table,json" || dir != cobra.ShellCompDirectiveNoFileComp {
		t.Errorf("completion = %v %v", got, dir)
	}
}
