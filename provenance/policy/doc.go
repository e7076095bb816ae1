// Package policy is the deployment gate of `bulwark verify --policy`: a YAML
// file that says which signers a model must come from (public keys,
// certificate trust anchors and identities, or keyless Sigstore identities
// checked against a trusted root) and the highest model-scan severity that
// may ship. It builds the verifier for modelsig and turns scan results above
// the limit into findings.
package policy
