package root

import (
	"github.com/spf13/cobra"
)

// helpTopics are `axero help environment` and `axero help exit-codes`: the
// README's tables, where a terminal user looks first, as gh has them. A test
// holds them to the README so that the two cannot drift apart.
func helpTopics() []*cobra.Command {
	topic := func(name, short, long string) *cobra.Command {
		return &cobra.Command{
			Use:   name,
			Short: short,
			Long:  long,
			// A topic has no Run: `axero help <topic>` and `axero
			// <topic> --help` print it.
		}
	}
	return []*cobra.Command{
		topic("environment", "Environment variables and global flags that change what axero does", environmentHelp),
		topic("exit-codes", "What each exit code means, for scripts", exitCodesHelp),
	}
}

const environmentHelp = `Environment variables and global flags:

  --profile NAME, AXERO_PROFILE    the profile to use (default "default")
  --url URL, AXERO_URL             the site URL (https://host or https://host/api);
                                   a stored token is used only on its own site
  AXERO_TOKEN                      the token to use; overrides the stored one
  AXERO_CONFIG_DIR                 where the configuration lives
  --timeout D                      the deadline of the whole command (default 30s;
                                   bulk runs: each row)
  --debug, AXERO_DEBUG=1           the HTTP exchange on stderr, with the
                                   Authorization header and every token redacted
  --allow-http                     allow http:// to a host other than loopback
  --ca-file PEM, AXERO_CA_FILE     certificate authorities to trust besides the
                                   system's
  HTTPS_PROXY, HTTP_PROXY,         the proxy, as Go defines them
  NO_PROXY
  GITHUB_ACTIONS=true              a revealed token is masked first with
                                   ::add-mask:: on stderr
  -o, --output                     table, json, yaml or csv, where a command
                                   prints records
  --jq EXPR                        filter JSON output with a jq expression
  NO_COLOR                         no colour (piped output never has any)
  COLUMNS                          the terminal's width for tables (else the
                                   terminal's own; piped output is never cut)
  AXERO_NO_PROMPT=1, CI            never prompt or offer a picker; a command
                                   that would need to ask fails and names the
                                   flag or argument to pass
  AXERO_KEYCHAIN=off               never touch the OS keychain
  AXERO_FORCE_TTY=1                behave as on a terminal even when piped

Token lookup for a request: AXERO_TOKEN, then the profile's keychain entry,
then the profile's file (after login --insecure-storage).
`

const exitCodesHelp = `Exit codes:

  0    success
  1    error
  2    usage, found before anything changes: an unknown flag or command, a bad
       value, --jq on a command that would lose a new token, an --out that
       exists or is a symbolic link
  3    not authenticated or not permitted (401/403), or not logged in
  4    not found: no such token, user or path
  5    partial failure in a bulk run (see the failed file); token audit: some
       users could not be scanned
  6    token list --exit-code or token audit --exit-code found tokens
  130  interrupted (Ctrl-C)

In CI, treat only 6 as "found"; every other non-zero code is a failure:

  axero token list --expiring-within 14d --exit-code || rc=$?
  case ${rc:-0} in 0) ;; 6) echo "tokens expire soon"; exit 1 ;; *) exit "$rc" ;; esac
`
