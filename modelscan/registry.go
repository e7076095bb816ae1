package modelscan

import (
	"github.com/bulwark-ai/bulwark/modelscan/format"
	"github.com/bulwark-ai/bulwark/modelscan/gguf"
	"github.com/bulwark-ai/bulwark/modelscan/joblib"
	"github.com/bulwark-ai/bulwark/modelscan/numpy"
	"github.com/bulwark-ai/bulwark/modelscan/pickle"
	"github.com/bulwark-ai/bulwark/modelscan/pytorch"
	"github.com/bulwark-ai/bulwark/modelscan/safetensors"
)

// builtinScanners returns every built-in format scanner, most specific
// first: the first whose Match accepts a file scans it. Adding a format is
// one line here.
func builtinScanners(c scanConfig) []format.Scanner {
	return []format.Scanner{
		pytorch.New(c.policy, c.maxDecompressed),
		numpy.New(c.policy, c.maxDecompressed),
		joblib.New(c.policy, c.maxDecompressed),
		safetensors.New(),
		gguf.New(),
		// Generic pickle last: protocol 0/1 pickles have no magic.
		pickle.NewScanner(c.policy, pickle.Options{}),
	}
}
