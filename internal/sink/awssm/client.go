package awssm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"

	"github.com/axero-cli/axero/internal/jwtinfo"
	"github.com/axero-cli/axero/internal/sink"
	"github.com/axero-cli/axero/internal/textsafe"
)

// client builds the Secrets Manager client once, from the SDK's usual
// chain and the project's network settings.
func (s *Sink) client(ctx context.Context) (*secretsmanager.Client, error) {
	s.once.Do(func() { s.api, s.creds, s.apiErr = s.newClient(ctx) })
	return s.api, s.apiErr
}

func (s *Sink) newClient(ctx context.Context) (*secretsmanager.Client, aws.CredentialsProvider, error) {
	// The SDK's own client (its timeouts, and AWS_CA_BUNDLE, which it can
	// only add to a client of its own type) with the transport's proxy
	// and TLS taken from the project's network settings.
	tr, err := s.env.Network.Transport(nil)
	if err != nil {
		return nil, nil, s.errorf("check", sink.Invalid, "%v", err)
	}
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.Proxy = tr.Proxy
		t.TLSClientConfig = tr.TLSClientConfig.Clone()
	})
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(httpClient),
		// Nothing the SDK might log (it logs nothing by default) may
		// reach stderr, where a request or response body would hold
		// the token.
		config.WithLogger(logging.Nop{}),
		config.WithClientLogMode(0),
	}
	if s.region != "" {
		opts = append(opts, config.WithRegion(s.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, s.errorf("check", sink.Denied, "the AWS configuration cannot be used: %s", clean(err.Error(), ""))
	}
	if cfg.Region == "" {
		return nil, nil, s.errorf("check", sink.Invalid, "no AWS region: set AWS_REGION, name a profile that has one, or give the secret's ARN")
	}
	api := secretsmanager.NewFromConfig(cfg)
	if ep := api.Options().BaseEndpoint; ep != nil {
		if err := checkEndpoint(*ep); err != nil {
			return nil, nil, s.errorf("check", sink.Invalid, "%v", err)
		}
	}
	return api, cfg.Credentials, nil
}

// checkEndpoint refuses an endpoint override that would send the token in
// clear over the network: http:// is for loopback emulators only.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("the endpoint %q (AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL) is not a URL", raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return fmt.Errorf("the endpoint %s is plain http on a host that is not loopback; the token would cross the network in clear: use https", u.Redacted())
	}
	return fmt.Errorf("the endpoint %s is neither https nor http", u.Redacted())
}

// denied are the error codes of a missing, wrong or refused credential,
// including the KMS key that encrypts the secret.
var denied = map[string]bool{
	"AccessDeniedException":               true,
	"UnrecognizedClientException":         true,
	"InvalidClientTokenId":                true,
	"SignatureDoesNotMatch":               true,
	"InvalidSignatureException":           true,
	"IncompleteSignature":                 true,
	"MissingAuthenticationToken":          true,
	"MissingAuthenticationTokenException": true,
	"ExpiredToken":                        true,
	"ExpiredTokenException":               true,
	"RequestExpired":                      true,
	"DecryptionFailure":                   true,
	"EncryptionFailure":                   true,
}

// fail turns an error of the SDK at step op, doing what, into a sink
// error: its kind from the service's error code, its message the code and
// the service's words, escaped, bounded and without the token.
func (s *Sink) fail(op, doing string, err error, secret string) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		kind := sink.Failed
		switch {
		case denied[code]:
			kind = sink.Denied
		case op == "check" && (code == "ResourceNotFoundException" || code == "InvalidRequestException" ||
			code == "InvalidParameterException" || code == "ValidationException"):
			// Before anything is minted, a secret that is not there
			// (or cannot take a value) is a sink that cannot work.
			kind = sink.Invalid
		}
		return s.errorf(op, kind, "%s: %s: %s", doing, code, clean(ae.ErrorMessage(), secret))
	}
	return s.errorf(op, sink.Failed, "%s: %s", doing, clean(err.Error(), secret))
}

// maxMessage bounds what of the service's (or the SDK's) words goes into
// an error message.
const maxMessage = 400

// clean makes text from the service or the SDK fit for an error message:
// no copy of the token (nor anything shaped like one), control characters
// escaped, bounded.
func clean(text, secret string) string {
	if secret != "" {
		text = strings.ReplaceAll(text, secret, jwtinfo.Redacted)
	}
	text = textsafe.Terminal(jwtinfo.Redact(text))
	if len(text) > maxMessage {
		text = text[:maxMessage] + "…"
	}
	return text
}

func (s *Sink) errorf(op string, kind sink.Kind, format string, args ...any) error {
	return sink.Errorf(s.String(), op, kind, format, args...)
}
