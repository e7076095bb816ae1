package modelsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// ErrSignature marks a signature that does not verify.
var ErrSignature = errors.New("signature does not verify")

// SignerInfo describes who signed a verified bundle.
type SignerInfo struct {
	// Method is the signing method.
	Method Method `json:"method"`
	// KeyID is the key hint (hex SHA-256 of the PEM public key).
	KeyID string `json:"key_id,omitempty"`
	// Subject is the leaf certificate's subject (certificate method).
	Subject string `json:"subject,omitempty"`
	// Identity is the certificate's SAN (e-mail, URI ...) when it has one.
	Identity string `json:"identity,omitempty"`
	// Issuer is the OIDC issuer (keyless) or the leaf's issuer DN.
	Issuer string `json:"issuer,omitempty"`
	// Anchor is the subject of the trust anchor the chain ended at.
	Anchor string `json:"anchor,omitempty"`
	// SignedAt is the verified signing time (keyless), else zero.
	SignedAt time.Time `json:"signed_at,omitzero"`
}

// Verifier authenticates a bundle: it checks the signature and that the
// statement's subject digest is rootDigest.
type Verifier interface {
	// VerifyBundle returns who signed b, or an error wrapping ErrSignature.
	VerifyBundle(ctx context.Context, b *Bundle, rootDigest []byte) (*SignerInfo, error)
}

func sigErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSignature, fmt.Sprintf(format, args...))
}

// KeyVerifier verifies bundles signed with a bare key.
type KeyVerifier struct {
	pub  crypto.PublicKey
	hint string
}

