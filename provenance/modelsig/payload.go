package modelsig

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// Format constants of model_signing v1.0 (src/model_signing/_signing/signing.py
// in sigstore/model-transparency).
const (
	// StatementType is the in-toto statement type.
	StatementType = "https://in-toto.io/Statement/v1"
	// PredicateType is the v1.0 model signing predicate.
	PredicateType = "https://model_signing/signature/v1.0"
	// PredicateTypeLegacy is the predicate of model_signing 0.2.
	PredicateTypeLegacy = "https://model_signing/Digests/v0.1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"
	// BundleMediaType is the Sigstore bundle media type written.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// DefaultSignatureName is the default signature file name.
	DefaultSignatureName = "model.sig"
)

// MaxResources bounds the resources a payload may list.
const MaxResources = 1 << 20

// ErrPayload marks a statement that is not a valid model signing payload.
var ErrPayload = errors.New("invalid model signing payload")

// Payload is a parsed model signing statement.
type Payload struct {
	// SubjectName is the informative model name.
	SubjectName string
	// SubjectDigest is the raw root digest (SHA-256).
	SubjectDigest []byte
	// PredicateType is PredicateType or PredicateTypeLegacy.
	PredicateType string
	// Resources are in the order signed.
	Resources []manifest.Resource
	// Serialization is how the signer hashed the model; zero for legacy.
	Serialization manifest.Serialization
	// IgnorePathsRecorded says whether the signature lists its ignored
	// paths (model_signing 1.1 and later).
	IgnorePathsRecorded bool
}

// Legacy reports whether the payload uses the model_signing 0.2 layout.
func (p *Payload) Legacy() bool { return p != nil && p.PredicateType == PredicateTypeLegacy }

// Manifest returns the payload's content as a manifest.
func (p *Payload) Manifest() *manifest.Manifest {
	return &manifest.Manifest{Name: p.SubjectName, Resources: p.Resources, Serialization: p.Serialization}
}

type jsonSubject struct {
	Name        string            `json:"name"`
	Digest      map[string]string `json:"digest"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type jsonResource struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

type jsonSerialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	ShardSize     *int64   `json:"shard_size,omitempty"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
}

type jsonPredicate struct {
	Resources     []jsonResource    `json:"resources"`
	Serialization jsonSerialization `json:"serialization"`
}

type jsonStatement struct {
	Type          string        `json:"_type"`
	Subject       []jsonSubject `json:"subject"`
	PredicateType string        `json:"predicateType"`
	Predicate     jsonPredicate `json:"predicate"`
}

// NewPayload encodes m as a v1.0 in-toto statement (JSON, 2-space indent,
// as the reference writes it).
func NewPayload(m *manifest.Manifest) ([]byte, error) {
	st := jsonStatement{
		Type:          StatementType,
		Subject:       []jsonSubject{{Name: m.Name, Digest: map[string]string{"sha256": hex.EncodeToString(m.RootDigest())}}},
		PredicateType: PredicateType,
		Predicate: jsonPredicate{
			Resources: make([]jsonResource, len(m.Resources)),
			Serialization: jsonSerialization{
				Method:        m.Serialization.Method,
				HashType:      m.Serialization.HashType,
				AllowSymlinks: m.Serialization.AllowSymlinks,
				IgnorePaths:   m.Serialization.IgnorePaths,
			},
		},
	}
	if m.Serialization.Method == manifest.MethodShards {
		n := m.Serialization.ShardSize
		st.Predicate.Serialization.ShardSize = &n
	}
	for i, r := range m.Resources {
		st.Predicate.Resources[i] = jsonResource{Name: r.Name, Algorithm: r.Algorithm, Digest: hex.EncodeToString(r.Digest)}
	}
	return json.MarshalIndent(st, "", "  ")
}

