package numpy

import (
	"slices"

	"github.com/bulwark-ai/bulwark/finding"
)

// npyTaxonomy is the taxonomy of every NumPy rule.
var npyTaxonomy = finding.Taxonomy{OWASPLLM: []string{"LLM03:2025", "LLM04:2025"}, ATLAS: []string{"AML.T0010"}, CWE: []string{"CWE-502"}}

// ruleTable is the NumPy scanner's rule table; it is only read.
var ruleTable = []finding.Rule{
	{ID: RuleObjectArray, Title: "NumPy object array holds a pickle", Severity: finding.Medium, Pillar: "modelscan", Category: "code_execution",
		Taxonomy: npyTaxonomy, Remediation: "Load with allow_pickle=False, or store plain numeric arrays.",
		Description: "The array's dtype is object, so its data is a pickle that numpy.load(allow_pickle=True) runs.", NoSamples: noSamples},
	{ID: RuleSize, Title: "NumPy data length does not match its header", Severity: finding.Medium, Pillar: "modelscan", Category: "tampering",
		Taxonomy: npyTaxonomy, Remediation: "Treat the file as untrusted; re-export it with numpy.save.",
		Description: "The bytes after the header are more or fewer than dtype and shape need.", NoSamples: noSamples},
	{ID: RuleHeader, Title: "Malformed .npy header", Severity: finding.Medium, Pillar: "modelscan", Category: "tampering",
		Taxonomy: npyTaxonomy, Remediation: "Treat the file as untrusted; re-export it with numpy.save.",
		Description: "The .npy magic, version or header dictionary is malformed.", NoSamples: noSamples},
}

// Rules returns the rules of the NumPy scanner, in a fresh slice.
func Rules() []finding.Rule { return slices.Clone(ruleTable) }

// noSamples says where this package's rules are exercised instead of by
// catalogue samples.
const noSamples = "binary inputs: exercised by the fixture tests of modelscan/numpy"

// meta indexes ruleTable by id.
var meta = finding.Index(ruleTable)
