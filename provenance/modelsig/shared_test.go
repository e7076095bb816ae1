package modelsig

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/proto"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// sharedDir returns ../shared/data/model-signing relative to the module
// root, or skips the test when it is absent.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "data", "model-signing")
	if _, err := os.Stat(filepath.Join(dir, "cases.json")); err != nil {
		t.Skipf("reference model-signing data not found at %s: %v", dir, err)
	}
	return dir
}

type refCase struct {
	Name          string   `json:"name"`
	Format        string   `json:"format"`
	Method        string   `json:"method"`
	Signature     string   `json:"signature"`
	ModelPath     string   `json:"model_path"`
	IgnorePaths   []string `json:"ignore_paths"`
	SignedFiles   []string `json:"signed_files"`
	TrustAnchors  []string `json:"trust_anchors"`
	PublicKey     string   `json:"public_key"`
	TrustedRoot   string   `json:"trusted_root"`
	Identity      string   `json:"identity"`
	OIDCIssuer    string   `json:"oidc_issuer"`
	Expected      string   `json:"expected"`
	SingleFile    bool     `json:"model_is_single_file"`
	PredicateType string   `json:"predicate_type"`
}

func loadCases(t *testing.T) (string, []refCase) {
	dir := sharedDir(t)
	data, err := os.ReadFile(filepath.Join(dir, "cases.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Cases []refCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Cases) == 0 {
		t.Fatal("cases.json lists no cases")
	}
	return dir, idx.Cases
}

// verifierFor builds the verifier a case's README entry prescribes.
func verifierFor(t *testing.T, dir string, c refCase, identity string) Verifier {
	t.Helper()
	switch c.Method {
	case "key":
		pub, err := LoadPublicKey(filepath.Join(dir, c.PublicKey))
		if err != nil {
			t.Fatal(err)
		}
		v, err := NewKeyVerifier(pub)
		if err != nil {
			t.Fatal(err)
		}
		return v
	case "certificate":
		var paths []string
		for _, a := range c.TrustAnchors {
			paths = append(paths, filepath.Join(dir, a))
		}
		anchors, err := LoadCertificates(paths...)
		if err != nil {
			t.Fatal(err)
		}
		v, err := NewCertificateVerifier(anchors)
		if err != nil {
			t.Fatal(err)
		}
		return v
	case "sigstore":
		tr, err := LoadTrustedRoot(filepath.Join(dir, c.TrustedRoot))
		if err != nil {
			t.Fatal(err)
		}
		v, err := NewKeylessVerifier(tr, []Identity{{SAN: identity, Issuer: c.OIDCIssuer}})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	t.Fatalf("unknown method %q", c.Method)
	return nil
}

// copyModel copies a case's model (folder or single file) and signature to
// a temp dir so that tamper tests can change them.
func copyModel(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestReferenceCases(t *testing.T) {
	dir, cases := loadCases(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sigPath := filepath.Join(dir, c.Signature)
			b, err := ReadBundle(sigPath)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if b.Payload.PredicateType != c.PredicateType {
				t.Fatalf("predicate %q, want %q", b.Payload.PredicateType, c.PredicateType)
			}
			v := verifierFor(t, dir, c, c.Identity)
			model := filepath.Join(dir, c.ModelPath)
			opts := VerifyOptions{SignaturePath: sigPath, IgnorePaths: c.IgnorePaths}
			res, err := VerifyModel(context.Background(), model, b, v, opts)
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if !res.OK() {
				t.Fatalf("model does not match: %+v", res.Changes)
			}
			var got []string
			for _, r := range res.Payload.Resources {
				got = append(got, r.Name)
			}
			if strings.Join(got, ",") != strings.Join(c.SignedFiles, ",") {
				t.Fatalf("signed files %v, want %v", got, c.SignedFiles)
			}
			if c.Method == "sigstore" && (res.Signer.Identity != c.Identity || res.Signer.Issuer != c.OIDCIssuer || res.Signer.SignedAt.IsZero()) {
				t.Fatalf("keyless signer = %+v", res.Signer)
			}
		})
	}
}

// TestReferenceCasesRejected tampers with every reference case and checks
// that each change is detected and named, and that wrong verification
// material is refused.
func TestReferenceCasesRejected(t *testing.T) {
	dir, cases := loadCases(t)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			sigPath := filepath.Join(dir, c.Signature)
			b, err := ReadBundle(sigPath)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()

			// Wrong identity or wrong material.
			switch c.Method {
			case "sigstore":
				v := verifierFor(t, dir, c, "mallory@example.com")
				if _, err := VerifyModel(ctx, filepath.Join(dir, c.ModelPath), b, v, VerifyOptions{SignaturePath: sigPath, IgnorePaths: c.IgnorePaths}); !errors.Is(err, ErrSignature) {
					t.Fatalf("wrong identity accepted: %v", err)
				}
			case "key", "certificate":
				other, err := NewKeyVerifier(mustECDSA(t).Public())
				if err != nil {
					t.Fatal(err)
				}
				if _, err := VerifyModel(ctx, filepath.Join(dir, c.ModelPath), b, other, VerifyOptions{SignaturePath: sigPath, IgnorePaths: c.IgnorePaths}); !errors.Is(err, ErrSignature) {
					t.Fatalf("wrong key accepted: %v", err)
				}
			}

			// A payload changed after signing (its informative name only, so
			// that it still parses): the signature must fail.
			v := verifierFor(t, dir, c, c.Identity)
			env := *b.Proto.GetDsseEnvelope()
			name := b.Payload.SubjectName
			if b.Payload.Legacy() {
				name = b.Payload.Resources[0].Name
			}
			env.Payload = bytes.Replace(env.Payload, []byte(`"name": "`+name+`"`), []byte(`"name": "`+name+`x"`), 1)
			if bytes.Equal(env.Payload, b.Proto.GetDsseEnvelope().GetPayload()) {
				t.Fatal("tampering left the payload unchanged")
			}
			pb := proto.Clone(b.Proto).(*protobundle.Bundle)
			pb.Content = &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &env}
			raw, err := (&Bundle{Proto: pb}).Marshal()
			if err != nil {
				t.Fatal(err)
			}
			tb, err := ParseBundle(raw)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.VerifyBundle(ctx, tb, tb.Payload.SubjectDigest); !errors.Is(err, ErrSignature) {
				t.Fatalf("tampered payload accepted: %v", err)
			}
			wrongDigest := make([]byte, 32)
			if _, err := v.VerifyBundle(ctx, b, wrongDigest); !errors.Is(err, ErrSignature) {
				t.Fatalf("wrong subject digest accepted: %v", err)
			}

			// Content tampering: one byte changed, and a file added.
			if c.SingleFile {
				model := copyModel(t, filepath.Join(dir, c.ModelPath))
				data, _ := os.ReadFile(model)
				data[0] ^= 1
				os.WriteFile(model, data, 0o644)
				res, err := VerifyModel(ctx, model, b, v, VerifyOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Changes) != 1 || res.Changes[0].Kind != manifest.Changed || res.Changes[0].Path != "." {
					t.Fatalf("changes = %+v", res.Changes)
				}
				return
			}
			model := copyModel(t, filepath.Join(dir, c.ModelPath))
			p := filepath.Join(model, "signme-2")
			data, _ := os.ReadFile(p)
			data[0] ^= 1
			os.WriteFile(p, data, 0o644)
			os.WriteFile(filepath.Join(model, "extra"), []byte("x"), 0o644)
			res, err := VerifyModel(ctx, model, b, v, VerifyOptions{SignaturePath: filepath.Join(model, "model.sig"), IgnorePaths: c.IgnorePaths})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != 2 || res.Changes[0].Path != "extra" || res.Changes[0].Kind != manifest.Added ||
				res.Changes[1].Path != "signme-2" || res.Changes[1].Kind != manifest.Changed {
				t.Fatalf("changes = %+v", res.Changes)
			}
			res, err = VerifyModel(ctx, model, b, v, VerifyOptions{SignaturePath: filepath.Join(model, "model.sig"), IgnorePaths: c.IgnorePaths, IgnoreUnsignedFiles: true})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Changes) != 1 || res.Changes[0].Path != "signme-2" {
				t.Fatalf("with IgnoreUnsignedFiles: changes = %+v", res.Changes)
			}
		})
	}
}

