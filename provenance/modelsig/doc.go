// Package modelsig signs and verifies models in the OpenSSF model signing
// format (the `model_signing` v1.0 layout of sigstore/model-transparency):
// an in-toto statement whose predicate lists every file (or shard) digest of
// the model, wrapped in a DSSE envelope, wrapped in a Sigstore bundle
// (media type application/vnd.dev.sigstore.bundle.v0.3+json).
//
// Three signing methods exist. Bulwark signs with the first two and
// verifies all three, fully offline:
//
//   - key: an ECDSA (P-256, P-384, P-521) or Ed25519 private key; the
//     bundle carries a hint of the public key.
//   - certificate: the same, plus an X.509 chain (leaf first) in the bundle,
//     verified against caller-supplied trust anchors at the leaf's
//     notBefore time, as the reference does.
//   - keyless: a Fulcio certificate, transparency-log entry and timestamps,
//     verified against a Sigstore trusted-root file with sigstore-go and
//     matched against an expected identity and OIDC issuer.
//
// Verification checks the signature, then that the statement's subject
// digest is the digest of its resource list, then recomputes the manifest
// from disk with the serialization the signature records and names every
// file added, removed, changed or renamed. Bundles written by model_signing
// 0.3.1 to 1.1.x verify; the legacy 0.2 layout (predicate
// https://model_signing/Digests/v0.1) is accepted through a compatibility
// path for certificate signatures.
package modelsig
