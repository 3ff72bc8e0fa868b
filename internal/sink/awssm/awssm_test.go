package awssm

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/axero-cli/axero/client"
	"github.com/axero-cli/axero/internal/emulator"
	"github.com/axero-cli/axero/internal/emulator/awssm"
	"github.com/axero-cli/axero/internal/sink"
)

// The tests set the process environment, which the SDK reads itself, so
// none of them runs in parallel.

const (
	accessKey = "AKIDAXEROSINKTEST"
	secretKey = "sink/test/secret/access/key"
	token     = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjcifQ.c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"  //nolint:gosec // a made-up token for the tests
	token2    = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsImp0aSI6IjgifQ.YW5vdGhlci1zaWduYXR1cmUtdmFsdWU" //nolint:gosec // a made-up token for the tests
)

// awsEnv points the SDK's chain at srv with the test's keys, and nowhere
// else: no shared files, no instance metadata, one attempt per request.
func awsEnv(t *testing.T, endpoint string) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                      accessKey,
		"AWS_SECRET_ACCESS_KEY":                  secretKey,
		"AWS_SESSION_TOKEN":                      "",
		"AWS_REGION":                             awssm.DefaultRegion,
		"AWS_DEFAULT_REGION":                     "",
		"AWS_PROFILE":                            "",
		"AWS_ENDPOINT_URL_SECRETS_MANAGER":       endpoint,
		"AWS_ENDPOINT_URL":                       "",
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_ROLE_ARN":                           "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CA_BUNDLE":                          "",
		"AWS_MAX_ATTEMPTS":                       "1",
		"HTTPS_PROXY":                            "",
		"HTTP_PROXY":                             "",
		"https_proxy":                            "",
		"http_proxy":                             "",
	} {
		t.Setenv(k, v)
	}
}

// setup starts an emulator with the test's key and points the SDK at it.
func setup(t *testing.T) *awssm.Server {
	t.Helper()
	srv := awssm.NewTest(t, awssm.Options{Keys: map[string]string{accessKey: secretKey}})
	awsEnv(t, srv.URL())
	return srv
}

func parse(t *testing.T, spec string) *Sink {
	t.Helper()
	s, err := Parse(spec, sink.Env{Getenv: os.Getenv, Now: time.Now})
	if err != nil {
		t.Fatalf("Parse(%q): %v", spec, err)
	}
	return s.(*Sink)
}

func value(secret string, id int64) sink.Value {
	return sink.Value{Secret: secret, TokenID: id, Name: "deploy", Started: time.Now()}
}

// wantKind fails unless err is a sink error of kind k that holds every
// one of want and not the token.
func wantKind(t *testing.T, err error, k sink.Kind, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want kind %d", k)
	}
	for _, secret := range []string{token, token2} {
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("the error holds the token: %v", err)
		}
	}
	if got := sink.KindOf(err); got != k {
		t.Fatalf("kind %d, want %d: %v", got, k, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%q does not say %q", err, w)
		}
	}
}

