package modelsig

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// validBundleJSON signs a small model and returns the bundle JSON.
func validBundleJSON(t testing.TB, hopts manifest.Options) []byte {
	t.Helper()
	s, err := NewKeySigner(mustECDSA(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := writeModel(t)
	data, err := os.ReadFile(signTo(t, dir, s, hopts))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mutate decodes bundle JSON, applies f to the generic map and re-encodes.
func mutate(t testing.TB, data []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func withPayload(t testing.TB, data []byte, payload string) []byte {
	return mutate(t, data, func(m map[string]any) {
		m["dsseEnvelope"].(map[string]any)["payload"] = base64.StdEncoding.EncodeToString([]byte(payload))
	})
}

const goodStatement = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"%s"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"resources":[%s],"serialization":%s}}`

func TestParseBundleMalformed(t *testing.T) {
	good := validBundleJSON(t, manifest.Options{})
	if _, err := ParseBundle(good); err != nil {
		t.Fatalf("valid bundle rejected: %v", err)
	}
	env := func(m map[string]any) map[string]any { return m["dsseEnvelope"].(map[string]any) }
	cases := []struct {
		name string
		data []byte
		want string
		is   error
	}{
		{"empty", nil, "not a Sigstore bundle", ErrBundle},
		{"not json", []byte("model.sig"), "not a Sigstore bundle", ErrBundle},
		{"json array", []byte("[]"), "not a Sigstore bundle", ErrBundle},
		{"no media type", mutate(t, good, func(m map[string]any) { delete(m, "mediaType") }), "no mediaType", ErrBundle},
		{"unknown media type", mutate(t, good, func(m map[string]any) { m["mediaType"] = "application/x-nope" }), "", ErrBundle},
		{"no envelope", mutate(t, good, func(m map[string]any) { delete(m, "dsseEnvelope") }), "not a DSSE envelope", ErrBundle},
		{"two signatures", mutate(t, good, func(m map[string]any) {
			s := env(m)["signatures"].([]any)
			env(m)["signatures"] = append(s, s[0])
		}), "2 signatures", ErrBundle},
		{"no signatures", mutate(t, good, func(m map[string]any) { env(m)["signatures"] = []any{} }), "0 signatures", ErrBundle},
		{"empty signature", mutate(t, good, func(m map[string]any) { env(m)["signatures"] = []any{map[string]any{"sig": ""}} }), "signature is empty", ErrBundle},
		{"wrong payload type", mutate(t, good, func(m map[string]any) { env(m)["payloadType"] = "text/plain" }), "payloadType", ErrBundle},
		{"bad base64", mutate(t, good, func(m map[string]any) { env(m)["payload"] = "!!!" }), "not a Sigstore bundle", ErrBundle},
		{"no verification material", mutate(t, good, func(m map[string]any) { delete(m, "verificationMaterial") }), "verificationMaterial", ErrBundle},
		{"empty verification material", mutate(t, good, func(m map[string]any) { m["verificationMaterial"] = map[string]any{} }), "no public key or certificate", ErrBundle},
		{"garbage certificate", mutate(t, good, func(m map[string]any) {
			m["verificationMaterial"] = map[string]any{"certificate": map[string]any{"rawBytes": "AAAA"}}
		}), "certificate", ErrBundle},
		{"empty chain", mutate(t, good, func(m map[string]any) {
			m["verificationMaterial"] = map[string]any{"x509CertificateChain": map[string]any{"certificates": []any{}}}
		}), "", ErrBundle},
		{"payload not json", withPayload(t, good, "hello"), "not a JSON in-toto statement", ErrPayload},
		{"wrong statement type", withPayload(t, good, `{"_type":"x","predicateType":"https://model_signing/signature/v1.0"}`), "_type", ErrPayload},
		{"wrong predicate", withPayload(t, good, `{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1"}`), "predicateType", ErrPayload},
		{"two subjects", withPayload(t, good, `{"_type":"https://in-toto.io/Statement/v1","subject":[{},{}],"predicateType":"https://model_signing/signature/v1.0"}`), "2 subjects", ErrPayload},
		{"short subject digest", withPayload(t, good, stmt("abcd", "", `{"method":"files","hash_type":"sha256"}`)), "64 hex", ErrPayload},
		{"no serialization", withPayload(t, good, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"m","digest":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],"predicateType":"https://model_signing/signature/v1.0","predicate":{"resources":[]}}`), "no serialization", ErrPayload},
		{"subject digest mismatch", withPayload(t, good, stmt("0000000000000000000000000000000000000000000000000000000000000000", `{"name":"a","algorithm":"sha256","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"files","hash_type":"sha256"}`)), "not the digest of the listed resources", ErrPayload},
		{"path traversal", withPayload(t, good, stmtAuto(`{"name":"../etc/passwd","algorithm":"sha256","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"files","hash_type":"sha256"}`)), "clean relative path", ErrPayload},
		{"absolute path", withPayload(t, good, stmtAuto(`{"name":"/etc/passwd","algorithm":"sha256","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"files","hash_type":"sha256"}`)), "clean relative path", ErrPayload},
		{"duplicate resource", withPayload(t, good, stmtAuto(`{"name":"a","algorithm":"sha256","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},{"name":"a","algorithm":"sha256","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"files","hash_type":"sha256"}`)), "listed twice", ErrPayload},
		{"algorithm mismatch", withPayload(t, good, stmtAuto(`{"name":"a","algorithm":"blake3","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"files","hash_type":"sha256"}`)), "does not match serialization", ErrPayload},
		{"unsupported hash", withPayload(t, good, stmtAuto(``, `{"method":"files","hash_type":"blake2b"}`)), "not supported", ErrPayload},
		{"unknown method", withPayload(t, good, stmtAuto(``, `{"method":"tar","hash_type":"sha256"}`)), "not files or shards", ErrPayload},
		{"fractional shard size", withPayload(t, good, stmtAuto(``, `{"method":"shards","hash_type":"sha256","shard_size":8.5}`)), "shard_size", ErrPayload},
		{"zero shard size", withPayload(t, good, stmtAuto(``, `{"method":"shards","hash_type":"sha256","shard_size":0}`)), "shard_size", ErrPayload},
		{"bad shard name", withPayload(t, good, stmtAuto(`{"name":"a","algorithm":"sha256-sharded-8","digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}`, `{"method":"shards","hash_type":"sha256","shard_size":8.0}`)), ":start:end", ErrPayload},
		{"uppercase non-hex digest", withPayload(t, good, stmtAuto(`{"name":"a","algorithm":"sha256","digest":"zz"}`, `{"method":"files","hash_type":"sha256"}`)), "64 hex", ErrPayload},
		{"legacy without annotation", withPayload(t, good, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}],"predicateType":"https://model_signing/Digests/v0.1"}`), "actual_hash_algorithm", ErrPayload},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseBundle(c.data)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %v containing %q", err, c.is, c.want)
			}
		})
	}
}

// stmt builds a statement with the given subject digest, resources and serialization.
func stmt(digest, resources, serialization string) string {
	return strings.Replace(strings.Replace(strings.Replace(goodStatement, "%s", digest, 1), "%s", resources, 1), "%s", serialization, 1)
}

// stmtAuto is stmt with the correct subject digest of the resources.
func stmtAuto(resources, serialization string) string {
	var rs []jsonResource
	if resources != "" {
		if err := json.Unmarshal([]byte("["+resources+"]"), &rs); err != nil {
			panic(err)
		}
	}
	var res []manifest.Resource
	for _, r := range rs {
		d, _ := decodeDigest(r.Digest, "")
		res = append(res, manifest.Resource{Digest: d})
	}
	return stmt(hexOf(manifest.RootDigest(res)), resources, serialization)
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestReadBundleErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadBundle(filepath.Join(dir, "missing.sig")); err == nil || !strings.Contains(err.Error(), "missing.sig") {
		t.Fatalf("missing file: %v", err)
	}
	p := filepath.Join(dir, "bad.sig")
	os.WriteFile(p, []byte("{"), 0o644)
	if _, err := ReadBundle(p); !errors.Is(err, ErrBundle) || !strings.Contains(err.Error(), "bad.sig") {
		t.Fatalf("bad file: %v", err)
	}
}

func TestPyBytesRepr(t *testing.T) {
	cases := map[string]string{
		"ab":       `b'ab'`,
		"a\nb":     `b'a\nb'`,
		"it's":     `b"it's"`,
		`'"`:       `b'\'"'`,
		"\\\t\x00": `b'\\\t\x00'`,
		"\xff":     `b'\xff'`,
	}
	for in, want := range cases {
		if got := pyBytesRepr([]byte(in)); got != want {
			t.Errorf("pyBytesRepr(%q) = %s, want %s", in, got, want)
		}
	}
}

// FuzzParseBundle feeds arbitrary bytes to the bundle and payload parsers:
// they must never panic, and anything accepted must be self-consistent.
func FuzzParseBundle(f *testing.F) {
	f.Add(validBundleJSON(f, manifest.Options{}))
	f.Add(validBundleJSON(f, manifest.Options{Method: manifest.MethodShards, ShardSize: 512}))
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`))
	f.Add([]byte(`{}`))
	for _, name := range []string{"v1.1.0-sigstore", "v1.0.0-elliptic-key", "v0.2.0-certificate", "v1.1.0-certificate"} {
		if data, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "model-signing", "cases", name, "model.sig")); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParseBundle(data)
		if err != nil {
			if !errors.Is(err, ErrBundle) && !errors.Is(err, ErrPayload) {
				t.Fatalf("error not classified: %v", err)
			}
			return
		}
		if b.Payload == nil || b.Sigstore == nil {
			t.Fatal("accepted bundle without payload")
		}
		for _, r := range b.Payload.Resources {
			if !manifest.ValidName(r.FilePath()) {
				t.Fatalf("accepted unclean name %q", r.Name)
			}
		}
	})
}

// FuzzParsePayload fuzzes the statement parser alone.
func FuzzParsePayload(f *testing.F) {
	m := &manifest.Manifest{Name: "m", Resources: []manifest.Resource{{Name: "a", Algorithm: "sha256", Digest: make([]byte, 32)}},
		Serialization: manifest.Serialization{Method: "files", HashType: "sha256"}}
	p, _ := NewPayload(m)
	f.Add(p)
	f.Add([]byte(stmtAuto(``, `{"method":"shards","hash_type":"sha256","shard_size":8.0}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePayload(data)
		if err != nil {
			if !errors.Is(err, ErrPayload) {
				t.Fatalf("error not classified: %v", err)
			}
			return
		}
		if len(p.SubjectDigest) != 32 {
			t.Fatalf("subject digest of %d bytes", len(p.SubjectDigest))
		}
	})
}
