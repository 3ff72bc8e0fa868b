package awssm

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"

	"github.com/axero-cli/axero/internal/sink"
)

// Check proves, before anything is minted, that the credentials work, the
// secret exists and may be read (Verify reads it), that its current value
// can take the token (#JSONKEY needs a JSON object), and notes what Put
// will change besides the value: a stuck AWSPENDING, automatic rotation.
// Secrets Manager cannot tell write permission without a write, so a
// refused Put remains possible.
func (s *Sink) Check(ctx context.Context) error {
	api, err := s.client(ctx)
	if err != nil {
		return err
	}
	if s.creds == nil {
		return s.errorf("check", sink.Denied, "no AWS credentials (environment, AWS_PROFILE, web identity, SSO, container or instance role)")
	}
	if _, err := s.creds.Retrieve(ctx); err != nil {
		return s.errorf("check", sink.Denied, "no usable AWS credentials (environment, AWS_PROFILE, web identity, SSO, container or instance role): %s", clean(err.Error(), ""))
	}
	desc, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &s.secretID})
	if err != nil {
		return s.fail("check", "DescribeSecret", err, "")
	}
	if desc.DeletedDate != nil {
		return s.errorf("check", sink.Invalid, "the secret is scheduled for deletion; restore it first (aws secretsmanager restore-secret)")
	}
	// AWSPENDING on the current version is no leftover (the service
	// puts both on a secret's first version); anywhere else it is.
	if id := holder(desc.VersionIdsToStages, stagePending); id != "" && !has(desc.VersionIdsToStages[id], stageCurrent) {
		if m := versionPattern.FindStringSubmatch(id); m != nil {
			s.note("AWSPENDING is on version %s, staged by an unfinished axero run for token %s: reused if that is the new token, else replaced by the new version", id, m[1])
		} else {
			s.note("AWSPENDING is on version %s, not one axero staged (a rotation that did not finish?): it will be moved to the new version", clean(id, ""))
		}
	}
	if desc.RotationEnabled != nil && *desc.RotationEnabled {
		s.note("automatic rotation is enabled on this secret: its rotation function will replace the value axero puts")
	}
	return s.checkCurrentValue(ctx, api)
}

// checkCurrentValue reads AWSCURRENT, which Put builds on (#JSONKEY) and
// Verify needs permission to read.
func (s *Sink) checkCurrentValue(ctx context.Context, api *secretsmanager.Client) error {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.secretID, VersionStage: ptr(stageCurrent)})
	if isCode(err, "ResourceNotFoundException") {
		return nil // no value yet: Put makes the first
	}
	if err != nil {
		return s.fail("check", "GetSecretValue (needed to verify the new value)", err, "")
	}
	switch {
	case s.jsonKey != "" && out.SecretString == nil:
		return s.errorf("check", sink.Invalid, "the secret holds a binary value, so #%s cannot be set in it", s.jsonKey)
	case s.jsonKey != "":
		if _, err := decodeObject(*out.SecretString); err != nil {
			return s.errorf("check", sink.Invalid, "%v, so #%s cannot be set in it", err, s.jsonKey)
		}
	case out.SecretString == nil:
		s.note("the secret holds a binary value; the new version holds the token as a string")
	default:
		if _, err := decodeObject(*out.SecretString); err == nil {
			s.note("the secret's current value is a JSON object; the new version holds the bare token (aws-sm:%s#KEY sets one key instead)", s.secretID)
		}
	}
	return nil
}

// Put stores v as the version versionID(v), labelled AWSPENDING. A run
// that repeats it finds that version and only makes sure of the label.
func (s *Sink) Put(ctx context.Context, v sink.Value) error {
	api, err := s.client(ctx)
	if err != nil {
		return retag(err, "put")
	}
	ours := s.versionID(v)
	desc, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &s.secretID})
	if err != nil {
		return s.fail("put", "DescribeSecret", err, v.Secret)
	}
	stages := desc.VersionIdsToStages
	if labels, exists := stages[ours]; exists {
		if has(labels, stageCurrent) || has(labels, stagePending) {
			return nil // put (and maybe committed) by an earlier run
		}
		return s.attachPending(ctx, api, ours, holder(stages, stagePending), v.Secret)
	}
	value := v.Secret
	if s.jsonKey != "" {
		if value, err = s.merged(ctx, api, v.Secret); err != nil {
			return err
		}
	}
	_, err = api.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:           &s.secretID,
		ClientRequestToken: &ours,
		SecretString:       &value,
		VersionStages:      []string{stagePending},
	})
	if isCode(err, "ResourceExistsException") {
		// The version exists without labels (the service keeps such
		// versions a while), built by an earlier run from a JSON value
		// that has changed since: label it again; Verify checks it.
		return s.attachPending(ctx, api, ours, holder(stages, stagePending), v.Secret)
	}
	if err != nil {
		return s.fail("put", "PutSecretValue", err, v.Secret)
	}
	return nil
}

