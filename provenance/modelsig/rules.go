package modelsig

import (
	"slices"

	"github.com/bulwark-ai/bulwark/finding"
)

// fixTampered is the remediation of a signed file that differs.
const fixTampered = "Do not deploy this model: its files are not the ones that were signed. Restore the signed files, or re-sign after review."

// ruleTable is the verification rule table; it is only read.
var ruleTable = []finding.Rule{
	{ID: RuleSignature, Title: "Model signature invalid or missing", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy:    tamperTaxonomy,
		Description: "The model's signature bundle is missing, malformed, or does not verify against the trusted key or identity.",
		Remediation: "Do not deploy this model. Obtain it again from its publisher and check the signature with the publisher's key or identity.", NoSamples: noSamples},
	{ID: RuleChanged, Title: "Signed file changed", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy: tamperTaxonomy, Description: "A file covered by the signature has a different digest now.", Remediation: fixTampered, NoSamples: noSamples},
	{ID: RuleAdded, Title: "File not covered by the signature", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy: tamperTaxonomy, Description: "A file is present that the signed manifest does not list.", Remediation: fixTampered, NoSamples: noSamples},
	{ID: RuleRemoved, Title: "Signed file missing", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy: tamperTaxonomy, Description: "A file the signed manifest lists is absent.", Remediation: fixTampered, NoSamples: noSamples},
	{ID: RuleRenamed, Title: "Signed file renamed", Severity: finding.Critical, Pillar: "provenance", Category: "provenance",
		Taxonomy: tamperTaxonomy, Description: "A signed file's content is present under another name.", Remediation: fixTampered, NoSamples: noSamples},
}

// Rules returns the rules of model-signature verification, in a fresh slice.
func Rules() []finding.Rule { return slices.Clone(ruleTable) }

// meta indexes ruleTable by id.
var meta = finding.Index(ruleTable)

// noSamples says where this package's rules are exercised instead of by
// catalogue samples.
const noSamples = "needs a signed model and a key: exercised by the tests of provenance/modelsig and cmd/bulwark"
