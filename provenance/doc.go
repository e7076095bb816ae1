// Package provenance is the root of Bulwark's provenance pillar: knowing
// exactly which bytes are deployed, who produced them, and from which data
// and base model. The work is split into subpackages, one job each:
//
//   - manifest: hashing a model folder into a deterministic manifest
//   - modelsig: OpenSSF model signing (sign and verify Sigstore bundles)
//   - attest: signed in-toto dataset and training attestations
//   - lineage: answering "which models used dataset X / framework Y"
//   - bom: CycloneDX 1.6 AI bills of materials
//   - policy: the deployment gate behind `bulwark verify --policy`
package provenance
