package modelscan

import (
	"github.com/bulwark-ai/bulwark/modelscan/archive"
	"github.com/bulwark-ai/bulwark/modelscan/format"
	"github.com/bulwark-ai/bulwark/modelscan/gguf"
	"github.com/bulwark-ai/bulwark/modelscan/hf"
	"github.com/bulwark-ai/bulwark/modelscan/joblib"
	"github.com/bulwark-ai/bulwark/modelscan/keras"
	"github.com/bulwark-ai/bulwark/modelscan/numpy"
	"github.com/bulwark-ai/bulwark/modelscan/onnx"
	"github.com/bulwark-ai/bulwark/modelscan/pickle"
	"github.com/bulwark-ai/bulwark/modelscan/pytorch"
	"github.com/bulwark-ai/bulwark/modelscan/safetensors"
	"github.com/bulwark-ai/bulwark/modelscan/tfgraph"
)

// builtinScanners returns every built-in format scanner, most specific
// first: the first whose Match accepts a file scans it. Adding a format is
// one line here.
func builtinScanners(c scanConfig) []format.Scanner {
	scanners := []format.Scanner{
		pytorch.New(c.policy, c.maxDecompressed),
		numpy.New(c.policy, c.maxDecompressed),
		joblib.New(c.policy, c.maxDecompressed),
		safetensors.New(),
		gguf.New(),
		onnx.New(),
		tfgraph.New(),
		keras.NewZip(archive.Options{MaxTotal: c.maxDecompressed}),
		keras.NewH5(),
	}
	scanners = append(scanners,
		// Generic containers after every scanner that claims a specific
		// zip (PyTorch, NumPy .npz, Keras v3) or gzip (joblib) layout.
		archive.New(archive.Options{MaxTotal: c.maxDecompressed}),
		// Generic pickle after every format with magic bytes, and before
		// the text-file scanners: a protocol 0 pickle is ASCII text, and
		// pickle.load runs it whatever the file is called.
		pickle.NewScanner(c.policy, pickle.Options{}),
	)
	// Hugging Face folder files (config.json, tokenizer_config.json,
	// *.jinja, *.py, text-like files) match by name and text content.
	return append(scanners, hf.Scanners()...)
}