// stages is the versions of a secret as "value:LABELS" in order.
func stages(srv *awssm.Server, name string) []string {
	var out []string
	for _, v := range srv.Versions(name) {
		out = append(out, v.Value+":"+strings.Join(v.Stages, ","))
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeliverStagesVerifiesAndCommits(t *testing.T) {
	srv := setup(t)
	silent(t)
	srv.AddSecret("app/axero", aws.String("old-token"))
	ctx := context.Background()
	s := parse(t, "app/axero")
	v := value(token, 7)
	must(t, s.Check(ctx))
	if plan := s.Plan(); len(plan) != 0 {
		t.Errorf("plan for a plain secret: %q", plan)
	}
	must(t, s.Put(ctx, v))
	if got := strings.Join(stages(srv, "app/axero"), " "); got != "old-token:AWSCURRENT "+token+":AWSPENDING" {
		t.Fatalf("after put: %s", got)
	}
	if cur, _ := srv.Staged("app/axero", "AWSCURRENT"); cur != "old-token" {
		t.Fatal("Put changed what consumers read before the commit")
	}
	must(t, s.Verify(ctx, v))
	must(t, s.Commit(ctx, v))
	want := "old-token:AWSPREVIOUS " + token + ":AWSCURRENT"
	if got := strings.Join(stages(srv, "app/axero"), " "); got != want {
		t.Fatalf("after commit: %s, want %s", got, want)
	}
	// Every step may run again, in a new process, without effect.
	again := parse(t, "app/axero")
	before := len(srv.Requests())
	must(t, again.Put(ctx, v))
	must(t, again.Verify(ctx, v))
	must(t, again.Commit(ctx, v))
	if got := strings.Join(stages(srv, "app/axero"), " "); got != want {
		t.Fatalf("after repeating every step: %s", got)
	}
	for _, op := range srv.Requests()[before:] {
		if op == "PutSecretValue" || op == "UpdateSecretVersionStage" {
			t.Errorf("repeating the steps wrote again (%s)", op)
		}
	}
}

func TestVersionIDIsStablePerTokenAndSink(t *testing.T) {
	a, b := parse(t, "app"), parse(t, "app#token")
	v := value(token, 7)
	id := a.versionID(v)
	if id != parse(t, "app").versionID(v) {
		t.Error("the same token and sink give another version")
	}
	if id == b.versionID(v) || id == a.versionID(value(token, 8)) {
		t.Error("another sink or another token gives the same version")
	}
	if n := len(id); n < 32 || n > 64 || !versionPattern.MatchString(id) || !strings.HasPrefix(id, "axero-7-") {
		t.Errorf("version %q", id)
	}
	if short := a.versionID(value(token, 1)); len(short) < 32 {
		t.Errorf("version %q is shorter than the service accepts", short)
	}
}

func TestJSONKeyKeepsTheOtherKeys(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app/env", aws.String(`{"db_password":"p<&>w","port":5432.50,"nested":{"a":[1,2]},"AXERO_TOKEN":"old"}`))
	srv.AddSecret("app/new", aws.String(`{"other":"kept"}`))
	ctx := context.Background()
	s := parse(t, "app/env#AXERO_TOKEN")
	v := value(token, 7)
	must(t, s.Check(ctx))
	must(t, s.Put(ctx, v))
	must(t, s.Verify(ctx, v))
	pending, _ := srv.Staged("app/env", "AWSPENDING")
	if want := `{"db_password":"p<&>w","port":5432.50,"nested":{"a":[1,2]},"AXERO_TOKEN":"` + token + `"}`; pending != want {
		t.Fatalf("pending value\n got %s\nwant %s", pending, want)
	}
	n := parse(t, "app/new#AXERO_TOKEN")
	must(t, n.Put(ctx, v))
	must(t, n.Verify(ctx, v))
	if pending, _ := srv.Staged("app/new", "AWSPENDING"); pending != `{"other":"kept","AXERO_TOKEN":"`+token+`"}` {
		t.Fatalf("a missing key was not added: %s", pending)
	}
	// A secret with no value yet gets an object with the key alone.
	srv.AddSecret("app/empty", nil)
	e := parse(t, "app/empty#k")
	must(t, e.Check(ctx))
	must(t, e.Put(ctx, v))
	// The service makes a first version current as well as pending;
	// that AWSPENDING is no leftover, and Check does not call it one.
	again := parse(t, "app/empty#k")
	must(t, again.Check(ctx))
	if plan := again.Plan(); len(plan) != 0 {
		t.Errorf("plan %q", plan)
	}
	must(t, e.Verify(ctx, v))
	must(t, e.Commit(ctx, v))
	if cur, _ := srv.Staged("app/empty", "AWSCURRENT"); cur != `{"k":"`+token+`"}` {
		t.Fatalf("AWSCURRENT = %s", cur)
	}
}

func TestValueThatCannotTakeAKeyIsRefusedBeforeMinting(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("plain", aws.String("not json"))
	srv.AddSecret("array", aws.String(`["a"]`))
	for _, spec := range []string{"plain#k", "array#k"} {
		wantKind(t, parse(t, spec).Check(context.Background()), sink.Invalid, "is not a JSON object")
	}
	// A bare-token sink on a JSON secret is allowed, and said.
	srv.AddSecret("json", aws.String(`{"a":"b"}`))
	s := parse(t, "json")
	must(t, s.Check(context.Background()))
	if plan := strings.Join(s.Plan(), "\n"); !strings.Contains(plan, "is a JSON object; the new version holds the bare token") {
		t.Errorf("plan %q", plan)
	}
}

// TestStuckPendingOfAnEarlierRunIsReused: a run that put its version and
// died is resumed; the same version is found and nothing new is made. A
// run for another token then replaces it.
func TestStuckPendingOfAnEarlierRunIsReused(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app", aws.String("old"))
	ctx := context.Background()
	v := value(token, 7)
	must(t, parse(t, "app").Put(ctx, v)) // the run that died

	resumed := parse(t, "app")
	must(t, resumed.Check(ctx))
	if plan := strings.Join(resumed.Plan(), "\n"); !strings.Contains(plan, "staged by an unfinished axero run for token 7") {
		t.Errorf("plan %q", plan)
	}
	must(t, resumed.Put(ctx, v))
	if n := len(srv.Versions("app")); n != 2 {
		t.Fatalf("%d versions after resuming; the resumed run made another", n)
	}
	must(t, resumed.Verify(ctx, v))

	// Another token's run instead: the stuck AWSPENDING moves to its
	// version, and the abandoned one is left without a label.
	other := parse(t, "app")
	v2 := value(token2, 8)
	must(t, other.Put(ctx, v2))
	must(t, other.Verify(ctx, v2))
	must(t, other.Commit(ctx, v2))
	want := "old:AWSPREVIOUS " + token + ": " + token2 + ":AWSCURRENT"
	if got := strings.Join(stages(srv, "app"), " "); got != want {
		t.Fatalf("stages %s, want %s", got, want)
	}
	wantKind(t, parse(t, "app").Verify(ctx, v), sink.Failed, "AWSPENDING is on no version")
}

// TestForeignPendingIsReplaced: an AWSPENDING that a rotation function
// left is reported by Check and moved by Put.
func TestForeignPendingIsReplaced(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app", aws.String("old"))
	ctx := context.Background()
	api := rawClient(t, srv.URL())
	_, err := api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app"), ClientRequestToken: aws.String("3f1c2d4e-aaaa-bbbb-cccc-1234567890ab"),
		SecretString: aws.String("lambda half-rotated"), VersionStages: []string{"AWSPENDING"},
	})
	must(t, err)
	srv.SetRotation("app", true)
	s := parse(t, "app")
	must(t, s.Check(ctx))
	plan := strings.Join(s.Plan(), "\n")
	for _, want := range []string{"not one axero staged", "automatic rotation is enabled"} {
		if !strings.Contains(plan, want) {
			t.Errorf("plan %q does not say %q", plan, want)
		}
	}
	v := value(token, 7)
	must(t, s.Put(ctx, v))
	must(t, s.Verify(ctx, v))
	must(t, s.Commit(ctx, v))
	want := "old:AWSPREVIOUS lambda half-rotated: " + token + ":AWSCURRENT"
	if got := strings.Join(stages(srv, "app"), " "); got != want {
		t.Fatalf("stages %s, want %s", got, want)
	}
}

