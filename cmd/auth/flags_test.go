// Flag parsing of login, logout and status, apart from what they do.
package auth_test

import (
	"testing"

	"github.com/axero-cli/axero/cmd/auth"
	"github.com/axero-cli/axero/cmd/cmdtest"
)

func TestAuthFlags(t *testing.T) {
	t.Parallel()
	cmdtest.FlagCases(t, auth.NewCmdLogin, []cmdtest.FlagCase[auth.LoginOptions]{
		{Args: "--with-token --insecure-storage", Check: func(o *auth.LoginOptions) bool { return o.WithToken && o.InsecureStorage }},
		{Args: "", Check: func(o *auth.LoginOptions) bool { return !o.WithToken && !o.InsecureStorage }},
		{Args: "eyJhbGciOi.e30.x", Err: "a token is never passed as an argument"},
	})
	cmdtest.FlagCases(t, auth.NewCmdLogout, []cmdtest.FlagCase[auth.LogoutOptions]{
		{Args: "--revoke", Check: func(o *auth.LogoutOptions) bool { return o.Revoke }},
		{Args: "", Check: func(o *auth.LogoutOptions) bool { return !o.Revoke }},
	})
	cmdtest.FlagCases(t, auth.NewCmdStatus, []cmdtest.FlagCase[auth.StatusOptions]{
		{Args: "--offline -o json", Check: func(o *auth.StatusOptions) bool { return o.Offline && o.Output.Format == "json" }},
		{Args: "extra", Err: "unknown command"},
	})
}
