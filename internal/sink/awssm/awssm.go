// Package awssm is the sink `aws-sm:SECRET-ID[#JSONKEY]`: an AWS Secrets
// Manager secret, named by its name or its ARN, that holds the token, or,
// with #JSONKEY, a JSON object one key of which holds it (the other keys
// are kept).
//
// It follows the service's own rotation steps. Put stores the new value as
// a new version labelled AWSPENDING, with a ClientRequestToken derived
// from the token's ID and the sink, so that a resumed run repeats the same
// version instead of making another; Verify reads AWSPENDING back and
// compares it by hash; Commit moves AWSCURRENT to the new version (the old
// one becomes AWSPREVIOUS) and takes AWSPENDING off it, so that nothing is
// left pending for the next rotation. An AWSPENDING left by an earlier run
// that failed is reused when it is this token's version, and replaced
// otherwise; Check says so.
//
// Credentials, region and endpoint come from the AWS SDK's usual chain
// (AWS_REGION, AWS_ACCESS_KEY_ID and friends, AWS_PROFILE and the shared
// files, web identity, SSO, container and instance roles;
// AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL), read from the
// process environment by the SDK itself. Requests go through the project's
// network settings: its proxy rules and the extra certificate authorities
// of --ca-file (AWS_CA_BUNDLE is honoured too). A plain http:// endpoint is
// refused unless it is on loopback, since the token would cross the
// network in clear.
package awssm

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/axero-cli/axero/internal/sink"
)

// Scheme is the sink's prefix, without the colon.
const Scheme = "aws-sm"

// The staging labels this sink moves.
const (
	stageCurrent = "AWSCURRENT"
	stagePending = "AWSPENDING"
)

// Sink is one AWS Secrets Manager sink.
type Sink struct {
	spec     string
	secretID string
	jsonKey  string // "" for the whole secret
	region   string // from an ARN; "" to let the SDK's chain decide
	env      sink.Env

	once   sync.Once
	api    *secretsmanager.Client
	creds  aws.CredentialsProvider
	apiErr error

	mu   sync.Mutex
	plan []string
}

var (
	_ sink.Sink    = (*Sink)(nil)
	_ sink.Planner = (*Sink)(nil)
)

// Lengths are checked apart from the pattern: a counted repetition such
// as {1,512} compiles into hundreds of states, and every process would pay
// for it at start-up.
// namePattern is what a secret's name may be.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

// maxName is the longest secret name.
const maxName = 512

// arnPattern is a secret's ARN; its fourth field is the region.
var arnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:([A-Za-z0-9/_+=.@-]+)$`)

// Parse reads the part of `aws-sm:SECRET-ID[#JSONKEY]` after the scheme.
// SECRET-ID is a secret's name or its full ARN (whose region is then the
// one used); JSONKEY is any key of a JSON object, after the first '#'.
func Parse(spec string, env sink.Env) (sink.Sink, error) {
	s := &Sink{spec: spec, env: env}
	id, key, hasKey := strings.Cut(spec, "#")
	if hasKey {
		if key == "" {
			return nil, s.errorf("parse", sink.Invalid, "the JSON key after '#' is empty")
		}
		if strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return nil, s.errorf("parse", sink.Invalid, "the JSON key holds a control character")
		}
		s.jsonKey = key
	}
	switch {
	case id == "":
		return nil, s.errorf("parse", sink.Invalid, "no secret: write aws-sm:SECRET-ID or aws-sm:SECRET-ID#JSONKEY")
	case strings.HasPrefix(id, "arn:"):
		m := arnPattern.FindStringSubmatch(id)
		if m == nil || len(m[2]) > maxName {
			return nil, s.errorf("parse", sink.Invalid, "%q is not the ARN of a secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)", id)
		}
		s.region = m[1]
	case len(id) > maxName || !namePattern.MatchString(id):
		return nil, s.errorf("parse", sink.Invalid, "%q is not a secret name (1 to 512 letters, digits and /_+=.@-)", id)
	}
	s.secretID = id
	return s, nil
}

// String is the sink as written.
func (s *Sink) String() string { return Scheme + ":" + s.spec }

// Plan is what Check found that Put will change besides the value, and
// what the user should know before anything is minted.
func (s *Sink) Plan() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.plan...)
}

func (s *Sink) note(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = append(s.plan, fmt.Sprintf(format, args...))
}

// versionID is the ClientRequestToken, and so the VersionId, of the
// version that holds v: the same for every run that delivers the same
// token to the same sink, different for any other token or sink. It reads
// "axero-<token ID>-<24 hex digits>" (32 to 50 characters; the service
// wants 32 to 64), so that a stuck AWSPENDING can be told for whose.
func (s *Sink) versionID(v sink.Value) string {
	id := strconv.FormatInt(v.TokenID, 10)
	sum := sha256.Sum256([]byte(Scheme + "\x00" + s.secretID + "\x00" + s.jsonKey + "\x00" + id))
	return "axero-" + id + "-" + hex.EncodeToString(sum[:12])
}

// versionPattern matches what versionID makes and captures the token ID.
var versionPattern = regexp.MustCompile(`^axero-([0-9]+)-[0-9a-f]{24}$`)

// sameSecret compares by SHA-256 digest in constant time.
func sameSecret(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// holder is the version that carries label in stages, or "".
func holder(stages map[string][]string, label string) string {
	for id, labels := range stages {
		if has(labels, label) {
			return id
		}
	}
	return ""
}

func has(labels []string, label string) bool {
	for _, l := range labels {
		if l == label {
			return true
		}
	}
	return false
}