// TestVersionWithoutLabelIsLabelledAgain: the earlier run's version lost
// its AWSPENDING, and the JSON it was built from has changed, so a put
// with the same ClientRequestToken is refused (ResourceExistsException);
// the sink labels its own version again instead.
func TestVersionWithoutLabelIsLabelledAgain(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app", aws.String(`{"a":"1"}`))
	ctx := context.Background()
	v := value(token, 7)
	must(t, parse(t, "app#t").Put(ctx, v))
	api := rawClient(t, srv.URL())
	_, err := api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app"), ClientRequestToken: aws.String("someone-else-0000000000000000000000"),
		SecretString: aws.String(`{"a":"2"}`), VersionStages: []string{"AWSCURRENT", "AWSPENDING"},
	})
	must(t, err)
	s := parse(t, "app#t")
	must(t, s.Put(ctx, v))
	must(t, s.Verify(ctx, v))
	must(t, s.Commit(ctx, v))
	if cur, _ := srv.Staged("app", "AWSCURRENT"); cur != `{"a":"1","t":"`+token+`"}` {
		t.Fatalf("AWSCURRENT = %s", cur)
	}
	if _, pending := srv.Staged("app", "AWSPENDING"); pending {
		t.Error("AWSPENDING left after the commit")
	}
}

