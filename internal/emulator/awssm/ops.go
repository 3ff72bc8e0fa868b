package awssm

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"time"
)

// The staging labels the service gives meaning to.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// secret is one secret and its versions.
type secret struct {
	name, arn   string
	description string
	created     time.Time
	changed     time.Time
	deleted     *time.Time
	rotation    bool
	versions    map[string]*version // by VersionId
	stages      map[string]string   // staging label → VersionId
}

// version is one value of a secret. A version without a label is
// deprecated: the service may delete it, and DescribeSecret leaves it out.
type version struct {
	id      string
	str     *string
	bin     []byte
	created time.Time
}

func (v *version) sameData(str *string, bin []byte) bool {
	if (v.str == nil) != (str == nil) {
		return false
	}
	if v.str != nil && *v.str != *str {
		return false
	}
	return bytes.Equal(v.bin, bin)
}

// stagesOf lists the labels on version id.
func (sec *secret) stagesOf(id string) []string {
	var out []string
	for label, vid := range sec.stages {
		if vid == id {
			out = append(out, label)
		}
	}
	return sortedStages(out)
}

// move attaches label to version id, taking it from whichever version had
// it; moving AWSCURRENT gives AWSPREVIOUS to the version it left.
func (sec *secret) move(label, id string) {
	old, had := sec.stages[label]
	sec.stages[label] = id
	if label == StageCurrent && had && old != id {
		sec.stages[StagePrevious] = old
	}
}

// epoch is a time as the JSON 1.1 protocol writes it: seconds since 1970.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// namePattern is what a secret's name may be.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]+$`)

