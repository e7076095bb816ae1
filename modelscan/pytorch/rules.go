package pytorch

import (
	"slices"

	"github.com/bulwark-ai/bulwark/finding"
)

// codeTaxonomy is the taxonomy of TorchScript code findings.
var codeTaxonomy = finding.Taxonomy{OWASPLLM: []string{"LLM03:2025", "LLM04:2025"}, ATLAS: []string{"AML.T0010", "AML.T0011"}, CWE: []string{"CWE-94"}}

// ruleTable is the PyTorch scanner's rule table; it is only read. The
// pickles inside a PyTorch file report the pickle rules.
var ruleTable = []finding.Rule{
	{ID: RuleCodeDanger, Title: "TorchScript code imports or calls Python modules", Severity: finding.High, Pillar: "modelscan", Category: "code_execution",
		Taxonomy: codeTaxonomy, Remediation: torchRemediation,
		Description: "TorchScript code under code/ imports a Python module or calls builtins or modules that TorchScript never needs.", NoSamples: noSamples},
	{ID: RuleCustomOp, Title: "TorchScript code calls a custom operator", Severity: finding.Medium, Pillar: "modelscan", Category: "code_execution",
		Taxonomy: codeTaxonomy, Remediation: torchRemediation,
		Description: "TorchScript code calls an operator from a namespace outside PyTorch's own, which needs a native library to run.", NoSamples: noSamples},
	{ID: RuleFileOp, Title: "TorchScript code touches files", Severity: finding.High, Pillar: "modelscan", Category: "code_execution",
		Taxonomy: codeTaxonomy, Remediation: torchRemediation,
		Description: "TorchScript code calls an operator that reads or writes files.", NoSamples: noSamples},
	{ID: RuleLayout, Title: "Malformed legacy PyTorch record", Severity: finding.Medium, Pillar: "modelscan", Category: "tampering",
		Taxonomy:    finding.Taxonomy{OWASPLLM: []string{"LLM03:2025", "LLM04:2025"}, ATLAS: []string{"AML.T0010"}, CWE: []string{"CWE-502"}},
		Remediation: "Treat the file as untrusted; re-export it with a current torch.save or as safetensors.",
		Description: "A legacy (pre-zip) PyTorch file does not have the record layout torch.load expects.", NoSamples: noSamples},
}

// Rules returns the rules of the PyTorch scanner, in a fresh slice.
func Rules() []finding.Rule { return slices.Clone(ruleTable) }

// noSamples says where this package's rules are exercised instead of by
// catalogue samples.
const noSamples = "binary inputs: exercised by the fixture tests of modelscan/pytorch"
