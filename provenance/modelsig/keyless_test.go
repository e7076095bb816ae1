package modelsig

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// TestKeylessVirtualSigstore verifies keyless signatures over model
// statements made by sigstore-go's in-process Sigstore (Fulcio CA, Rekor
// log, TSA), so that the keyless path is tested without ../shared. The
// virtual CA issues no SCTs, so the SCT requirement is relaxed here and
// checked separately below.
func TestKeylessVirtualSigstore(t *testing.T) {
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	m, err := manifest.Build(context.Background(), writeModel(t), manifest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	payload, err := NewPayload(m)
	if err != nil {
		t.Fatal(err)
	}
	const who, iss = "ml-release@example.com", "https://issuer.example.com"
	entity, err := vs.Attest(who, iss, payload)
	if err != nil {
		t.Fatal(err)
	}
	opts := []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	cases := []struct {
		name   string
		ids    []Identity
		digest []byte
		want   string
	}{
		{"exact identity", []Identity{{SAN: who, Issuer: iss}}, m.RootDigest(), ""},
		{"regexp identity", []Identity{{SANRegexp: `@example\.com$`, IssuerRegexp: `^https://issuer\.`}}, m.RootDigest(), ""},
		{"one of several", []Identity{{SAN: "a@b.c", Issuer: iss}, {SAN: who, Issuer: iss}}, m.RootDigest(), ""},
		{"wrong identity", []Identity{{SAN: "mallory@example.com", Issuer: iss}}, m.RootDigest(), "identity"},
		{"wrong issuer", []Identity{{SAN: who, Issuer: "https://accounts.google.com"}}, m.RootDigest(), "identity"},
		{"wrong digest", []Identity{{SAN: who, Issuer: iss}}, make([]byte, 32), "digest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := newKeyless(vs, c.ids, opts...)
			if err != nil {
				t.Fatal(err)
			}
			info, err := v.verifyEntity(entity, c.digest)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if info.Identity != who || info.Issuer != iss || info.SignedAt.IsZero() {
					t.Fatalf("signer = %+v", info)
				}
				return
			}
			if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	// The production verifier demands an SCT, which this certificate lacks.
	v, err := NewKeylessVerifier(vs, []Identity{{SAN: who, Issuer: iss}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.verifyEntity(entity, m.RootDigest()); !errors.Is(err, ErrSignature) {
		t.Fatalf("certificate without SCT accepted: %v", err)
	}
	// Another Sigstore instance is not trusted.
	other, _ := ca.NewVirtualSigstore()
	ov, _ := newKeyless(other, []Identity{{SAN: who, Issuer: iss}}, opts...)
	if _, err := ov.verifyEntity(entity, m.RootDigest()); !errors.Is(err, ErrSignature) {
		t.Fatalf("foreign Sigstore accepted: %v", err)
	}
	if _, err := NewKeylessVerifier(vs, nil); !errors.Is(err, ErrKey) {
		t.Fatalf("no identities: %v", err)
	}
	if _, err := NewKeylessVerifier(vs, []Identity{{SANRegexp: "(", Issuer: iss}}); !errors.Is(err, ErrKey) {
		t.Fatalf("bad regexp: %v", err)
	}
}