// NewKeyVerifier returns a verifier for bundles signed by pub's private key.
func NewKeyVerifier(pub crypto.PublicKey) (*KeyVerifier, error) {
	if err := checkKey(pub); err != nil {
		return nil, err
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	return &KeyVerifier{pub: pub, hint: hint}, nil
}

// VerifyBundle implements Verifier.
func (v *KeyVerifier) VerifyBundle(_ context.Context, b *Bundle, rootDigest []byte) (*SignerInfo, error) {
	if b.Method != MethodKey {
		return nil, sigErr("the bundle was signed with a %s, not a bare key", b.Method)
	}
	if b.Hint != "" && subtle.ConstantTimeCompare([]byte(b.Hint), []byte(v.hint)) != 1 {
		return nil, sigErr("the bundle names key %s, not the key supplied (%s)", short(b.Hint), v.hint)
	}
	info := &SignerInfo{Method: MethodKey, KeyID: v.hint}
	if b.Payload.Legacy() {
		if err := verifyLegacy(v.pub, b, rootDigest); err != nil {
			return nil, err
		}
		return info, nil
	}
	sv, err := signature.LoadVerifier(v.pub, hashFor(v.pub))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	sgv, err := verify.NewVerifier(tm, verify.WithNoObserverTimestamps())
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if _, err := sgv.Verify(b.Sigstore, verify.NewPolicy(verify.WithArtifactDigest("sha256", rootDigest), verify.WithKey())); err != nil {
		return nil, sigErr("%v", err)
	}
	return info, nil
}

// CertificateVerifier verifies bundles that carry an X.509 chain ending at
// one of a set of trust anchors.
type CertificateVerifier struct {
	roots *x509.CertPool
	n     int
}

// NewCertificateVerifier returns a verifier trusting the given anchors
// (self-signed roots or any certificate trusted as a root).
func NewCertificateVerifier(anchors []*x509.Certificate) (*CertificateVerifier, error) {
	if len(anchors) == 0 {
		return nil, fmt.Errorf("%w: no trust anchors", ErrKey)
	}
	p := x509.NewCertPool()
	for _, c := range anchors {
		p.AddCert(c)
	}
	return &CertificateVerifier{roots: p, n: len(anchors)}, nil
}

// VerifyBundle implements Verifier. The chain is validated at the leaf's
// notBefore time, as the reference does (the signing time is not recorded),
// and the leaf must allow digital signatures or code signing.
func (v *CertificateVerifier) VerifyBundle(_ context.Context, b *Bundle, rootDigest []byte) (*SignerInfo, error) {
	if len(b.Chain) == 0 {
		return nil, sigErr("the bundle holds no certificate chain")
	}
	leaf := b.Chain[0]
	inter := x509.NewCertPool()
	for _, c := range b.Chain[1:] {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   leaf.NotBefore,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, sigErr("certificate chain: %v", err)
	}
	codeSigning := false
	for _, u := range leaf.ExtKeyUsage {
		if u == x509.ExtKeyUsageCodeSigning {
			codeSigning = true
		}
	}
	if leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 && !codeSigning {
		return nil, sigErr("the leaf certificate allows neither digital signatures nor code signing")
	}
	if err := checkKey(leaf.PublicKey); err != nil {
		return nil, sigErr("leaf certificate: %v", err)
	}
	anchor := chains[0][len(chains[0])-1]
	info := &SignerInfo{
		Method:   MethodCertificate,
		Subject:  leaf.Subject.String(),
		Identity: certIdentity(leaf),
		Issuer:   leaf.Issuer.String(),
		Anchor:   anchor.Subject.String(),
	}
	if kid, err := KeyHint(leaf.PublicKey); err == nil {
		info.KeyID = kid
	}
	if b.Payload.Legacy() {
		if err := verifyLegacy(leaf.PublicKey, b, rootDigest); err != nil {
			return nil, err
		}
		return info, nil
	}
	sigContent, err := b.Sigstore.SignatureContent()
	if err != nil {
		return nil, sigErr("%v", err)
	}
	vc, err := b.Sigstore.VerificationContent()
	if err != nil {
		return nil, sigErr("%v", err)
	}
	if err := verify.VerifySignatureWithArtifactDigests(sigContent, vc, nil, []verify.ArtifactDigest{{Algorithm: "sha256", Digest: rootDigest}}); err != nil {
		return nil, sigErr("%v", err)
	}
	return info, nil
}

// certIdentity returns the first SAN of c: e-mail, URI, DNS name.
func certIdentity(c *x509.Certificate) string {
	switch {
	case len(c.EmailAddresses) > 0:
		return c.EmailAddresses[0]
	case len(c.URIs) > 0:
		return c.URIs[0].String()
	case len(c.DNSNames) > 0:
		return c.DNSNames[0]
	}
	return ""
}

// Identity is an expected keyless signer: a certificate SAN and an OIDC
// issuer, each given exactly or as a regular expression.
type Identity struct {
	// SAN is the exact subject alternative name (e-mail or URI).
	SAN string `yaml:"san" json:"san,omitempty"`
	// SANRegexp matches the SAN when SAN is empty.
	SANRegexp string `yaml:"san_regexp" json:"san_regexp,omitempty"`
	// Issuer is the exact OIDC issuer URL.
	Issuer string `yaml:"issuer" json:"issuer,omitempty"`
	// IssuerRegexp matches the issuer when Issuer is empty.
	IssuerRegexp string `yaml:"issuer_regexp" json:"issuer_regexp,omitempty"`
}

// KeylessVerifier verifies Sigstore keyless bundles offline against a
// trusted root: Fulcio chain, signed certificate timestamp, transparency
// log entry (inclusion promise or proof) and, when present, RFC 3161
// timestamps. The certificate is checked at the verified log or timestamp
// time, never at the current time.
type KeylessVerifier struct {
	verifier *verify.Verifier
	policies []verify.PolicyOption
}

// NewKeylessVerifier returns a verifier trusting trusted (typically
// root.NewTrustedRootFromPath) and accepting any of the identities. It
// demands one transparency-log entry, one observer timestamp (log or TSA)
// and one signed certificate timestamp.
func NewKeylessVerifier(trusted root.TrustedMaterial, identities []Identity) (*KeylessVerifier, error) {
	return newKeyless(trusted, identities, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1), verify.WithSignedCertificateTimestamps(1))
}

