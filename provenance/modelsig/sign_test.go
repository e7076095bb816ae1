package modelsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

func mustECDSA(t testing.TB) crypto.Signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEd25519(t testing.TB) crypto.Signer {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testPKI is a root → intermediate → leaf chain made with crypto/x509.
type testPKI struct {
	root, inter, leaf *x509.Certificate
	leafKey           crypto.Signer
}

func newPKI(t testing.TB, leafKey crypto.Signer, leafTmpl *x509.Certificate) *testPKI {
	t.Helper()
	now := time.Now()
	rootKey := mustECDSA(t)
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-root"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	interKey := mustECDSA(t)
	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "test-intermediate"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	interDER, err := x509.CreateCertificate(rand.Reader, interTmpl, root, interKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(interDER)
	if leafTmpl == nil {
		leafTmpl = &x509.Certificate{
			Subject:        pkix.Name{CommonName: "model-signer"},
			EmailAddresses: []string{"ml-release@example.com"},
			KeyUsage:       x509.KeyUsageDigitalSignature,
			ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		}
	}
	leafTmpl.SerialNumber = big.NewInt(3)
	leafTmpl.NotBefore, leafTmpl.NotAfter = now.Add(-time.Minute), now.Add(time.Hour)
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, inter, leafKey.Public(), interKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	return &testPKI{root: root, inter: inter, leaf: leaf, leafKey: leafKey}
}

func writeModel(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"config.json":                      `{"architectures":["LlamaForCausalLM"]}`,
		"model-00001-of-00002.safetensors": strings.Repeat("w", 3000),
		"model-00002-of-00002.safetensors": strings.Repeat("v", 1200),
		"tokenizer/tokenizer.json":         "{}",
		".git/HEAD":                        "ref: refs/heads/main",
	}
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// signTo signs dir and writes the bundle to dir/model.sig.
func signTo(t testing.TB, dir string, s *Signer, hopts manifest.Options) string {
	t.Helper()
	sigPath := filepath.Join(dir, DefaultSignatureName)
	b, _, err := Sign(context.Background(), dir, s, SignOptions{SignaturePath: sigPath, Hashing: hopts})
	if err != nil {
		t.Fatal(err)
	}
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sigPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return sigPath
}

func TestSignVerifyRoundTrip(t *testing.T) {
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	type method struct {
		name   string
		signer func(t *testing.T) (*Signer, Verifier, Method)
	}
	keyMethod := func(k crypto.Signer) func(t *testing.T) (*Signer, Verifier, Method) {
		return func(t *testing.T) (*Signer, Verifier, Method) {
			s, err := NewKeySigner(k)
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewKeyVerifier(k.Public())
			if err != nil {
				t.Fatal(err)
			}
			return s, v, MethodKey
		}
	}
	certMethod := func(k crypto.Signer) func(t *testing.T) (*Signer, Verifier, Method) {
		return func(t *testing.T) (*Signer, Verifier, Method) {
			pki := newPKI(t, k, nil)
			s, err := NewCertificateSigner(k, []*x509.Certificate{pki.leaf, pki.inter})
			if err != nil {
				t.Fatal(err)
			}
			v, err := NewCertificateVerifier([]*x509.Certificate{pki.root})
			if err != nil {
				t.Fatal(err)
			}
			return s, v, MethodCertificate
		}
	}
	methods := []method{
		{"key-ecdsa-p256", keyMethod(mustECDSA(t))},
		{"key-ecdsa-p384", keyMethod(p384)},
		{"key-ecdsa-p521", keyMethod(p521)},
		{"key-ed25519", keyMethod(mustEd25519(t))},
		{"certificate-ecdsa", certMethod(mustECDSA(t))},
		{"certificate-ed25519", certMethod(mustEd25519(t))},
	}
	hashings := []manifest.Options{{}, {Method: manifest.MethodShards, ShardSize: 1024}}
	for _, m := range methods {
		for _, h := range hashings {
			t.Run(m.name+"/"+h.Method, func(t *testing.T) {
				s, v, wantMethod := m.signer(t)
				dir := writeModel(t)
				sigPath := signTo(t, dir, s, h)
				b, err := ReadBundle(sigPath)
				if err != nil {
					t.Fatal(err)
				}
				if b.Method != wantMethod {
					t.Fatalf("method %s, want %s", b.Method, wantMethod)
				}
				res, err := VerifyModel(context.Background(), dir, b, v, VerifyOptions{SignaturePath: sigPath})
				if err != nil {
					t.Fatal(err)
				}
				if !res.OK() {
					t.Fatalf("fresh signature mismatches: %+v", res.Changes)
				}
				if wantMethod == MethodCertificate && (res.Signer.Identity != "ml-release@example.com" || res.Signer.Anchor != "CN=test-root") {
					t.Fatalf("signer = %+v", res.Signer)
				}
				if h.Method == manifest.MethodShards && len(res.Payload.Resources) != 7 {
					t.Fatalf("expected 7 shards, got %d", len(res.Payload.Resources))
				}
				// Tampering: each detected and named.
				tampers := []struct {
					name string
					do   func() error
					kind manifest.ChangeKind
					path string
				}{
					{"byte", func() error { return flipByte(filepath.Join(dir, "model-00002-of-00002.safetensors"), 700) }, manifest.Changed, "model-00002-of-00002.safetensors"},
					{"add", func() error { return os.WriteFile(filepath.Join(dir, "tokenizer", "evil.pkl"), []byte("x"), 0o644) }, manifest.Added, "tokenizer/evil.pkl"},
					{"remove", func() error { return os.Remove(filepath.Join(dir, "config.json")) }, manifest.Removed, "config.json"},
					{"rename", func() error {
						return os.Rename(filepath.Join(dir, "tokenizer", "tokenizer.json"), filepath.Join(dir, "tokenizer", "tok.json"))
					}, manifest.Renamed, "tokenizer/tok.json"},
				}
				for _, tc := range tampers {
					fresh := writeModel(t)
					dir = fresh
					sigPath := signTo(t, dir, s, h)
					b, err := ReadBundle(sigPath)
					if err != nil {
						t.Fatal(err)
					}
					if err := tc.do(); err != nil {
						t.Fatal(err)
					}
					res, err := VerifyModel(context.Background(), dir, b, v, VerifyOptions{SignaturePath: sigPath})
					if err != nil {
						t.Fatal(err)
					}
					if len(res.Changes) != 1 || res.Changes[0].Kind != tc.kind || res.Changes[0].Path != tc.path {
						t.Fatalf("%s: changes = %+v", tc.name, res.Changes)
					}
				}
			})
		}
	}
}

func flipByte(path string, off int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	data[off] ^= 0x40
	return os.WriteFile(path, data, 0o644)
}

func TestVerifyWrongMaterial(t *testing.T) {
	k := mustECDSA(t)
	s, _ := NewKeySigner(k)
	dir := writeModel(t)
	sigPath := signTo(t, dir, s, manifest.Options{})
	b, err := ReadBundle(sigPath)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewKeyVerifier(mustECDSA(t).Public())
	if _, err := VerifyModel(context.Background(), dir, b, other, VerifyOptions{SignaturePath: sigPath}); !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "not the key supplied") {
		t.Fatalf("other key: %v", err)
	}
	// Same key but the hint stripped: the signature itself must fail for another key.
	b.Proto.GetVerificationMaterial().GetPublicKey().Hint = ""
	b.Hint = ""
	if _, err := VerifyModel(context.Background(), dir, b, other, VerifyOptions{SignaturePath: sigPath}); !errors.Is(err, ErrSignature) {
		t.Fatalf("other key without hint: %v", err)
	}
	// A certificate verifier cannot accept a bare-key bundle.
	pki := newPKI(t, k, nil)
	cv, _ := NewCertificateVerifier([]*x509.Certificate{pki.root})
	if _, err := VerifyModel(context.Background(), dir, b, cv, VerifyOptions{SignaturePath: sigPath}); !errors.Is(err, ErrSignature) {
		t.Fatalf("certificate verifier on key bundle: %v", err)
	}
	// AnyVerifier: first fails, second succeeds.
	good, _ := NewKeyVerifier(k.Public())
	res, err := VerifyModel(context.Background(), dir, b, AnyVerifier{other, good}, VerifyOptions{SignaturePath: sigPath})
	if err != nil || !res.OK() {
		t.Fatalf("AnyVerifier: %v", err)
	}
}

func TestCertificateChainRejected(t *testing.T) {
	k := mustECDSA(t)
	dir := writeModel(t)
	cases := []struct {
		name   string
		leaf   *x509.Certificate
		chain  func(p *testPKI) []*x509.Certificate
		anchor func(p *testPKI, other *testPKI) *x509.Certificate
		want   string
	}{
		{"untrusted root", nil, func(p *testPKI) []*x509.Certificate { return []*x509.Certificate{p.leaf, p.inter} },
			func(_, o *testPKI) *x509.Certificate { return o.root }, "certificate chain"},
		{"missing intermediate", nil, func(p *testPKI) []*x509.Certificate { return []*x509.Certificate{p.leaf} },
			func(p, _ *testPKI) *x509.Certificate { return p.root }, "certificate chain"},
		{"no signing usage", &x509.Certificate{Subject: pkix.Name{CommonName: "enc"}, KeyUsage: x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
			func(p *testPKI) []*x509.Certificate { return []*x509.Certificate{p.leaf, p.inter} },
			func(p, _ *testPKI) *x509.Certificate { return p.root }, "neither digital signatures nor code signing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, o := newPKI(t, k, c.leaf), newPKI(t, k, nil)
			s, err := NewCertificateSigner(k, c.chain(p))
			if err != nil {
				t.Fatal(err)
			}
			sigPath := signTo(t, dir, s, manifest.Options{})
			b, err := ReadBundle(sigPath)
			if err != nil {
				t.Fatal(err)
			}
			v, _ := NewCertificateVerifier([]*x509.Certificate{c.anchor(p, o)})
			_, err = VerifyModel(context.Background(), dir, b, v, VerifyOptions{SignaturePath: sigPath})
			if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	if _, err := NewCertificateSigner(k, []*x509.Certificate{newPKI(t, mustECDSA(t), nil).leaf}); !errors.Is(err, ErrKey) {
		t.Fatalf("leaf for another key accepted: %v", err)
	}
}

// TestPayloadIsInToto checks that the statements Bulwark signs are valid
// in-toto v1 statements for in-toto's own Go library, and parse back.
func TestPayloadIsInToto(t *testing.T) {
	for _, h := range []manifest.Options{{}, {Method: manifest.MethodShards, ShardSize: 100}} {
		m, err := manifest.Build(context.Background(), writeModel(t), h)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := NewPayload(m)
		if err != nil {
			t.Fatal(err)
		}
		var st intoto.Statement
		if err := protojson.Unmarshal(payload, &st); err != nil {
			t.Fatal(err)
		}
		if err := st.Validate(); err != nil {
			t.Fatalf("in-toto validation: %v", err)
		}
		p, err := ParsePayload(payload)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Resources) != len(m.Resources) || p.Serialization.ShardSize != m.Serialization.ShardSize || p.SubjectName != m.Name {
			t.Fatalf("round trip: %+v", p)
		}
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	cases := map[string]string{
		"":                             "no PEM private key",
		"just text":                    "no PEM private key",
		pemOf("RSA PRIVATE KEY"):       "RSA keys are not supported",
		pemOf("ENCRYPTED PRIVATE KEY"): "encrypted",
		pemOf("PRIVATE KEY"):           "private key",
		pemOf("EC PRIVATE KEY"):        "private key",
	}
	for in, want := range cases {
		if _, err := ParsePrivateKey([]byte(in)); !errors.Is(err, ErrKey) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePrivateKey(%.30q) = %v, want %q", in, err, want)
		}
	}
	if _, err := ParsePublicKey([]byte(pemOf("PUBLIC KEY"))); !errors.Is(err, ErrKey) {
		t.Errorf("garbage public key: %v", err)
	}
	// A P-224 key is refused for signing.
	k, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	if _, err := NewKeySigner(k); !errors.Is(err, ErrKey) {
		t.Errorf("P-224 accepted: %v", err)
	}
}

func pemOf(typ string) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: []byte("garbage")}))
}
