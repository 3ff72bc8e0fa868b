package awssm

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Signature Version 4, checked as the service does: the canonical request
// (method, path, query, the signed headers, the payload's SHA-256), the
// string to sign (algorithm, time, scope, the canonical request's hash),
// and the HMAC chain from the secret access key through date, region and
// service. The check is written here from the reference, not borrowed
// from the SDK's signer, so that a test passing against it proves that the
// client signs as AWS expects.

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	sigService   = "secretsmanager"
	amzDate      = "20060102T150405Z"
	// maxSkew is how far a request's time may be from the server's.
	maxSkew = 15 * time.Minute
)

// authenticate checks the request's signature, or returns the error the
// service would answer with.
func (s *Server) authenticate(r *http.Request, body []byte) *apiError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return &apiError{status: http.StatusForbidden, code: "MissingAuthenticationToken", message: "Missing Authentication Token"}
	}
	a, problem := parseAuthorization(auth)
	if problem != "" {
		return badRequest("IncompleteSignature", "%s", problem)
	}
	secretKey, known := s.opts.Keys[a.accessKey]
	if !known {
		return &apiError{status: http.StatusForbidden, code: "InvalidClientTokenId", message: "The security token included in the request is invalid."}
	}
	stamp := r.Header.Get("X-Amz-Date")
	when, err := time.Parse(amzDate, stamp)
	if err != nil {
		return badRequest("IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if skew := s.now().Sub(when); skew > maxSkew || skew < -maxSkew {
		return badRequest("RequestExpired", "Signature expired: %s is now earlier than %s (%s - 15 min.)", stamp, s.now().UTC().Add(-maxSkew).Format(amzDate), s.now().UTC().Format(amzDate))
	}
	if a.date != stamp[:8] {
		return forbidden("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s'", a.date, stamp[:8])
	}
	if a.region != s.opts.Region {
		return forbidden("Credential should be scoped to a valid region, not '%s'.", a.region)
	}
	if a.service != sigService {
		return forbidden("Credential should be scoped to correct service: '%s'.", sigService)
	}
	for _, required := range []string{"host", "x-amz-date", "x-amz-target"} {
		if !contains(a.signedHeaders, required) {
			return forbidden("The request signature does not sign the %s header.", required)
		}
	}
	payload := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(payload[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return badRequest("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	canonical := canonicalRequest(r, a.signedHeaders, payloadHash)
	hashed := sha256.Sum256([]byte(canonical))
	scope := strings.Join([]string{a.date, a.region, a.service, "aws4_request"}, "/")
	toSign := strings.Join([]string{sigAlgorithm, stamp, scope, hex.EncodeToString(hashed[:])}, "\n")
	key := hmacSHA256([]byte("AWS4"+secretKey), a.date)
	key = hmacSHA256(key, a.region)
	key = hmacSHA256(key, a.service)
	key = hmacSHA256(key, "aws4_request")
	want := hex.EncodeToString(hmacSHA256(key, toSign))
	if !hmac.Equal([]byte(want), []byte(a.signature)) {
		return forbidden("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	}
	return nil
}

func forbidden(format string, args ...any) *apiError {
	e := badRequest("SignatureDoesNotMatch", format, args...)
	e.status = http.StatusForbidden
	return e
}

// authorization is the parsed Authorization header.
type authorization struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseAuthorization reads "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX", or says what
// is wrong with it.
func parseAuthorization(h string) (authorization, string) {
	var a authorization
	algorithm, rest, ok := strings.Cut(h, " ")
	if !ok || algorithm != sigAlgorithm {
		return a, "Authorization header requires the AWS4-HMAC-SHA256 algorithm."
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			fields[k] = v
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if fields[k] == "" {
			return a, "Authorization header requires '" + k + "' parameter."
		}
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || scope[0] == "" {
		return a, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term."
	}
	a.accessKey, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	if !sort.StringsAreSorted(a.signedHeaders) {
		return a, "SignedHeaders must be sorted."
	}
	a.signature = fields["Signature"]
	if len(a.signature) != 64 {
		return a, "Signature must be 64 hexadecimal characters."
	}
	return a, ""
}

// canonicalRequest builds the canonical form of r for the headers signed.
func canonicalRequest(r *http.Request, signed []string, payloadHash string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(canonicalURI(r.URL) + "\n")
	b.WriteString(canonicalQuery(r.URL.Query()) + "\n")
	for _, name := range signed {
		var value string
		switch name {
		case "host":
			value = r.Host
		case "content-length":
			value = strconv.FormatInt(r.ContentLength, 10)
		default:
			vals := r.Header.Values(name)
			for i, v := range vals {
				vals[i] = strings.Join(strings.Fields(v), " ")
			}
			value = strings.Join(vals, ",")
		}
		b.WriteString(name + ":" + value + "\n")
	}
	b.WriteString("\n" + strings.Join(signed, ";") + "\n")
	b.WriteString(payloadHash)
	return b.String()
}

// canonicalURI is the path, each segment URI-encoded.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// canonicalQuery is the query sorted by name, then value, URI-encoded.
func canonicalQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k)+"="+uriEncode(v))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// uriEncode encodes everything but unreserved characters, as SigV4 asks.
func uriEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
