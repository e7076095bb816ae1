package policy

import (
	"slices"

	"github.com/bulwark-ai/bulwark/finding"
)

// ruleTable is the deployment-policy rule table; it is only read.
var ruleTable = []finding.Rule{
	{ID: RuleSigner, Title: "Signer not allowed by policy", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy:    finding.Taxonomy{OWASPLLM: []string{"LLM03:2025"}, CWE: []string{"CWE-345"}},
		Description: "The signature is authentic, but its certificate matches none of the policy's certificate_identities.",
		Remediation: "Deploy only models signed by an allowed identity, or add the signer to the policy after review.", NoSamples: noSamples},
	{ID: RuleScan, Title: "Scan result above policy limit", Severity: finding.High, Pillar: "provenance", Category: "provenance",
		Taxonomy:    finding.Taxonomy{OWASPLLM: []string{"LLM03:2025"}, CWE: []string{"CWE-502"}},
		Description: "A model-scan finding is above the policy's scan.max_severity, or the policy requires a scan and none was supplied.",
		Remediation: "Do not deploy this model; investigate the scan finding first.", NoSamples: noSamples},
}

// Rules returns the rules of deployment policies, in a fresh slice.
func Rules() []finding.Rule { return slices.Clone(ruleTable) }

// noSamples says where this package's rules are exercised instead of by
// catalogue samples.
const noSamples = "needs a signed model and a policy: exercised by the tests of provenance/policy and cmd/bulwark"

// meta indexes ruleTable by id.
var meta = finding.Index(ruleTable)
