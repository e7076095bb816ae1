package modelsig

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"

	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// PAE returns the DSSE pre-authentication encoding of a payload:
// "DSSEv1 <len(type)> <type> <len(payload)> <payload>".
func PAE(payloadType string, payload []byte) []byte {
	var b strings.Builder
	b.Grow(len(payload) + len(payloadType) + 32)
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return []byte(b.String())
}

// Signer signs model statements with a private key, optionally presenting
// an X.509 certificate chain.
type Signer struct {
	key   crypto.Signer
	chain []*x509.Certificate
}

// NewKeySigner returns a signer for a bare key (method "key"). The key must
// be ECDSA on P-256, P-384 or P-521, or Ed25519.
func NewKeySigner(key crypto.Signer) (*Signer, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: no private key", ErrKey)
	}
	if err := checkKey(key.Public()); err != nil {
		return nil, err
	}
	return &Signer{key: key}, nil
}

// NewCertificateSigner returns a signer that puts chain (leaf first, then
// intermediates; never the root) in the bundle (method "certificate").
// The leaf must certify key's public key.
func NewCertificateSigner(key crypto.Signer, chain []*x509.Certificate) (*Signer, error) {
	s, err := NewKeySigner(key)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: empty certificate chain", ErrKey)
	}
	leafDER, err := x509.MarshalPKIXPublicKey(chain[0].PublicKey)
	if err != nil {
		return nil, fmt.Errorf("%w: leaf certificate key: %v", ErrKey, err)
	}
	keyDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	if subtle.ConstantTimeCompare(leafDER, keyDER) != 1 {
		return nil, fmt.Errorf("%w: the leaf certificate does not certify the private key", ErrKey)
	}
	s.chain = chain
	return s, nil
}

// Method returns the signing method the signer's bundles use.
func (s *Signer) Method() Method {
	if len(s.chain) > 0 {
		return MethodCertificate
	}
	return MethodKey
}

// signPAE signs the DSSE PAE of payload.
func (s *Signer) signPAE(payload []byte) ([]byte, error) {
	msg := PAE(PayloadType, payload)
	switch s.key.Public().(type) {
	case ed25519.PublicKey:
		return s.key.Sign(rand.Reader, msg, crypto.Hash(0))
	case *ecdsa.PublicKey:
		h := hashFor(s.key.Public())
		hh := h.New()
		hh.Write(msg)
		return s.key.Sign(rand.Reader, hh.Sum(nil), h)
	}
	return nil, fmt.Errorf("%w: unsupported key %T", ErrKey, s.key.Public())
}

// SignStatement signs any in-toto statement (JSON) and returns the Sigstore
// bundle message: a DSSE envelope with one signature, and the key hint or
// certificate chain as verification material.
func (s *Signer) SignStatement(payload []byte) (*protobundle.Bundle, error) {
	sig, err := s.signPAE(payload)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	vm := &protobundle.VerificationMaterial{}
	if len(s.chain) > 0 {
		certs := make([]*protocommon.X509Certificate, len(s.chain))
		for i, c := range s.chain {
			certs[i] = &protocommon.X509Certificate{RawBytes: c.Raw}
		}
		vm.Content = &protobundle.VerificationMaterial_X509CertificateChain{
			X509CertificateChain: &protocommon.X509CertificateChain{Certificates: certs},
		}
	} else {
		hint, err := KeyHint(s.key.Public())
		if err != nil {
			return nil, err
		}
		vm.Content = &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint}}
	}
	return &protobundle.Bundle{
		MediaType:            BundleMediaType,
		VerificationMaterial: vm,
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     payload,
			PayloadType: PayloadType,
			Signatures:  []*protodsse.Signature{{Sig: sig}},
		}},
	}, nil
}

// SignPayload signs a model signing statement and returns the bundle.
func (s *Signer) SignPayload(payload []byte) (*Bundle, error) {
	pb, err := s.SignStatement(payload)
	if err != nil {
		return nil, err
	}
	data, err := (&Bundle{Proto: pb}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return ParseBundle(data)
}

// SignOptions tune Sign.
type SignOptions struct {
	// Hashing says how to hash the model. The signature path is added to
	// its ignore list when it lies under the model.
	Hashing manifest.Options
	// SignaturePath is where the bundle will be written.
	SignaturePath string
}

// Sign hashes the model at modelPath and signs its manifest. It returns the
// bundle and the manifest signed; the caller writes Bundle.Marshal() to
// opts.SignaturePath.
func Sign(ctx context.Context, modelPath string, s *Signer, opts SignOptions) (*Bundle, *manifest.Manifest, error) {
	hopts := opts.Hashing
	if opts.SignaturePath != "" {
		hopts.IgnorePaths = append(append([]string(nil), hopts.IgnorePaths...), underRoot(modelPath, opts.SignaturePath)...)
	}
	m, err := manifest.Build(ctx, modelPath, hopts)
	if err != nil {
		return nil, nil, err
	}
	payload, err := NewPayload(m)
	if err != nil {
		return nil, nil, fmt.Errorf("sign: %w", err)
	}
	b, err := s.SignPayload(payload)
	if err != nil {
		return nil, nil, err
	}
	return b, m, nil
}

// underRoot returns p relative to root when p lies under root, as a
// one-element ignore list; otherwise nil.
func underRoot(root, p string) []string {
	ar, err1 := filepath.Abs(root)
	ap, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return nil
	}
	rel, err := filepath.Rel(ar, ap)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return []string{filepath.ToSlash(rel)}
}