func TestVerifyComparesTheValue(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app", aws.String("old"))
	ctx := context.Background()
	api := rawClient(t, srv.URL())
	s := parse(t, "app")
	v := value(token, 7)
	// Another value under this token's version ID (a forged or
	// corrupted version) fails the comparison.
	_, err := api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String("app"), ClientRequestToken: aws.String(s.versionID(v)),
		SecretString: aws.String("not the token"), VersionStages: []string{"AWSPENDING"},
	})
	must(t, err)
	wantKind(t, s.Verify(ctx, v), sink.Failed, "does not hold the new token")
}

func TestCheckFailures(t *testing.T) {
	srv := setup(t)
	srv.AddSecret("app", aws.String("old"))
	srv.AddSecret("doomed", aws.String("old"))
	srv.ScheduleDeletion("doomed")
	ctx := context.Background()
	wantKind(t, parse(t, "missing").Check(ctx), sink.Invalid, "DescribeSecret: ResourceNotFoundException")
	wantKind(t, parse(t, "doomed").Check(ctx), sink.Invalid, "scheduled for deletion")

	srv.SetFaults(awssm.Faults{DenyAll: true})
	wantKind(t, parse(t, "app").Check(ctx), sink.Denied, "AccessDeniedException")
	srv.SetFaults(awssm.Faults{Fail500: true})
	wantKind(t, parse(t, "app").Check(ctx), sink.Failed, "InternalServiceError")
	srv.SetFaults(awssm.Faults{Down: true})
	wantKind(t, parse(t, "app").Check(ctx), sink.Failed, "DescribeSecret")
	srv.SetFaults(awssm.Faults{})

	t.Setenv("AWS_SECRET_ACCESS_KEY", "a-wrong-secret-key")
	wantKind(t, parse(t, "app").Check(ctx), sink.Denied, "SignatureDoesNotMatch")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDNOBODYKNOWS")
	wantKind(t, parse(t, "app").Check(ctx), sink.Denied, "InvalidClientTokenId")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	wantKind(t, parse(t, "app").Check(ctx), sink.Denied, "no usable AWS credentials")
}

func TestWritesRefusedAfterACleanCheck(t *testing.T) {
	srv := setup(t)
	silent(t)
	srv.AddSecret("app", aws.String("old"))
	ctx := context.Background()
	srv.SetFaults(awssm.Faults{DenyWrite: true})
	s := parse(t, "app")
	must(t, s.Check(ctx))
	v := value(token, 7)
	wantKind(t, s.Put(ctx, v), sink.Denied, "put", "PutSecretValue: AccessDeniedException")
	srv.SetFaults(awssm.Faults{})
	must(t, s.Put(ctx, v))
	srv.SetFaults(awssm.Faults{DenyWrite: true})
	wantKind(t, s.Commit(ctx, v), sink.Denied, "commit", "AccessDeniedException")
	if cur, _ := srv.Staged("app", "AWSCURRENT"); cur != "old" {
		t.Fatal("a refused commit changed AWSCURRENT")
	}
}

func TestRegionAndEndpoint(t *testing.T) {
	srv := setup(t)
	arn := srv.AddSecret("app", aws.String("old"))
	ctx := context.Background()
	t.Setenv("AWS_REGION", "")
	wantKind(t, parse(t, "app").Check(ctx), sink.Invalid, "no AWS region")
	// An ARN names its region.
	must(t, parse(t, arn).Check(ctx))
	t.Setenv("AWS_REGION", "eu-west-1")
	must(t, parse(t, arn).Check(ctx))
	wantKind(t, parse(t, "app").Check(ctx), sink.Denied, "SignatureDoesNotMatch", "region")

	t.Setenv("AWS_REGION", awssm.DefaultRegion)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "http://secretsmanager.example.com")
	wantKind(t, parse(t, "app").Check(ctx), sink.Invalid, "plain http on a host that is not loopback")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "")
	t.Setenv("AWS_ENDPOINT_URL", srv.URL())
	must(t, parse(t, "app").Check(ctx))
}