func newKeyless(trusted root.TrustedMaterial, identities []Identity, opts ...verify.VerifierOption) (*KeylessVerifier, error) {
	if len(identities) == 0 {
		return nil, fmt.Errorf("%w: keyless verification needs at least one expected identity", ErrKey)
	}
	pols := make([]verify.PolicyOption, 0, len(identities))
	for _, id := range identities {
		ci, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.SAN, id.SANRegexp)
		if err != nil {
			return nil, fmt.Errorf("%w: identity %+v: %v", ErrKey, id, err)
		}
		pols = append(pols, verify.WithCertificateIdentity(ci))
	}
	v, err := verify.NewVerifier(trusted, opts...)
	if err != nil {
		return nil, fmt.Errorf("keyless verifier: %w", err)
	}
	return &KeylessVerifier{verifier: v, policies: pols}, nil
}

// LoadTrustedRoot reads a Sigstore trusted_root.json.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	data, err := readSmall(path)
	if err != nil {
		return nil, fmt.Errorf("trusted root: %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	return tr, nil
}

// VerifyBundle implements Verifier.
func (v *KeylessVerifier) VerifyBundle(_ context.Context, b *Bundle, rootDigest []byte) (*SignerInfo, error) {
	if b.Method != MethodKeyless {
		return nil, sigErr("the bundle was signed with a %s, not keyless", b.Method)
	}
	if b.Payload.Legacy() {
		return nil, sigErr("legacy model_signing 0.2 keyless bundles are not supported")
	}
	return v.verifyEntity(b.Sigstore, rootDigest)
}

// verifyEntity verifies any Sigstore signed entity (a bundle, or a test
// entity from a virtual Sigstore instance).
func (v *KeylessVerifier) verifyEntity(e verify.SignedEntity, rootDigest []byte) (*SignerInfo, error) {
	res, err := v.verifier.Verify(e, verify.NewPolicy(verify.WithArtifactDigest("sha256", rootDigest), v.policies...))
	if err != nil {
		return nil, sigErr("%v", err)
	}
	info := &SignerInfo{Method: MethodKeyless}
	if res.Signature != nil && res.Signature.Certificate != nil {
		info.Identity = res.Signature.Certificate.SubjectAlternativeName
		info.Issuer = res.Signature.Certificate.Issuer
	}
	for _, ts := range res.VerifiedTimestamps {
		if info.SignedAt.IsZero() || ts.Timestamp.Before(info.SignedAt) {
			info.SignedAt = ts.Timestamp.UTC()
		}
	}
	return info, nil
}

// AnyVerifier accepts a bundle that any of its verifiers accepts.
type AnyVerifier []Verifier

// VerifyBundle implements Verifier; on failure it reports every reason.
func (a AnyVerifier) VerifyBundle(ctx context.Context, b *Bundle, rootDigest []byte) (*SignerInfo, error) {
	if len(a) == 0 {
		return nil, sigErr("no verification material supplied")
	}
	var msgs []string
	for _, v := range a {
		info, err := v.VerifyBundle(ctx, b, rootDigest)
		if err == nil {
			return info, nil
		}
		msgs = append(msgs, strings.TrimPrefix(err.Error(), ErrSignature.Error()+": "))
	}
	return nil, sigErr("%s", strings.Join(msgs, "; "))
}

// verifyLegacy checks a model_signing 0.2 signature. That release signed
// the text "DSSEV1 <len(type)> <type> <len(payload)> <repr(payload)>", where
// repr is Python's bytes repr, hashed with SHA-256 whatever the curve
// (pae_compat in src/model_signing/_signing/sign_sigstore_pb.py).
func verifyLegacy(pub crypto.PublicKey, b *Bundle, rootDigest []byte) error {
	if subtle.ConstantTimeCompare(rootDigest, b.Payload.SubjectDigest) != 1 {
		return sigErr("the statement's files do not have the expected digest")
	}
	env := b.Proto.GetDsseEnvelope()
	msg := legacyPAE(env.GetPayloadType(), env.GetPayload())
	sig := env.GetSignatures()[0].GetSig()
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(msg)
		if ecdsa.VerifyASN1(k, sum[:], sig) {
			return nil
		}
	case ed25519.PublicKey:
		if ed25519.Verify(k, msg, sig) {
			return nil
		}
	}
	return sigErr("legacy (model_signing 0.2) envelope signature does not verify")
}

