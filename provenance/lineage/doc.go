// Package lineage answers "which models used dataset X / framework version
// Y / base model Z" from a folder of attestations (package attest). It
// builds a graph from training attestations (SLSA provenance: model ←
// base models, datasets, frameworks and libraries) and dataset
// attestations (dataset name ↔ digest), and follows it transitively: a
// model fine-tuned from a model that used dataset X used X too.
//
// When given a verifier, only attestations whose signatures verify are
// trusted; the others are reported as skipped, never silently used.
package lineage
