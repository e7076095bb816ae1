package modelsig

import (
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/bulwark-ai/bulwark/finding"
	"github.com/bulwark-ai/bulwark/provenance/manifest"
)

// Rule ids of verification findings.
const (
	// RuleSignature: the signature is missing, malformed or not authentic.
	RuleSignature = "PROV001"
	// RuleChanged: a signed file's content changed.
	RuleChanged = "PROV002"
	// RuleAdded: a file not covered by the signature is present.
	RuleAdded = "PROV003"
	// RuleRemoved: a signed file is missing.
	RuleRemoved = "PROV004"
	// RuleRenamed: a signed file is present under another name.
	RuleRenamed = "PROV005"
)

var tamperTaxonomy = finding.Taxonomy{
	OWASPLLM: []string{"LLM03:2025", "LLM04:2025"},
	ATLAS:    []string{"AML.T0010", "AML.T0018"},
	CWE:      []string{"CWE-354"},
}

// SignatureFinding reports a signature that could not be verified (err
// says why) for the model at target.
func SignatureFinding(target string, err error) finding.Finding {
	f := finding.Finding{
		Confidence: 1,
		Location:   finding.Location{File: target, Offset: -1},
		Message:    "the model's signature could not be verified: " + err.Error(),
	}
	meta[RuleSignature].Apply(&f)
	return f
}

// Findings turns a verification result into one finding per differing
// file, located at the file under target.
func Findings(target string, res *Result) []finding.Finding {
	var out []finding.Finding
	for _, c := range res.Changes {
		file := target
		if c.Path != manifest.SingleFileName {
			file = filepath.Join(target, filepath.FromSlash(c.Path))
		}
		f := finding.Finding{
			Confidence: 1,
			Location:   finding.Location{File: file, Offset: -1},
			Properties: map[string]string{"path": c.Path, "change": string(c.Kind)},
		}
		switch c.Kind {
		case manifest.Changed:
			meta[RuleChanged].Apply(&f)
			f.Message = fmt.Sprintf("%s differs from the signed content", c.Path)
			if len(c.Signed) == 1 && len(c.Actual) == 1 {
				f.Properties["signed_sha256"] = hex.EncodeToString(c.Signed[0].Digest)
				f.Properties["actual_sha256"] = hex.EncodeToString(c.Actual[0].Digest)
				f.SetEvidence("signed sha256 " + f.Properties["signed_sha256"] + ", now " + f.Properties["actual_sha256"])
			}
		case manifest.Added:
			meta[RuleAdded].Apply(&f)
			f.Message = fmt.Sprintf("%s was added after signing", c.Path)
		case manifest.Removed:
			meta[RuleRemoved].Apply(&f)
			f.Message = fmt.Sprintf("%s was signed but is missing", c.Path)
		case manifest.Renamed:
			meta[RuleRenamed].Apply(&f)
			f.Message = fmt.Sprintf("%s was signed as %s", c.Path, c.OldPath)
			f.Properties["signed_path"] = c.OldPath
		}
		out = append(out, f)
	}
	return out
}