// find returns the secret named by id (a name or a full ARN).
func (s *Server) find(id string) (*secret, *apiError) {
	if id == "" {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if sec, ok := s.secrets[id]; ok {
		return sec, nil
	}
	for _, sec := range s.secrets {
		if sec.arn == id {
			return sec, nil
		}
	}
	return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
}

// live refuses a secret scheduled for deletion.
func live(sec *secret) *apiError {
	if sec.deleted != nil {
		return badRequest("InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion.")
	}
	return nil
}

// checkToken applies the ClientRequestToken constraints.
func checkToken(tok string) *apiError {
	if tok == "" {
		return badRequest("InvalidParameterException", "You must provide a ClientRequestToken: the SDKs generate one, raw requests must.")
	}
	if n := len(tok); n < 32 || n > 64 {
		return badRequest("ValidationException", "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64")
	}
	return nil
}

// checkData applies the SecretString / SecretBinary constraints.
func checkData(str *string, bin []byte) *apiError {
	switch {
	case str != nil && bin != nil:
		return badRequest("InvalidParameterException", "You can't specify both a binary secret value and a string secret value in the same secret.")
	case str == nil && bin == nil:
		return badRequest("InvalidParameterException", "You must provide either SecretString or SecretBinary.")
	case str != nil && len(*str) > 65536, len(bin) > 65536:
		return badRequest("ValidationException", "1 validation error detected: the secret value must have length less than or equal to 65536")
	}
	return nil
}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type createIn struct {
	Name               string
	Description        string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
}

type createOut struct {
	ARN       string
	Name      string
	VersionId string `json:",omitempty"`
}

func (s *Server) createSecret(body []byte) (any, *apiError) {
	var in createIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if len(in.Name) > 512 || !namePattern.MatchString(in.Name) {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [A-Za-z0-9/_+=.@-]{1,512}")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.secrets[in.Name]; exists {
		return nil, badRequest("ResourceExistsException", "The operation failed because the secret %s already exists.", in.Name)
	}
	now := s.now()
	sec := &secret{
		name:        in.Name,
		arn:         fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", s.opts.Region, s.opts.Account, in.Name, randomSuffix()),
		description: in.Description,
		created:     now,
		changed:     now,
		versions:    map[string]*version{},
		stages:      map[string]string{},
	}
	out := createOut{ARN: sec.arn, Name: sec.name}
	if in.SecretString != nil || in.SecretBinary != nil {
		if err := checkData(in.SecretString, in.SecretBinary); err != nil {
			return nil, err
		}
		if err := checkToken(in.ClientRequestToken); err != nil {
			return nil, err
		}
		sec.versions[in.ClientRequestToken] = &version{id: in.ClientRequestToken, str: in.SecretString, bin: in.SecretBinary, created: now}
		sec.stages[StageCurrent] = in.ClientRequestToken
		out.VersionId = in.ClientRequestToken
	}
	s.secrets[in.Name] = sec
	return out, nil
}

type secretIDIn struct {
	SecretId string
}

type describeOut struct {
	ARN                string
	Name               string
	Description        string              `json:",omitempty"`
	RotationEnabled    bool                `json:",omitempty"`
	CreatedDate        float64             `json:",omitempty"`
	LastChangedDate    float64             `json:",omitempty"`
	DeletedDate        float64             `json:",omitempty"`
	VersionIdsToStages map[string][]string `json:",omitempty"`
}

func (s *Server) describeSecret(body []byte) (any, *apiError) {
	var in secretIDIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.find(in.SecretId)
	if err != nil {
		return nil, err
	}
	out := describeOut{
		ARN: sec.arn, Name: sec.name, Description: sec.description, RotationEnabled: sec.rotation,
		CreatedDate: epoch(sec.created), LastChangedDate: epoch(sec.changed),
	}
	if sec.deleted != nil {
		out.DeletedDate = epoch(*sec.deleted)
	}
	for label, id := range sec.stages {
		if out.VersionIdsToStages == nil {
			out.VersionIdsToStages = map[string][]string{}
		}
		out.VersionIdsToStages[id] = sortedStages(append(out.VersionIdsToStages[id], label))
	}
	return out, nil
}

type getIn struct {
	SecretId     string
	VersionId    string
	VersionStage string
}

type getOut struct {
	ARN           string
	Name          string
	VersionId     string
	SecretString  *string  `json:",omitempty"`
	SecretBinary  []byte   `json:",omitempty"`
	VersionStages []string `json:",omitempty"`
	CreatedDate   float64
}

func (s *Server) getSecretValue(body []byte) (any, *apiError) {
	var in getIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.find(in.SecretId)
	if err != nil {
		return nil, err
	}
	if err := live(sec); err != nil {
		return nil, err
	}
	id := in.VersionId
	if in.VersionStage != "" || id == "" {
		stage := in.VersionStage
		if stage == "" {
			stage = StageCurrent
		}
		staged, ok := sec.stages[stage]
		if !ok || (id != "" && id != staged) {
			return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for staging label: %s", stage)
		}
		id = staged
	}
	v, ok := sec.versions[id]
	if !ok {
		return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret value for VersionId: %s", id)
	}
	return getOut{ARN: sec.arn, Name: sec.name, VersionId: v.id, SecretString: v.str, SecretBinary: v.bin, VersionStages: sec.stagesOf(v.id), CreatedDate: epoch(v.created)}, nil
}

type putIn struct {
	SecretId           string
	ClientRequestToken string
	SecretString       *string
	SecretBinary       []byte
	VersionStages      []string
}

type putOut struct {
	ARN           string
	Name          string
	VersionId     string
	VersionStages []string
}

func (s *Server) putSecretValue(body []byte) (any, *apiError) {
	var in putIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if err := checkData(in.SecretString, in.SecretBinary); err != nil {
		return nil, err
	}
	if err := checkToken(in.ClientRequestToken); err != nil {
		return nil, err
	}
	if len(in.VersionStages) > 20 {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length less than or equal to 20")
	}
	for _, label := range in.VersionStages {
		if label == "" || len(label) > 256 {
			return nil, badRequest("ValidationException", "1 validation error detected: a staging label must have a length between 1 and 256")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.find(in.SecretId)
	if err != nil {
		return nil, err
	}
	if err := live(sec); err != nil {
		return nil, err
	}
	if v, exists := sec.versions[in.ClientRequestToken]; exists {
		// Idempotent for the same data; a version is never changed.
		if !v.sameData(in.SecretString, in.SecretBinary) {
			return nil, badRequest("ResourceExistsException", "You can't modify an existing version, you can only create a new version.")
		}
		return putOut{ARN: sec.arn, Name: sec.name, VersionId: v.id, VersionStages: sec.stagesOf(v.id)}, nil
	}
	now := s.now()
	first := len(sec.versions) == 0
	sec.versions[in.ClientRequestToken] = &version{id: in.ClientRequestToken, str: in.SecretString, bin: in.SecretBinary, created: now}
	labels := in.VersionStages
	if len(labels) == 0 {
		labels = []string{StageCurrent}
	}
	for _, label := range labels {
		sec.move(label, in.ClientRequestToken)
	}
	if first {
		// The first version of a secret is always current.
		sec.move(StageCurrent, in.ClientRequestToken)
	}
	sec.changed = now
	return putOut{ARN: sec.arn, Name: sec.name, VersionId: in.ClientRequestToken, VersionStages: sec.stagesOf(in.ClientRequestToken)}, nil
}

type updateStageIn struct {
	SecretId            string
	VersionStage        string
	MoveToVersionId     string
	RemoveFromVersionId string
}

type updateStageOut struct {
	ARN  string
	Name string
}

func (s *Server) updateSecretVersionStage(body []byte) (any, *apiError) {
	var in updateStageIn
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	if in.VersionStage == "" || len(in.VersionStage) > 256 {
		return nil, badRequest("ValidationException", "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must have length between 1 and 256")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, err := s.find(in.SecretId)
	if err != nil {
		return nil, err
	}
	if err := live(sec); err != nil {
		return nil, err
	}
	for _, id := range []string{in.MoveToVersionId, in.RemoveFromVersionId} {
		if _, ok := sec.versions[id]; id != "" && !ok {
			return nil, badRequest("ResourceNotFoundException", "Secrets Manager can't find the specified secret version: %s", id)
		}
	}
	holder, attached := sec.stages[in.VersionStage]
	switch {
	case in.MoveToVersionId == "" && in.RemoveFromVersionId == "":
		return nil, badRequest("InvalidParameterException", "You must specify MoveToVersionId, RemoveFromVersionId, or both.")
	case in.MoveToVersionId == "":
		// Remove only.
		if !attached || holder != in.RemoveFromVersionId {
			return nil, badRequest("InvalidParameterException", "The staging label %s is not attached to version %s.", in.VersionStage, in.RemoveFromVersionId)
		}
		if in.VersionStage == StageCurrent {
			return nil, badRequest("InvalidParameterException", "You can't remove the staging label AWSCURRENT from a version without moving it to another version.")
		}
		delete(sec.stages, in.VersionStage)
	case attached && holder == in.MoveToVersionId:
		// Already there: nothing to do.
	case attached && holder != in.RemoveFromVersionId:
		return nil, badRequest("InvalidParameterException", "The staging label %s is currently attached to version %s, so you must explicitly reference that version in RemoveFromVersionId.", in.VersionStage, holder)
	default:
		sec.move(in.VersionStage, in.MoveToVersionId)
	}
	sec.changed = s.now()
	return updateStageOut{ARN: sec.arn, Name: sec.name}, nil
}

// AddSecret creates a secret directly, for test and sandbox setup, with a
// first version holding value (AWSCURRENT) unless value is nil. It
// returns the secret's ARN.
func (s *Server) AddSecret(name string, value *string) string {
	body := fmt.Sprintf(`{"Name":%q}`, name)
	if value != nil {
		body = fmt.Sprintf(`{"Name":%q,"SecretString":%q,"ClientRequestToken":"initial-version-%s-0000000000000000"}`, name, *value, randomSuffix())
	}
	out, err := s.createSecret([]byte(body))
	if err != nil {
		panic(err)
	}
	return out.(createOut).ARN //nolint:forcetypeassert // createSecret returns a createOut
}

// Version is one version of a secret as tests see it.
type Version struct {
	ID     string
	Value  string
	Stages []string
}

// Versions returns every version of the secret, labelled or not, oldest
// first.
func (s *Server) Versions(name string) []Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return nil
	}
	var out []Version
	for _, v := range sec.versions {
		val := ""
		if v.str != nil {
			val = *v.str
		}
		out = append(out, Version{ID: v.id, Value: val, Stages: sec.stagesOf(v.id)})
	}
	sortVersions(out, sec)
	return out
}

func sortVersions(vs []Version, sec *secret) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && sec.versions[vs[j].ID].created.Before(sec.versions[vs[j-1].ID].created); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// Staged returns the value that carries label, and whether one does.
func (s *Server) Staged(name, label string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, ok := s.secrets[name]
	if !ok {
		return "", false
	}
	id, ok := sec.stages[label]
	if !ok || sec.versions[id].str == nil {
		return "", false
	}
	return *sec.versions[id].str, true
}

// ScheduleDeletion marks the secret as scheduled for deletion.
func (s *Server) ScheduleDeletion(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec, ok := s.secrets[name]; ok {
		now := s.now()
		sec.deleted = &now
	}
}

// SetRotation turns the secret's automatic rotation flag on or off.
func (s *Server) SetRotation(name string, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sec, ok := s.secrets[name]; ok {
		sec.rotation = on
	}
}
