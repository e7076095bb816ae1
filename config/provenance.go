package config

// Provenance holds the settings of the `provenance` part of Bulwark:
// signing, verification, attestations and the AI-BOM.
type Provenance struct {
	// SignatureName is the signature file written inside a model folder.
	SignatureName string `yaml:"signature_name"`
	// ShardSize, when above 0, makes `sign` hash files in shards of this many
	// bytes (faster on large files, but only shard-aware verifiers accept it;
	// the reference CLI hashes whole files).
	ShardSize int64 `yaml:"shard_size"`
	// Workers is the number of hashing goroutines; 0 means all cores.
	Workers int `yaml:"workers"`
	// Policy is the default `verify --policy` file.
	Policy string `yaml:"policy"`
	// TrustedRoot is the default Sigstore trusted_root.json for keyless bundles.
	TrustedRoot string `yaml:"trusted_root"`
	// Key is the default private key for `sign` and `attest`.
	Key string `yaml:"key"`
}

func (s *Provenance) defaults() {
	s.SignatureName = "model.sig"
}
