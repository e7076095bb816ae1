package modelscan

import (
	"github.com/bulwark-ai/bulwark/modelscan/format"
	"github.com/bulwark-ai/bulwark/modelscan/pickle"
)

// builtinScanners returns every built-in format scanner, most specific
// first: the first whose Match accepts a file scans it. Adding a format is
// one line here.
func builtinScanners(c scanConfig) []format.Scanner {
	return []format.Scanner{
		// Generic pickle last: protocol 0/1 pickles have no magic.
		pickle.NewScanner(c.policy, pickle.Options{}),
	}
}
