package token

import "github.com/axero-cli/axero/cmd/cmdutil"

// A command that mints a token shows its secret once, and nowhere else
// keeps it unless --out or --keychain does. A --jq expression may drop the
// secret from what is printed (--jq .TokenID prints the ID and throws the
// only copy away), so --jq is refused on such commands unless the token is
// stored by --out or --keychain, where stdout carries only its metadata
// anyway. -o json and -o yaml print the whole record, secret included, and
// the table shows the token, so they stay. The check runs with the flags,
// before anything is minted.

// checkSecretOutput refuses --jq when the secret would reach only stdout.
func (d *TokenDelivery) checkSecretOutput(command string) error {
	if d.Output.JQ == "" || d.Out != "" || d.Keychain {
		return nil
	}
	return cmdutil.FlagErrorf("--jq could drop the new token from the output of %s, and it is shown only once: use -o json (the whole record, token included), or keep the token with --out FILE or --keychain and filter the metadata with --jq", command)
}

// withoutJQ is what stdout shows when storing the token failed and the
// secret must be printed after all: the whole record, never a filter of it.
func withoutJQ(d TokenDelivery) TokenDelivery {
	d.Output.JQ = ""
	return d
}
