// Flag parsing of call and exec, apart from what they do.
package api_test

import (
	"slices"
	"testing"

	"github.com/axero-cli/axero/cmd/api"
	"github.com/axero-cli/axero/cmd/cmdtest"
)

func TestAPIFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, api.NewCmdCall, []cmdtest.FlagCase[api.CallOptions]{
		{Args: "users/me", Check: func(o *api.CallOptions) bool { return slices.Equal(o.Args, []string{"users/me"}) && o.MethodFlag == "" }},
		{Args: "-X PUT bearertokens/7 -f Name=x -F n=1 -H X-A:1 --include --paginate --jq .", Check: func(o *api.CallOptions) bool {
			return o.MethodFlag == "PUT" && len(o.RawFields) == 1 && len(o.TypedFields) == 1 && len(o.Headers) == 1 && o.Include && o.Paginate && o.JQ == "."
		}},
		{Args: "POST users/7/bearertokens --input body.json", Check: func(o *api.CallOptions) bool { return len(o.Args) == 2 && o.Input == "body.json" }},
		{Args: "", Err: "accepts between 1 and 2 arg"},
	})
	cmdtest.FlagCases(t, api.NewCmdExec, []cmdtest.FlagCase[api.ExecOptions]{
		{Args: "-- curl -s https://example.com", Check: func(o *api.ExecOptions) bool {
			return slices.Equal(o.Command, []string{"curl", "-s", "https://example.com"})
		}},
		{Args: "env -i", Check: func(o *api.ExecOptions) bool { return slices.Equal(o.Command, []string{"env", "-i"}) }},
	})
}
