package awssm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
)

const (
	accessKey = "AKIDEMULATORTEST"
	secretKey = "emulator/secret/access/key"
)

func start(t *testing.T) *Server {
	t.Helper()
	return NewTest(t, Options{Keys: map[string]string{accessKey: secretKey}})
}

// sdk is a real SDK client for s, with retries off so that a fault is
// seen at once.
func sdk(s *Server, key, secret string) *secretsmanager.Client {
	return secretsmanager.New(secretsmanager.Options{
		Region:       s.Region(),
		BaseEndpoint: aws.String(s.URL()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		}),
		RetryMaxAttempts: 1,
	})
}

// signed builds a request for op with body, signed by the SDK's signer
// for region at when.
func signed(t *testing.T, s *Server, op, body, key, secret, region string, when time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "secretsmanager."+op)
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "secretsmanager", region, when); err != nil {
		t.Fatal(err)
	}
	return req
}

// answer sends req and decodes the service's error shape.
func answer(t *testing.T, req *http.Request) (int, string, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var shape struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	data, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(data, &shape)
	return resp.StatusCode, shape.Type, shape.Message
}

func TestSignaturesAreVerified(t *testing.T) {
	t.Parallel()
	s := start(t)
	s.AddSecret("app", aws.String("v1"))
	now := time.Now()
	body := `{"SecretId":"app"}`

	if code, typ, _ := answer(t, signed(t, s, "DescribeSecret", body, accessKey, secretKey, s.Region(), now)); code != 200 || typ != "" {
		t.Fatalf("a correctly signed request: %d %s", code, typ)
	}
	tests := []struct {
		name   string
		req    func() *http.Request
		status int
		typ    string
	}{
		{"unsigned", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, s.URL()+"/", strings.NewReader(body))
			r.Header.Set("X-Amz-Target", "secretsmanager.DescribeSecret")
			r.Header.Set("Content-Type", "application/x-amz-json-1.1")
			return r
		}, 403, "MissingAuthenticationToken"},
		{"unknown key", func() *http.Request {
			return signed(t, s, "DescribeSecret", body, "AKIDUNKNOWN", secretKey, s.Region(), now)
		}, 403, "InvalidClientTokenId"},
		{"wrong secret key", func() *http.Request {
			return signed(t, s, "DescribeSecret", body, accessKey, "not-the-secret", s.Region(), now)
		}, 403, "SignatureDoesNotMatch"},
		{"other region", func() *http.Request {
			return signed(t, s, "DescribeSecret", body, accessKey, secretKey, "eu-west-1", now)
		}, 403, "SignatureDoesNotMatch"},
		{"tampered body", func() *http.Request {
			r := signed(t, s, "DescribeSecret", body, accessKey, secretKey, s.Region(), now)
			tampered := `{"SecretId":"apq"}`
			r.Body = io.NopCloser(strings.NewReader(tampered))
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"operation swapped after signing", func() *http.Request {
			r := signed(t, s, "DescribeSecret", body, accessKey, secretKey, s.Region(), now)
			r.Header.Set("X-Amz-Target", "secretsmanager.GetSecretValue")
			return r
		}, 403, "SignatureDoesNotMatch"},
		{"expired", func() *http.Request {
			return signed(t, s, "DescribeSecret", body, accessKey, secretKey, s.Region(), now.Add(-time.Hour))
		}, 400, "RequestExpired"},
		{"malformed", func() *http.Request {
			r := signed(t, s, "DescribeSecret", body, accessKey, secretKey, s.Region(), now)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return r
		}, 400, "IncompleteSignature"},
	}
	for _, tt := range tests {
		status, typ, msg := answer(t, tt.req())
		if status != tt.status || typ != tt.typ || msg == "" {
			t.Errorf("%s: %d %s %q, want %d %s", tt.name, status, typ, msg, tt.status, tt.typ)
		}
	}
	// Refused requests never reach an operation.
	if got := s.Requests(); len(got) != 1 {
		t.Errorf("operations served: %v", got)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestVersionStages(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := sdk(s, accessKey, secretKey)
	ctx := context.Background()
	s.AddSecret("app", nil)
	tokA := strings.Repeat("a", 32)
	tokB := strings.Repeat("b", 32)
	tokC := strings.Repeat("c", 32)

	// The first version is current whatever it asks for.
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tokA, SecretString: aws.String("A"), VersionStages: []string{"AWSPENDING"}}); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "app", map[string]string{tokA: "AWSCURRENT,AWSPENDING"})
	// A pending version takes AWSPENDING from the other.
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tokB, SecretString: aws.String("B"), VersionStages: []string{"AWSPENDING"}}); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "app", map[string]string{tokA: "AWSCURRENT", tokB: "AWSPENDING"})
	// Same token, same value: nothing happens. Same token, another value:
	// ResourceExistsException.
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tokB, SecretString: aws.String("B"), VersionStages: []string{"AWSPENDING"}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tokB, SecretString: aws.String("other"), VersionStages: []string{"AWSPENDING"}})
	if apiCode(err) != "ResourceExistsException" {
		t.Fatalf("same token, other value: %v", err)
	}
	// Moving AWSCURRENT needs RemoveFromVersionId naming its holder.
	_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: &tokB})
	if apiCode(err) != "InvalidParameterException" {
		t.Fatalf("move without RemoveFromVersionId: %v", err)
	}
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSCURRENT"), MoveToVersionId: &tokB, RemoveFromVersionId: &tokA}); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "app", map[string]string{tokA: "AWSPREVIOUS", tokB: "AWSCURRENT,AWSPENDING"})
	// AWSCURRENT cannot just be removed; AWSPENDING can.
	_, err = c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSCURRENT"), RemoveFromVersionId: &tokB})
	if apiCode(err) != "InvalidParameterException" {
		t.Fatalf("removing AWSCURRENT: %v", err)
	}
	if _, err := c.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPENDING"), RemoveFromVersionId: &tokB}); err != nil {
		t.Fatal(err)
	}
	// A put without stages becomes current.
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tokC, SecretString: aws.String("C")}); err != nil {
		t.Fatal(err)
	}
	wantStages(t, s, "app", map[string]string{tokA: "", tokB: "AWSPREVIOUS", tokC: "AWSCURRENT"})
	desc, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if _, listed := desc.VersionIdsToStages[tokA]; listed || len(desc.VersionIdsToStages) != 2 {
		t.Errorf("DescribeSecret lists %v; a version without labels is not listed", desc.VersionIdsToStages)
	}
	// Reads by stage and by version.
	got, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPREVIOUS")})
	if err != nil || aws.ToString(got.SecretString) != "B" || aws.ToString(got.VersionId) != tokB {
		t.Fatalf("AWSPREVIOUS: %+v, %v", got, err)
	}
	_, err = c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app"), VersionStage: aws.String("AWSPENDING")})
	if apiCode(err) != "ResourceNotFoundException" {
		t.Fatalf("no AWSPENDING: %v", err)
	}
	// A short token is refused by the model's constraint.
	_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: aws.String("short"), SecretString: aws.String("x")})
	if err == nil {
		t.Fatal("a 5-character ClientRequestToken was accepted")
	}
}