func legacyPAE(payloadType string, payload []byte) []byte {
	s := fmt.Sprintf("DSSEV1 %d %s %d %s", len(payloadType), payloadType, len(payload), pyBytesRepr(payload))
	return []byte(s)
}

// pyBytesRepr renders b as Python's repr(bytes) does.
func pyBytesRepr(b []byte) string {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	var sb strings.Builder
	sb.WriteByte('b')
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteString(hex.EncodeToString([]byte{c}))
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
	return sb.String()
}

// VerifyOptions tune VerifyModel.
type VerifyOptions struct {
	// SignaturePath is ignored when it lies under the model.
	SignaturePath string
	// IgnorePaths are further paths to leave out (relative to the model).
	IgnorePaths []string
	// KeepGitPaths hashes .git, .gitattributes, .github and .gitignore.
	KeepGitPaths bool
	// IgnoreUnsignedFiles hashes only the files the signature names, so
	// files added since signing are not reported.
	IgnoreUnsignedFiles bool
	// Workers is the number of hashing goroutines.
	Workers int
}

// Result is the outcome of verifying a model whose signature is authentic.
type Result struct {
	// Signer says who signed it.
	Signer *SignerInfo
	// Payload is the authenticated statement.
	Payload *Payload
	// Actual is the manifest computed from disk.
	Actual *manifest.Manifest
	// Changes name every file that differs; empty when the model matches.
	Changes []manifest.Change
}

// OK reports whether the model on disk is exactly what was signed.
func (r *Result) OK() bool { return len(r.Changes) == 0 }

// VerifyModel authenticates b with v, then hashes the model at modelPath
// the way the signature records (files or shards, shard size, symlinks,
// ignored paths) and compares. It returns an error wrapping ErrSignature
// when the signature is not authentic, and a Result whose Changes name every
// differing file otherwise.
func VerifyModel(ctx context.Context, modelPath string, b *Bundle, v Verifier, opts VerifyOptions) (*Result, error) {
	info, err := v.VerifyBundle(ctx, b, b.Payload.SubjectDigest)
	if err != nil {
		return nil, err
	}
	p := b.Payload
	hopts := manifest.Options{
		Method:        p.Serialization.Method,
		ShardSize:     p.Serialization.ShardSize,
		AllowSymlinks: p.Serialization.AllowSymlinks,
		KeepGitPaths:  opts.KeepGitPaths,
		Workers:       opts.Workers,
	}
	hopts.IgnorePaths = append(hopts.IgnorePaths, opts.IgnorePaths...)
	hopts.IgnorePaths = append(hopts.IgnorePaths, p.Serialization.IgnorePaths...)
	if opts.SignaturePath != "" {
		hopts.IgnorePaths = append(hopts.IgnorePaths, underRoot(modelPath, opts.SignaturePath)...)
	}
	if opts.IgnoreUnsignedFiles {
		hopts.Only = make(map[string]bool, len(p.Resources))
		for _, r := range p.Resources {
			hopts.Only[r.FilePath()] = true
		}
	}
	actual, err := manifest.Build(ctx, modelPath, hopts)
	if err != nil {
		return nil, err
	}
	return &Result{Signer: info, Payload: p, Actual: actual, Changes: manifest.Diff(p.Resources, actual.Resources)}, nil
}