// attachPending moves AWSPENDING to version ours from whichever had it.
func (s *Sink) attachPending(ctx context.Context, api *secretsmanager.Client, ours, from, secret string) error {
	in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: &s.secretID, VersionStage: ptr(stagePending), MoveToVersionId: &ours}
	if from != "" && from != ours {
		in.RemoveFromVersionId = &from
	}
	if _, err := api.UpdateSecretVersionStage(ctx, in); err != nil {
		return s.fail("put", "UpdateSecretVersionStage (AWSPENDING)", err, secret)
	}
	return nil
}

// merged is the secret's current JSON object with the key set to token.
func (s *Sink) merged(ctx context.Context, api *secretsmanager.Client, token string) (string, error) {
	current := "{}"
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.secretID, VersionStage: ptr(stageCurrent)})
	switch {
	case isCode(err, "ResourceNotFoundException"):
	case err != nil:
		return "", s.fail("put", "GetSecretValue", err, token)
	case out.SecretString == nil:
		return "", s.errorf("put", sink.Invalid, "the secret holds a binary value, so #%s cannot be set in it", s.jsonKey)
	default:
		current = *out.SecretString
	}
	value, err := setKey(current, s.jsonKey, token)
	if err != nil {
		return "", s.errorf("put", sink.Invalid, "%v, so #%s cannot be set in it", err, s.jsonKey)
	}
	return value, nil
}

// Verify reads AWSPENDING back and compares it with the token by hash. A
// version that an earlier run already committed (AWSCURRENT) verifies too.
func (s *Sink) Verify(ctx context.Context, v sink.Value) error {
	api, err := s.client(ctx)
	if err != nil {
		return retag(err, "verify")
	}
	ours := s.versionID(v)
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.secretID, VersionStage: ptr(stagePending)})
	if err != nil && !isCode(err, "ResourceNotFoundException") {
		return s.fail("verify", "GetSecretValue (AWSPENDING)", err, v.Secret)
	}
	if err != nil || deref(out.VersionId) != ours {
		pendingOn := "no version"
		if err == nil {
			pendingOn = "version " + clean(deref(out.VersionId), v.Secret)
		}
		// Committed already? Then AWSCURRENT is on our version.
		out, err = api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &s.secretID, VersionId: &ours})
		if isCode(err, "ResourceNotFoundException") {
			return s.errorf("verify", sink.Failed, "AWSPENDING is on %s, and there is no version %s holding the new token", pendingOn, ours)
		}
		if err != nil {
			return s.fail("verify", "GetSecretValue (version "+ours+")", err, v.Secret)
		}
		if !has(out.VersionStages, stageCurrent) {
			return s.errorf("verify", sink.Failed, "AWSPENDING is on %s, not on %s, which holds the new token", pendingOn, ours)
		}
	}
	if out.SecretString == nil {
		return s.errorf("verify", sink.Failed, "version %s holds a binary value, not the new token", ours)
	}
	got := *out.SecretString
	if s.jsonKey != "" {
		if got, err = getKey(got, s.jsonKey); err != nil {
			return s.errorf("verify", sink.Failed, "version %s: %v", ours, err)
		}
	}
	if !sameSecret(got, v.Secret) {
		return s.errorf("verify", sink.Failed, "version %s does not hold the new token", ours)
	}
	return nil
}

// Commit moves AWSCURRENT to the new version (the service moves
// AWSPREVIOUS to the one it leaves) and takes AWSPENDING off it. Run
// again, it finds both done and does nothing.
func (s *Sink) Commit(ctx context.Context, v sink.Value) error {
	api, err := s.client(ctx)
	if err != nil {
		return retag(err, "commit")
	}
	ours := s.versionID(v)
	desc, err := api.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: &s.secretID})
	if err != nil {
		return s.fail("commit", "DescribeSecret", err, v.Secret)
	}
	labels, exists := desc.VersionIdsToStages[ours]
	if !exists {
		return s.errorf("commit", sink.Failed, "there is no version %s to make current; put it again", ours)
	}
	if !has(labels, stageCurrent) {
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: &s.secretID, VersionStage: ptr(stageCurrent), MoveToVersionId: &ours}
		if old := holder(desc.VersionIdsToStages, stageCurrent); old != "" {
			in.RemoveFromVersionId = &old
		}
		if _, err := api.UpdateSecretVersionStage(ctx, in); err != nil {
			return s.fail("commit", "UpdateSecretVersionStage (AWSCURRENT)", err, v.Secret)
		}
	}
	if has(labels, stagePending) {
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: &s.secretID, VersionStage: ptr(stagePending), RemoveFromVersionId: &ours}
		if _, err := api.UpdateSecretVersionStage(ctx, in); err != nil {
			return s.fail("commit", "UpdateSecretVersionStage (remove AWSPENDING)", err, v.Secret)
		}
	}
	return nil
}

// isCode reports whether err is the service's error code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// retag gives a sink error from one step to another.
func retag(err error, op string) error {
	var se *sink.Error
	if errors.As(err, &se) {
		cp := *se
		cp.Op = op
		return &cp
	}
	return err
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
