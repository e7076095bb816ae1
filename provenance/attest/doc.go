// Package attest builds, signs and reads in-toto attestations about the
// inputs of a model:
//
//   - dataset attestations (predicate https://bulwark.dev/attestation/dataset/v1):
//     the digest of every file of a dataset, its source URLs, licence and
//     retention date; the subject is the dataset's root digest, computed
//     exactly like a model signature's (SHA-256 over the file digests);
//   - training attestations, as SLSA provenance v1 (predicate
//     https://slsa.dev/provenance/v1, build type
//     https://bulwark.dev/attestation/training/v1): the trained model is the
//     subject; base models, datasets and framework/library versions are
//     resolved dependencies; hyperparameters are external parameters and the
//     environment an internal parameter.
//
// Statements are signed with modelsig.Signer into the same Sigstore bundle
// (DSSE) layout as model signatures, so one verifier checks both.
package attest
