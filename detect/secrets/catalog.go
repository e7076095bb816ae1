package secrets

import "github.com/bulwark-ai/bulwark/finding"

// catalogRemediation is the remediation of every secret rule.
const catalogRemediation = "Revoke and rotate the credential; keep secrets out of prompts, documents, model files and model context."

// noSamples says why the secret rules carry no samples in the catalogue.
const noSamples = "credential-shaped samples are built at run time in detect/secrets/fakes_test.go so that no literal key is committed"

// Catalog returns the secret rules as catalogue entries. They report in
// spans of the detection engine and in model-scan findings alike.
func Catalog() []finding.Rule {
	out := make([]finding.Rule, 0, len(ruleTable))
	for _, r := range ruleTable {
		sev, err := finding.ParseSeverity(r.Severity)
		if err != nil || sev > finding.Critical {
			sev = finding.High
		}
		out = append(out, finding.Rule{ID: r.ID, Title: r.Title, Severity: sev, Pillar: "secrets", Category: "secrets",
			Taxonomy:    finding.Taxonomy{OWASPLLM: []string{"LLM02:2025"}, ATLAS: []string{"AML.T0057"}, CWE: []string{"CWE-798"}},
			Description: r.Description, Remediation: catalogRemediation, NoSamples: noSamples})
	}
	return out
}
