// Package bom writes an AI bill of materials for a model folder as
// CycloneDX 1.6 JSON (github.com/CycloneDX/cyclonedx-go): the model as a
// machine-learning-model component with the SHA-256 of every file and the
// manifest's root digest; a modelCard filled from the Hugging Face README
// front matter (license, datasets, base_model, pipeline_tag) and
// config.json (architectures, model_type, transformers_version); datasets,
// the base model and libraries as components with dependencies; model-scan
// findings as vulnerabilities; and the signature status as properties.
package bom