// TestNetworkSettingsReachTheSDK: an HTTPS endpoint behind a private CA
// works only with the project's CA bundle, and a proxy in HTTPS_PROXY
// carries the requests.
func TestNetworkSettingsReachTheSDK(t *testing.T) {
	ca, err := emulator.NewCA("AWS emulator test CA")
	must(t, err)
	srv := awssm.NewTest(t, awssm.Options{Keys: map[string]string{accessKey: secretKey}, CA: ca, Hosts: []string{emulator.TestHost}})
	srv.AddSecret("app", aws.String("old"))
	awsEnv(t, srv.URL())
	ctx := context.Background()
	wantKind(t, parse(t, "app").Check(ctx), sink.Failed, "certificate")

	proxy, err := emulator.StartProxy()
	must(t, err)
	t.Cleanup(func() { _ = proxy.Close() })
	port := srv.URL()[strings.LastIndexByte(srv.URL(), ':')+1:]
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://"+emulator.TestHost+":"+port)
	env := map[string]string{"HTTPS_PROXY": proxy.URL()}
	s, err := Parse("app", sink.Env{
		Getenv:  os.Getenv,
		Network: client.Network{CAPEM: ca.PEM(), Getenv: func(k string) string { return env[k] }},
	})
	must(t, err)
	v := value(token, 7)
	must(t, s.Check(ctx))
	must(t, s.Put(ctx, v))
	must(t, s.Verify(ctx, v))
	must(t, s.Commit(ctx, v))
	reqs := proxy.Requests()
	if len(reqs) == 0 || reqs[0].Method != "CONNECT" || reqs[0].Target != emulator.TestHost+":"+port {
		t.Errorf("proxy saw %+v", reqs)
	}
}

func TestParseRejectsMalformedSpecs(t *testing.T) {
	for spec, want := range map[string]string{
		"":                       "no secret",
		"#key":                   "no secret",
		"app#":                   "JSON key after '#' is empty",
		"app#a\nb":               "control character",
		"has space":              "is not a secret name",
		"arn:aws:s3:::bucket":    "is not the ARN of a secret",
		strings.Repeat("n", 513): "is not a secret name",
	} {
		_, err := Parse(spec, sink.Env{})
		wantKind(t, err, sink.Invalid, want)
		if !strings.HasPrefix(err.Error(), "aws-sm:") {
			t.Errorf("%q does not name the sink", err)
		}
	}
	s := parse(t, "arn:aws:secretsmanager:eu-central-1:123456789012:secret:app/x-AbCdEf#k#2")
	if s.region != "eu-central-1" || s.jsonKey != "k#2" || s.String() != "aws-sm:arn:aws:secretsmanager:eu-central-1:123456789012:secret:app/x-AbCdEf#k#2" {
		t.Errorf("parsed %+v", s)
	}
}

// silent fails the test if anything, the SDK included, writes to the
// process's stdout or stderr while it runs: a log line there could carry a
// request body, and so the token.
func silent(t *testing.T) {
	t.Helper()
	for _, f := range []**os.File{&os.Stdout, &os.Stderr} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		orig := *f
		*f = w
		got := make(chan []byte, 1)
		go func() {
			data, _ := io.ReadAll(r)
			got <- data
		}()
		t.Cleanup(func() {
			*f = orig
			_ = w.Close()
			if data := <-got; len(data) > 0 {
				t.Errorf("written to the process's output: %q", data)
			}
		})
	}
}

// rawClient is a plain SDK client of the emulator, for test setup that a
// sink would never do.
func rawClient(t *testing.T, endpoint string) *secretsmanager.Client {
	t.Helper()
	return secretsmanager.New(secretsmanager.Options{
		Region:       awssm.DefaultRegion,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}, nil
		}),
		RetryMaxAttempts: 1,
	})
}