// TestV101NeedsIgnoreMe checks the README's note: the v1.0.1 signatures do
// not record that ignore-me was excluded, so verifying without naming it
// reports it as added.
func TestV101NeedsIgnoreMe(t *testing.T) {
	dir, cases := loadCases(t)
	for _, c := range cases {
		if c.Name != "v1.0.1-elliptic-key" {
			continue
		}
		sigPath := filepath.Join(dir, c.Signature)
		b, err := ReadBundle(sigPath)
		if err != nil {
			t.Fatal(err)
		}
		res, err := VerifyModel(context.Background(), filepath.Join(dir, c.ModelPath), b, verifierFor(t, dir, c, ""), VerifyOptions{SignaturePath: sigPath})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changes) != 1 || res.Changes[0].Path != "ignore-me" || res.Changes[0].Kind != manifest.Added {
			t.Fatalf("changes = %+v", res.Changes)
		}
		return
	}
	t.Fatal("case v1.0.1-elliptic-key not found")
}

// TestPayloadGoldens recomputes every golden statement of the reference
// test suite from its model and compares digests and order.
func TestPayloadGoldens(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "payload-goldens")
	models := map[string]string{
		"sample_model_folder":          "sample_model",
		"deep_model_folder":            "deep_model",
		"sample_model_file":            "file_model",
		"model_folder_with_empty_file": "empty_file_inside_model",
	}
	for prefix, model := range models {
		for _, suffix := range []string{"", "_shard", "_small_shards"} {
			name := prefix + suffix
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(filepath.Join(dir, "statements", name+".json"))
				if err != nil {
					t.Fatal(err)
				}
				p, err := ParsePayload(data)
				if err != nil {
					t.Fatal(err)
				}
				m, err := manifest.Build(context.Background(), filepath.Join(dir, "models", model), manifest.Options{
					Method: p.Serialization.Method, ShardSize: p.Serialization.ShardSize, AllowSymlinks: p.Serialization.AllowSymlinks,
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Resources) != len(p.Resources) {
					t.Fatalf("%d resources, golden has %d", len(m.Resources), len(p.Resources))
				}
				for i := range m.Resources {
					if m.Resources[i].Name != p.Resources[i].Name || !bytes.Equal(m.Resources[i].Digest, p.Resources[i].Digest) || m.Resources[i].Algorithm != p.Resources[i].Algorithm {
						t.Fatalf("resource %d = %s %s, golden %s %s", i, m.Resources[i].Name, m.Resources[i].Algorithm, p.Resources[i].Name, p.Resources[i].Algorithm)
					}
				}
				if !bytes.Equal(m.RootDigest(), p.SubjectDigest) {
					t.Fatal("root digest differs from golden subject digest")
				}
				if m.Name != p.SubjectName {
					t.Fatalf("subject name %q, golden %q", m.Name, p.SubjectName)
				}
			})
		}
	}
}