func wantStages(t *testing.T, s *Server, name string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, v := range s.Versions(name) {
		got[v.ID] = strings.Join(v.Stages, ",")
	}
	if len(got) != len(want) {
		t.Fatalf("versions %v, want %v", got, want)
	}
	for id, stages := range want {
		if got[id] != stages {
			t.Fatalf("version %s has %q, want %q (all: %v)", id[:4], got[id], stages, got)
		}
	}
}

func TestErrorsAndFaults(t *testing.T) {
	t.Parallel()
	s := start(t)
	c := sdk(s, accessKey, secretKey)
	ctx := context.Background()
	s.AddSecret("app", aws.String("v"))
	if _, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("missing")}); apiCode(err) != "ResourceNotFoundException" {
		t.Errorf("missing secret: %v", err)
	}
	s.SetFaults(Faults{DenyWrite: true})
	if _, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")}); err != nil {
		t.Errorf("a read under DenyWrite: %v", err)
	}
	tok := strings.Repeat("d", 40)
	if _, err := c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String("app"), ClientRequestToken: &tok, SecretString: aws.String("x")}); apiCode(err) != "AccessDeniedException" {
		t.Errorf("a write under DenyWrite: %v", err)
	}
	s.SetFaults(Faults{Fail500: true})
	if _, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")}); apiCode(err) != "InternalServiceError" {
		t.Errorf("Fail500: %v", err)
	}
	s.SetFaults(Faults{Down: true})
	_, err := c.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String("app")})
	if err == nil || apiCode(err) != "" {
		t.Errorf("Down: %v", err)
	}
	s.SetFaults(Faults{})
	s.ScheduleDeletion("app")
	if _, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("app")}); apiCode(err) != "InvalidRequestException" {
		t.Errorf("a secret scheduled for deletion: %v", err)
	}
	// The raw shape: 400 with __type and message.
	req := signed(t, s, "Nonsense", `{}`, accessKey, secretKey, s.Region(), time.Now())
	if status, typ, _ := answer(t, req); status != 400 || typ != "InvalidAction" {
		t.Errorf("unknown operation: %d %s", status, typ)
	}
	req = signed(t, s, "DescribeSecret", `{"SecretId":"missing"}`, accessKey, secretKey, s.Region(), time.Now())
	if status, typ, msg := answer(t, req); status != 400 || typ != "ResourceNotFoundException" || !strings.Contains(msg, "can't find") {
		t.Errorf("missing secret, raw: %d %s %q", status, typ, msg)
	}
}

func TestListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	if _, err := Start(Options{Addr: "0.0.0.0:0"}); err == nil {
		t.Fatal("listened on every interface")
	}
}