// parse-side types: numbers are json.Number because the reference writes a
// protobuf Struct, where integers come out as floats ("shard_size": 8.0).
type rawSerialization struct {
	Method        string      `json:"method"`
	HashType      string      `json:"hash_type"`
	AllowSymlinks *bool       `json:"allow_symlinks"`
	ShardSize     json.Number `json:"shard_size"`
	IgnorePaths   []string    `json:"ignore_paths"`
}

type rawPredicate struct {
	Resources     []jsonResource    `json:"resources"`
	Serialization *rawSerialization `json:"serialization"`
}

type rawStatement struct {
	Type          string          `json:"_type"`
	Subject       []jsonSubject   `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

func payloadErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrPayload, fmt.Sprintf(format, args...))
}

func decodeDigest(s string, what string) ([]byte, error) {
	if len(s) != 64 {
		return nil, payloadErr("%s: sha256 digest %q is not 64 hex digits", what, short(s))
	}
	d, err := hex.DecodeString(s)
	if err != nil {
		return nil, payloadErr("%s: digest %q is not hex", what, short(s))
	}
	return d, nil
}

// short shortens untrusted text for an error message.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ParsePayload parses and checks a model signing statement. It accepts the
// v1.0 predicate (files or shards, SHA-256) and the legacy 0.2 predicate,
// and checks that the subject digest equals the digest of the resource list.
func ParsePayload(data []byte) (*Payload, error) {
	var st rawStatement
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, payloadErr("not a JSON in-toto statement: %v", err)
	}
	if st.Type != StatementType {
		return nil, payloadErr("statement _type is %q, want %q", short(st.Type), StatementType)
	}
	switch st.PredicateType {
	case PredicateType:
		return parseV1(&st)
	case PredicateTypeLegacy:
		return parseLegacy(&st)
	}
	return nil, payloadErr("predicateType is %q, want %q", short(st.PredicateType), PredicateType)
}

func parseV1(st *rawStatement) (*Payload, error) {
	if len(st.Subject) != 1 {
		return nil, payloadErr("statement has %d subjects, want exactly 1", len(st.Subject))
	}
	subj := st.Subject[0]
	sd, ok := subj.Digest["sha256"]
	if !ok {
		return nil, payloadErr("subject has no sha256 digest")
	}
	subjectDigest, err := decodeDigest(sd, "subject")
	if err != nil {
		return nil, err
	}
	var pred rawPredicate
	dec := json.NewDecoder(bytes.NewReader(st.Predicate))
	dec.UseNumber()
	if err := dec.Decode(&pred); err != nil {
		return nil, payloadErr("predicate: %v", err)
	}
	if pred.Serialization == nil {
		return nil, payloadErr("predicate has no serialization")
	}
	if pred.Resources == nil {
		return nil, payloadErr("predicate has no resources")
	}
	if len(pred.Resources) > MaxResources {
		return nil, payloadErr("predicate lists %d resources, more than %d", len(pred.Resources), MaxResources)
	}
	ser, err := parseSerialization(pred.Serialization)
	if err != nil {
		return nil, err
	}
	p := &Payload{
		SubjectName:         subj.Name,
		SubjectDigest:       subjectDigest,
		PredicateType:       PredicateType,
		Serialization:       ser,
		IgnorePathsRecorded: pred.Serialization.IgnorePaths != nil,
		Resources:           make([]manifest.Resource, 0, len(pred.Resources)),
	}
	wantAlg := manifest.HashSHA256
	if ser.Method == manifest.MethodShards {
		wantAlg = manifest.ShardAlgorithm(manifest.HashSHA256, ser.ShardSize)
	}
	seen := make(map[string]bool, len(pred.Resources))
	for i, r := range pred.Resources {
		what := fmt.Sprintf("resource %d (%q)", i, short(r.Name))
		if r.Algorithm != wantAlg {
			return nil, payloadErr("%s: algorithm %q does not match serialization (want %q)", what, short(r.Algorithm), wantAlg)
		}
		file := r.Name
		if ser.Method == manifest.MethodShards {
			path, _, _, err := manifest.SplitShardName(r.Name)
			if err != nil {
				return nil, payloadErr("%s: %v", what, err)
			}
			file = path
		}
		if !manifest.ValidName(file) {
			return nil, payloadErr("%s: not a clean relative path", what)
		}
		if seen[r.Name] {
			return nil, payloadErr("%s: listed twice", what)
		}
		seen[r.Name] = true
		d, err := decodeDigest(r.Digest, what)
		if err != nil {
			return nil, err
		}
		p.Resources = append(p.Resources, manifest.Resource{Name: r.Name, Algorithm: r.Algorithm, Digest: d})
	}
	if !bytes.Equal(manifest.RootDigest(p.Resources), subjectDigest) {
		return nil, payloadErr("subject digest %s is not the digest of the listed resources", sd)
	}
	return p, nil
}

func parseSerialization(s *rawSerialization) (manifest.Serialization, error) {
	out := manifest.Serialization{Method: s.Method, HashType: s.HashType}
	if s.AllowSymlinks != nil {
		out.AllowSymlinks = *s.AllowSymlinks
	}
	switch s.HashType {
	case manifest.HashSHA256:
	case "":
		return out, payloadErr("serialization has no hash_type")
	default:
		return out, payloadErr("hash_type %q is not supported (Bulwark verifies sha256)", short(s.HashType))
	}
	switch s.Method {
	case manifest.MethodFiles:
	case manifest.MethodShards:
		n, err := integer(s.ShardSize)
		if err != nil || n < 1 {
			return out, payloadErr("shard_size %q is not a positive integer", short(s.ShardSize.String()))
		}
		out.ShardSize = n
	default:
		return out, payloadErr("serialization method %q is not files or shards", short(s.Method))
	}
	for _, p := range s.IgnorePaths {
		if strings.ContainsRune(p, 0) {
			return out, payloadErr("ignore path %q holds a NUL byte", short(p))
		}
	}
	out.IgnorePaths = s.IgnorePaths
	return out, nil
}

// integer parses a JSON number that must hold an integer, written either as
// 8 or as 8.0.
func integer(n json.Number) (int64, error) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f > 1<<53 || f < -(1<<53) {
		return 0, fmt.Errorf("not an integer: %q", n)
	}
	return int64(f), nil
}

// parseLegacy reads the model_signing 0.2 layout: one subject per file with
// a sha256 digest and annotation actual_hash_algorithm: file-sha256.
func parseLegacy(st *rawStatement) (*Payload, error) {
	if len(st.Subject) == 0 {
		return nil, payloadErr("legacy statement has no subjects")
	}
	if len(st.Subject) > MaxResources {
		return nil, payloadErr("legacy statement lists %d subjects, more than %d", len(st.Subject), MaxResources)
	}
	p := &Payload{PredicateType: PredicateTypeLegacy, Serialization: manifest.Serialization{Method: manifest.MethodFiles, HashType: manifest.HashSHA256}}
	seen := map[string]bool{}
	for i, s := range st.Subject {
		what := fmt.Sprintf("subject %d (%q)", i, short(s.Name))
		if alg := s.Annotations["actual_hash_algorithm"]; alg != "file-sha256" {
			return nil, payloadErr("%s: actual_hash_algorithm %q is not supported (want file-sha256)", what, short(alg))
		}
		if !manifest.ValidName(s.Name) || seen[s.Name] {
			return nil, payloadErr("%s: not a clean relative path, or listed twice", what)
		}
		seen[s.Name] = true
		d, err := decodeDigest(s.Digest["sha256"], what)
		if err != nil {
			return nil, err
		}
		p.Resources = append(p.Resources, manifest.Resource{Name: s.Name, Algorithm: manifest.HashSHA256, Digest: d})
	}
	p.SubjectDigest = manifest.RootDigest(p.Resources)
	return p, nil
}
