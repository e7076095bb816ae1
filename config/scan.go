package config

import "github.com/bulwark-ai/bulwark/modelscan/format"

// Scan holds the settings of the `scan` part of Bulwark (the model scanner).
type Scan struct {
	// Jobs is the number of files scanned at once; 0 means all cores.
	Jobs int `yaml:"jobs"`
	// MaxDepth bounds container nesting (zip in zip ...).
	MaxDepth int `yaml:"max_depth"`
	// MaxDecompressedBytes bounds what one compressed stream may expand to
	// before it is reported as a decompression bomb.
	MaxDecompressedBytes int64 `yaml:"max_decompressed_bytes"`
	// Allow and Deny are extra import policy files (see docs/modelscan.md).
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
	// Progress is auto (stderr when it is a terminal), always or never.
	Progress string `yaml:"progress"`
}

func (s *Scan) defaults() {
	s.MaxDepth = 4
	s.MaxDecompressedBytes = format.DefaultMaxDecompressed
	s.Progress = "auto"
}
